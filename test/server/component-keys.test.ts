// Component keys are not reveals (docs/decisions/060): Connect's issuing components fetch a key for
// every card they load or select, so an account user browsing cards must never meet the reveal
// limit, and the audit log must tell those keys apart from reveals someone asked for. They have
// bounds of their own (decision 062): an Account Session this session opened, one key per card
// load, the role's per-minute and distinct-cards bounds (test/security/round-three-keys.test.ts). And when
// Stripe refuses the key because the platform lacks Issuing Elements on connected accounts, the
// user is told that, not "Stripe did not answer as expected".
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { policyFor } from '../../shared/policy.ts';
import { loadWorld, nonceFor, type World } from '../security/probes.ts';
import { EMAIL, startSecurityStack, type SecurityStack } from '../security/stack.ts';

let stack: SecurityStack;
let world: World;
let cookie: string;
let userId: string;

beforeAll(async () => {
  stack = await startSecurityStack();
  world = await loadWorld(stack);
  const user = await createUser(stack.app.db, {
    email: 'browser@example.com',
    passwordHash: await hashPassword('browse-all-day'),
    role: 'account_user',
  });
  await stack.app.db.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [
    user.id,
    world.own.account,
  ]);
  userId = user.id;
  cookie = await stack.loginCookie('browser@example.com');
  // These tests are about the app's limits, and fire requests faster than any person opens cards
  // (three Stripe calls each): Stripe's own 25 requests a second (emulator/api/rate-limits.ts,
  // tested in test/emulator/rate-limits.test.ts) would answer first.
  stack.emulator.emulator.rateLimits.configure(false);
});

afterAll(async () => {
  await stack?.close();
});

/** The embedded components open their Account Session before they load a card (decision 062). */
async function openComponents(as: string) {
  const res = await stack.app.inject({
    method: 'POST',
    url: '/api/account-sessions',
    headers: { origin: stack.appUrl, cookie: as },
    payload: { account: world.own.account },
  });
  expect(res.statusCode).toBe(200);
}

async function askKey(body: Record<string, unknown>, as = cookie, card: { id: string } = world.own.virtualCard) {
  return stack.app.inject({
    method: 'POST',
    url: '/api/ephemeral-keys',
    headers: { origin: stack.appUrl, cookie: as },
    payload: {
      card_id: card.id,
      nonce: await nonceFor(stack, card.id, world.own.account),
      account: world.own.account,
      ...body,
    },
  });
}

async function auditRows(where: string, params: unknown[]) {
  return stack.app.db.query<{ kind: string; component: string | null; outcome: string; deny_reason: string | null }>(
    `SELECT kind, component, outcome, deny_reason FROM reveal_audit WHERE ${where} ORDER BY created_at`,
    params,
  );
}

describe('component keys vs reveals', () => {
  test('60 cards opened in a minute: 60 component keys, no 429, no reveal in the log; the reveal limit is untouched', async () => {
    const revealLimit = policyFor('account_user').permissions.reveal.ratePerMinute;
    expect(60).toBeGreaterThan(revealLimit); // what used to fail: every key counted as a reveal
    // 60 different cards, each loaded once (a card loaded again within seconds gets no new key: decision 062).
    const cards = [];
    for (let i = 0; i < 60; i++) {
      cards.push(
        await stack.stripe.issuing.cards.create(
          { cardholder: world.own.cardholder, type: 'virtual', currency: 'usd', status: 'active' },
          { stripeAccount: world.own.account },
        ),
      );
    }
    await openComponents(cookie);
    const statuses: number[] = [];
    for (const [i, card] of cards.entries())
      statuses.push(
        (await askKey({ component: i % 2 ? 'issuing_card' : 'issuing_cards_list' }, cookie, card)).statusCode,
      );
    expect(statuses.filter((s) => s !== 200)).toEqual([]);

    const rows = await auditRows('user_id = $1', [userId]);
    expect(rows).toHaveLength(60);
    expect(rows.every((r) => r.kind === 'component_key' && r.outcome === 'granted')).toBe(true);
    expect(new Set(rows.map((r) => r.component))).toEqual(new Set(['issuing_card', 'issuing_cards_list']));

    // The audit API tells them apart (and the CSV names the kind).
    const admin = await stack.loginCookie(EMAIL.platform_admin);
    const listed = await stack.app.inject({
      method: 'GET',
      url: `/api/audit?user=${userId}&kind=component_key&limit=100`,
      headers: { cookie: admin },
    });
    expect(listed.json().data).toHaveLength(60);
    const reveals = await stack.app.inject({
      method: 'GET',
      url: `/api/audit?user=${userId}&kind=reveal`,
      headers: { cookie: admin },
    });
    expect(reveals.json().data).toEqual([]);
    const csv = await stack.app.inject({
      method: 'GET',
      url: `/api/audit?user=${userId}&kind=component_key&format=csv&limit=1`,
      headers: { cookie: admin },
    });
    const [header, line] = csv.body.split('\r\n');
    const cells = (row: string) => row.split(',').map((cell) => cell.replace(/^"|"$/g, ''));
    const kindColumn = cells(header!).indexOf('kind');
    expect(kindColumn).toBeGreaterThanOrEqual(0);
    expect(cells(line!)[kindColumn]).toBe('component_key');

    // Reveals keep their own, strict limit, which the component keys did not use up.
    const revealStatuses: number[] = [];
    for (let i = 0; i <= revealLimit; i++) revealStatuses.push((await askKey({})).statusCode);
    expect(revealStatuses.slice(0, revealLimit).every((s) => s === 200)).toBe(true);
    expect(revealStatuses[revealLimit]).toBe(429);
    const revealRows = await auditRows("user_id = $1 AND kind = 'reveal'", [userId]);
    expect(revealRows.map((r) => r.outcome)).toEqual([...Array(revealLimit).fill('granted'), 'denied']);
    // ...and the reveal limit does not stop the components either.
    expect((await askKey({ component: 'issuing_card' })).statusCode).toBe(200);
  });

  const perMinute = policyFor('account_user').componentKeys!.perMinute;
  test(`component keys have a limit too (${perMinute}/min for account users), above browsing`, async () => {
    const user = await createUser(stack.app.db, {
      email: 'scraper@example.com',
      passwordHash: await hashPassword('scrape-scrape'),
      role: 'account_user',
    });
    await stack.app.db.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [
      user.id,
      world.own.account,
    ]);
    const scraper = await stack.loginCookie('scraper@example.com');
    await openComponents(scraper);
    await stack.app.db.query(
      `INSERT INTO reveal_audit (id, user_id, card_id, account_id, outcome, kind, component)
       SELECT 'aud_fill' || g, $1, $2, $3, 'granted', 'component_key', 'issuing_cards_list' FROM generate_series(1, $4::int) g`,
      [user.id, world.own.virtualCard.id, world.own.account, perMinute],
    );
    const res = await askKey({ component: 'issuing_cards_list' }, scraper);
    expect(res.statusCode).toBe(429);
    expect(res.json().error.message).toContain(`${perMinute} cards per minute`);
    const [last] = (await auditRows('user_id = $1', [user.id])).slice(-1);
    expect(last).toMatchObject({ kind: 'component_key', outcome: 'denied', deny_reason: 'rate_limited' });
  });

  test('a support agent gets no component keys (reveals need a reason), and the refusal is audited as one', async () => {
    const support = await stack.loginCookie(EMAIL.support_agent);
    const res = await askKey({ component: 'issuing_card' }, support);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('component_keys_not_allowed');
    const [row] = await stack.app.db.query<{ kind: string; component: string; outcome: string; deny_reason: string }>(
      'SELECT kind, component, outcome, deny_reason FROM reveal_audit WHERE email = $1 ORDER BY created_at DESC LIMIT 1',
      [EMAIL.support_agent],
    );
    expect(row).toEqual({
      kind: 'component_key',
      component: 'issuing_card',
      outcome: 'denied',
      deny_reason: 'component_keys_not_allowed',
    });
  });

  test('an unknown component is a 400 naming the field', async () => {
    const res = await askKey({ component: 'payments' });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toContain('component');
  });
});

describe('Stripe-side prerequisites named', () => {
  test('Issuing Elements not enabled for connected accounts: 403 naming the prerequisite, audited, no key', async () => {
    const user = await createUser(stack.app.db, {
      email: 'prereq@example.com',
      passwordHash: await hashPassword('prereq-prereq'),
      role: 'account_user',
    });
    await stack.app.db.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [
      user.id,
      world.own.account,
    ]);
    const prereq = await stack.loginCookie('prereq@example.com');
    await openComponents(prereq);
    stack.emulator.store.issuingElementsDisabled.add(world.own.account);
    try {
      for (const body of [{ component: 'issuing_card' }, {}]) {
        const res = await askKey(body, prereq);
        expect(res.statusCode).toBe(403);
        const error = res.json().error;
        expect(error.code).toBe('issuing_elements_not_enabled');
        expect(error.message).toMatch(/Issuing Elements are not enabled for this platform's connected accounts/);
        expect(error.message).toMatch(/Stripe/);
        expect(error.message).not.toMatch(/did not answer as expected/);
        expect(res.body).not.toMatch(/ek_test_/);
      }
      const rows = await auditRows("user_id = $1 AND deny_reason = 'issuing_elements_not_enabled'", [user.id]);
      expect(rows.map((r) => r.kind).sort()).toEqual(['component_key', 'reveal']);
    } finally {
      stack.emulator.store.issuingElementsDisabled.clear();
    }
    expect((await askKey({ component: 'issuing_card' }, prereq)).statusCode).toBe(200);
  });
});
