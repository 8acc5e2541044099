// The database layer on every backend the app supports: in-memory PGlite, and PostgreSQL when
// TEST_DATABASE_URL is set (CI starts a real server on loopback and sets it). The same
// migrations, queries and the whole app on top must behave the same on both.
import type { FastifyRequest } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { migrate } from '../../server/db/migrate.ts';
import { listRevealAttempts } from '../../server/db/reveal-audit.ts';
import { createSession, findSessionUser, revokeSession } from '../../server/db/sessions.ts';
import { getOrCreateSetting } from '../../server/db/settings.ts';
import { addMembership, createUser, findUserByEmail, listMemberships } from '../../server/db/users.ts';
import { auditGrant } from '../../server/domain/reveal-audit.ts';
import { createNonce } from '../helpers/card-details.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { apiSignIn } from '../helpers/totp.ts';
import { BACKENDS, TEST_DATABASE_URL } from './databases.ts';

test('CI runs the database tests against PostgreSQL, not only PGlite', () => {
  // .ci/run starts PostgreSQL and sets TEST_DATABASE_URL; without it the PostgreSQL half of
  // this suite would be skipped without anyone noticing.
  if (process.env.CI && process.env.CI !== 'false') {
    expect(TEST_DATABASE_URL, 'CI=true but TEST_DATABASE_URL is not set').toBeTruthy();
  }
  expect(BACKENDS.map((b) => b.name)).toContain('pglite');
  if (TEST_DATABASE_URL) expect(BACKENDS.map((b) => b.name)).toContain('postgres');
});

/** What auditGrant reads from a request: who, from where. */
function requestFrom(user: { id: string; email: string }): FastifyRequest {
  return {
    user: { ...user, role: 'support_agent', sessionId: 's' },
    headers: { 'user-agent': 'ops-test' },
    ip: '127.0.0.1',
  } as unknown as FastifyRequest;
}

describe.each(BACKENDS)('database on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await backend.create());
    await migrate(db);
  });
  afterAll(async () => {
    await drop?.();
  });

  test('migrations are applied once: a second run (another instance starting) applies none', async () => {
    expect(await migrate(db)).toEqual([]);
    const rows = await db.query<{ version: number; name: string }>(
      'SELECT version, name FROM schema_migrations ORDER BY version',
    );
    expect(rows[0]).toMatchObject({ version: 1, name: '001-initial.sql' });
  });

  // Only PostgreSQL can have two connections migrating one database at once (PGlite is one
  // in-process instance), so the test exists only for that backend rather than being skipped.
  if (backend.name === 'postgres')
    test('two instances migrating a new database at once apply each migration once', async () => {
      const fresh = await backend.create();
      const other = await openDatabase({ kind: 'postgres', url: fresh.url! });
      try {
        const [a, b] = await Promise.all([migrate(fresh.db), migrate(other)]);
        expect([...a, ...b].filter((f) => f === '001-initial.sql')).toHaveLength(1);
      } finally {
        await other.close();
        await fresh.drop();
      }
    });

  test('users: emails are stored lower-case and unique; memberships are idempotent', async () => {
    const user = await createUser(db, { email: '  Agent@Example.COM ', passwordHash: 'x', role: 'support_agent' });
    expect(user.email).toBe('agent@example.com');
    expect((await findUserByEmail(db, 'AGENT@example.com'))?.id).toBe(user.id);
    await expect(
      createUser(db, { email: 'agent@example.com', passwordHash: 'y', role: 'platform_admin' }),
    ).rejects.toThrow();
    await addMembership(db, user.id, 'acct_1');
    await addMembership(db, user.id, 'acct_1');
    await addMembership(db, user.id, 'acct_2');
    expect(await listMemberships(db, user.id)).toEqual(['acct_1', 'acct_2']);
  });

  test('sessions: live, revoked, expired, and a disabled user', async () => {
    const user = await createUser(db, { email: 'sessions@example.com', passwordHash: 'x', role: 'platform_admin' });
    const live = await createSession(db, user.id, 3600);
    expect(await findSessionUser(db, live.id)).toMatchObject({
      id: user.id,
      email: 'sessions@example.com',
      role: 'platform_admin',
    });
    const expired = await createSession(db, user.id, -1);
    expect(await findSessionUser(db, expired.id)).toBeUndefined();
    await revokeSession(db, live.id);
    expect(await findSessionUser(db, live.id)).toBeUndefined();
    const other = await createSession(db, user.id, 3600);
    await db.query('UPDATE users SET disabled = true WHERE id = $1', [user.id]);
    expect(await findSessionUser(db, other.id)).toBeUndefined();
  });

  test('a transaction that throws leaves nothing behind', async () => {
    await expect(
      db.transaction(async (tx) => {
        await tx.query(`INSERT INTO app_settings (key, value) VALUES ('rolled-back', 'x')`);
        throw new Error('boom');
      }),
    ).rejects.toThrow('boom');
    expect(await db.query(`SELECT 1 FROM app_settings WHERE key = 'rolled-back'`)).toEqual([]);
  });

  test('settings: concurrent first writers agree on one value', async () => {
    const values = await Promise.all(
      Array.from({ length: 8 }, (_, i) => getOrCreateSetting(db, 'race', () => `value-${i}`)),
    );
    expect(new Set(values).size).toBe(1);
  });

  test('the reveal rate limit holds under concurrent requests (row lock per user)', async () => {
    const user = await createUser(db, { email: 'rate@example.com', passwordHash: 'x', role: 'support_agent' });
    const request = requestFrom(user);
    const results = await Promise.all(
      Array.from({ length: 12 }, () =>
        auditGrant(
          db,
          request,
          { cardId: 'ic_1', accountId: 'acct_1', reason: 'caller verified' },
          { ratePerMinute: 5, distinctCardsPerHour: 120 },
        ),
      ),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(5);
    const rows = await listRevealAttempts(db, { user: user.id, limit: 100 });
    expect(rows.filter((r) => r.outcome === 'granted')).toHaveLength(5);
    expect(rows.filter((r) => r.outcome === 'denied' && r.deny_reason === 'rate_limited')).toHaveLength(7);
    expect(rows.every((r) => !Number.isNaN(Date.parse(r.created_at)))).toBe(true);
    // The filter by e-mail is case-insensitive, as the audit page offers it.
    expect(await listRevealAttempts(db, { user: 'RATE@example.com', card: 'ic_1', limit: 3 })).toHaveLength(3);
  });

  test('the distinct-cards bound holds under concurrent reveals of different cards (decision 062)', async () => {
    const user = await createUser(db, { email: 'cards@example.com', passwordHash: 'x', role: 'support_agent' });
    const request = requestFrom(user);
    const results = await Promise.all(
      Array.from({ length: 12 }, (_, i) =>
        auditGrant(
          db,
          request,
          { cardId: `ic_${i}`, accountId: 'acct_1', reason: 'caller verified' },
          { ratePerMinute: 100, distinctCardsPerHour: 5 },
        ),
      ),
    );
    expect(results.filter((r) => r.granted)).toHaveLength(5);
    expect(results.filter((r) => !r.granted && r.denyReason === 'too_many_cards')).toHaveLength(7);
    // A card among the five is no new card.
    const granted = (await listRevealAttempts(db, { user: user.id, limit: 100 })).find((r) => r.outcome === 'granted')!;
    expect(
      (
        await auditGrant(
          db,
          request,
          { cardId: granted.card_id, accountId: 'acct_1', reason: 'again' },
          { ratePerMinute: 100, distinctCardsPerHour: 5 },
        )
      ).granted,
    ).toBe(true);
  });

  describe('the app on this database', () => {
    let stack: Stack;
    let appDb: Database;
    let dropApp: () => Promise<void>;

    beforeAll(async () => {
      const created = await backend.create();
      appDb = created.db;
      dropApp = created.drop;
      stack = await startStack({ db: appDb });
    });
    afterAll(async () => {
      await stack?.close();
      await dropApp?.();
    });

    test('readyz, sign-in through the API and a reveal written to the audit log', async () => {
      const ready = await fetch(`${stack.appUrl}/readyz`);
      expect(await ready.json()).toEqual({ ok: true, checks: { database: true, stripe: true } });

      // Password, then the demo admin's TOTP code (POST /api/step-up).
      const cookie = await apiSignIn(stack.appUrl, 'admin@example.com', DEMO_PASSWORD, DEMO_TOTP_SECRET);

      const account = (await stack.stripe.accounts.list({ limit: 1 })).data[0]!.id;
      const card = (
        await stack.stripe.issuing.cards.list(
          { status: 'active', type: 'virtual', limit: 1 },
          { stripeAccount: account },
        )
      ).data[0]!;
      const nonce = await createNonce(stack, card.id, account);
      const reveal = await fetch(`${stack.appUrl}/api/ephemeral-keys`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: stack.appUrl, cookie },
        body: JSON.stringify({ card_id: card.id, nonce, reason: 'ops test' }),
      });
      expect(reveal.status).toBe(200);
      expect(((await reveal.json()) as { issuingCard: string }).issuingCard).toBe(card.id);

      const audit = await appDb.query<{ outcome: string; ephemeral_key_id: string | null }>(
        'SELECT outcome, ephemeral_key_id FROM reveal_audit WHERE card_id = $1',
        [card.id],
      );
      expect(audit).toHaveLength(1);
      expect(audit[0]!.outcome).toBe('granted');
      expect(audit[0]!.ephemeral_key_id).toMatch(/^ephkey_/);
    });
  });
});
