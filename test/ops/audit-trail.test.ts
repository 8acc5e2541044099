// The hash-chained audit trail on PGlite and PostgreSQL: concurrent writers still make one
// chain, reveals enter it from the reveal log, and `npm run audit:verify` (the real script, as an
// operator runs it) passes on an intact trail and names the first row after one is altered.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { appendAudit, listAudit, verifyAuditChain } from '../../server/db/audit-trail.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { insertRevealAttempt } from '../../server/db/reveal-audit.ts';
import { BACKENDS, createPostgresDatabase, TEST_DATABASE_URL } from './databases.ts';
import { runUsersCli } from '../helpers/users-cli.ts';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

const actor = { userId: 'usr_1', email: 'admin@example.com', role: 'platform_admin' };

describe.each(BACKENDS)('audit trail on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;
  beforeAll(async () => {
    ({ db, drop } = await backend.create());
    await migrate(db);
  });
  afterAll(() => drop?.());

  test('concurrent appends form one unbroken chain', async () => {
    // 40 writers at once, some inside transactions of their own: every row links to the one before.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        i % 2
          ? appendAudit(db, {
              kind: 'card.status_changed',
              actor,
              cardId: `ic_${i}`,
              details: { before: 'active', after: 'inactive' },
            })
          : db.transaction((tx) => appendAudit(tx, { kind: 'sign_in', actor })),
      ),
    );
    const check = await verifyAuditChain(db);
    expect(check).toMatchObject({ ok: true, rows: 40 });
    const seqs = (await listAudit(db, { limit: 100 })).map((r) => r.seq).sort((a, b) => a - b);
    expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
  });

  test('a reveal attempt written to the reveal log is in the trail, and so is Stripe refusing its key', async () => {
    const id = await insertRevealAttempt(db, {
      userId: 'usr_2',
      email: 'support@example.com',
      role: 'support_agent',
      cardId: 'ic_rev',
      accountId: 'acct_1',
      reason: 'Caller verified',
      outcome: 'granted',
      denyReason: null,
      ip: '127.0.0.1',
      userAgent: 'test',
    });
    await db.query(`UPDATE reveal_audit SET outcome = 'denied', deny_reason = 'nonce_rejected' WHERE id = $1`, [id]);
    const rows = await listAudit(db, { card: 'ic_rev', limit: 10 });
    expect(rows.map((r) => [r.kind, r.details.outcome, r.details.deny_reason ?? null])).toEqual([
      ['reveal.key_refused', 'denied', 'nonce_rejected'],
      ['reveal', 'granted', null],
    ]);
    expect(rows[1]).toMatchObject({
      actor_email: 'support@example.com',
      account_id: 'acct_1',
      details: { reason: 'Caller verified' },
    });
    expect((await verifyAuditChain(db)).ok).toBe(true);
  });

  test('filters by kind (and its sub-kinds), user, account, card and time', async () => {
    expect((await listAudit(db, { kind: 'card', limit: 100 })).length).toBe(20);
    expect((await listAudit(db, { kind: 'sign_in', user: 'ADMIN@example.com', limit: 100 })).length).toBe(20);
    expect((await listAudit(db, { account: 'acct_1', limit: 100 })).length).toBe(2);
    expect(await listAudit(db, { from: new Date(Date.now() + 60_000), limit: 100 })).toEqual([]);
  });

  test('altering, then deleting a row is found, naming the row', async () => {
    await db.query(`UPDATE audit_trail SET details = '{"before":"active","after":"active"}' WHERE seq = 7`);
    expect(await verifyAuditChain(db)).toMatchObject({
      ok: false,
      rows: 6,
      firstBad: { seq: 7, problem: expect.stringContaining('content') },
    });

    // Someone who also recomputes the altered row's hash breaks the link of the next one.
    await db.query(
      `UPDATE audit_trail t SET hash = encode(sha256(convert_to(t.prev_hash || '|' || audit_trail_content(t), 'UTF8')), 'hex') WHERE seq = 7`,
    );
    expect(await verifyAuditChain(db)).toMatchObject({
      ok: false,
      firstBad: { seq: 8, problem: expect.stringContaining('link') },
    });
  });
});

async function verifyScript(env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'audit:verify'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

const targets = [
  {
    name: 'PGlite',
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'audit-verify-'));
      return {
        env: { PGLITE_DIR: dir },
        settings: { kind: 'pglite' as const, dir },
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(TEST_DATABASE_URL
    ? [
        {
          name: 'PostgreSQL',
          async setup() {
            const created = await createPostgresDatabase();
            return {
              env: { DATABASE_URL: created.url },
              settings: { kind: 'postgres' as const, url: created.url },
              cleanup: created.drop,
            };
          },
        },
      ]
    : []),
];

/** The console's user administration, which must succeed here. */
async function usersScript(args: string[], env: Record<string, string>): Promise<void> {
  const result = await runUsersCli(args, env);
  if (result.code !== 0) throw new Error(`npm run users -- ${args[0]} exited ${result.code}: ${result.stderr}`);
}

describe.each(targets)('npm run audit:verify on $name', (target) => {
  test('user administration at the console is in the trail, chained', async () => {
    const { env, settings, cleanup } = await target.setup();
    try {
      await usersScript(['add', 'new.agent@example.com', 'support_agent', '--password', 'long enough pw'], env);
      await usersScript(['disable', 'new.agent@example.com'], env);
      const db = await openDatabase(settings);
      try {
        const rows = await listAudit(db, { kind: 'user', limit: 10 });
        expect(rows.map((r) => [r.kind, r.subject, r.details.role])).toEqual([
          ['user.disabled', 'new.agent@example.com', 'support_agent'],
          ['user.added', 'new.agent@example.com', 'support_agent'],
        ]);
        expect(rows[0]!.user_agent).toMatch(/^npm run users \(os user /);
        expect(await verifyAuditChain(db)).toMatchObject({ ok: true, rows: 2 });
      } finally {
        await db.close();
      }
    } finally {
      await cleanup();
    }
  }, 120_000);

  test('passes on an intact trail, fails naming the row after an UPDATE of one', async () => {
    const { env, settings, cleanup } = await target.setup();
    try {
      let db = await openDatabase(settings);
      await migrate(db);
      for (let i = 0; i < 5; i += 1)
        await appendAudit(db, {
          kind: 'card.spending_controls_changed',
          actor,
          cardId: 'ic_1',
          details: { before: { n: i }, after: { n: i + 1 } },
        });
      await db.close(); // PGlite is single-process: the script opens the directory itself

      const ok = await verifyScript(env);
      expect(ok.out).toMatch(/Audit trail intact: 5 rows verified; head row 5, hash [0-9a-f]{64}\./);
      expect(ok.code).toBe(0);

      db = await openDatabase(settings);
      await db.query(`UPDATE audit_trail SET actor_email = 'someone-else@example.com' WHERE seq = 3`);
      const altered = await db.query<{ id: string }>('SELECT id FROM audit_trail WHERE seq = 3');
      await db.close();

      const broken = await verifyScript(env);
      expect(broken.code).toBe(1);
      expect(broken.out).toContain(
        `Audit trail BROKEN at row 3 (${altered[0]!.id}): its content does not match its hash. 2 rows before it verified.`,
      );
    } finally {
      await cleanup();
    }
  }, 120_000);
});
