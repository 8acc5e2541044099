// Security, round three (issue 17), items 2, 4 and 6: ephemeral keys. Shown from the outside,
// through the app's HTTP API and the audit a platform admin reads:
//  2. every path to a card secret (reveal, PIN, the component's numbers) needs a fresh second
//     factor for staff roles, and the audit names a key that can show numbers as such;
//  4. component keys are bounded by what browsing needs (an Account Session this session opened,
//     a key per card no more often than a card loads, distinct cards per hour, per minute by role);
//  6. refusals that are no probing ("this card shows no numbers") do not lock anyone out.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createUser, findUserByEmail } from '../../server/db/users.ts';
import { REFUSED_REVEALS_PER_MINUTE } from '../../server/domain/refusal-limit.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import { POLICY, type Role } from '../../shared/policy.ts';
import type { Stack } from '../helpers/stack.ts';
import { loadWorld, nonceFor, type World } from './probes.ts';
import { EMAIL, startSecurityStack, summary, type SecurityStack } from './stack.ts';

let stack: SecurityStack;
let world: World;
let ownCanceled: string;

beforeAll(async () => {
  stack = await startSecurityStack();
  world = await loadWorld(stack);
  // These tests ask for keys faster than a person opens cards; Stripe's own 25 requests a second
  // (tested elsewhere) would answer first.
  stack.emulator.emulator.rateLimits.configure(false);
  const canceled = await stack.stripe.issuing.cards.create(
    { cardholder: world.own.cardholder, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: world.own.account },
  );
  await stack.stripe.issuing.cards.update(canceled.id, { status: 'canceled' }, { stripeAccount: world.own.account });
  ownCanceled = canceled.id;
});

afterAll(async () => {
  const leaked = stack?.leakedSecrets() ?? [];
  summary('round three (keys)', { leakedSecretsInLogs: leaked.length });
  await stack?.close();
  expect(leaked).toEqual([]);
});

const json = { 'content-type': 'application/json' };
let ipCounter = 0;
/** A fresh address per test, so that refusals counted per address stay within it. */
const nextIp = () => `10.17.${Math.floor(++ipCounter / 250)}.${ipCounter % 250}`;

async function inject(opts: { method: 'GET' | 'POST'; url: string; cookie: string; payload?: unknown; ip?: string }) {
  const res = await stack.app.inject({
    method: opts.method,
    url: opts.url,
    headers: { origin: stack.appUrl, cookie: opts.cookie, ...(opts.payload !== undefined ? json : {}) },
    ...(opts.payload !== undefined ? { payload: JSON.stringify(opts.payload) } : {}),
    ...(opts.ip ? { remoteAddress: opts.ip } : {}),
  });
  stack.trackBody(res.body);
  return res;
}

/** A session for `email` whose last second-factor check was `ageSeconds` ago (null: never). */
async function sessionCheckedAgo(email: string, ageSeconds: number | null): Promise<string> {
  const user = (await findUserByEmail(stack.app.db, email))!;
  const { token } = await stack.app.sessions.issue(
    user.id,
    ageSeconds === null
      ? { state: 'complete', verifiedAt: null, method: null }
      : { state: 'complete', verifiedAt: Math.floor(Date.now() / 1000) - ageSeconds, method: 'totp' },
  );
  stack.track(token);
  return `${SESSION_COOKIE}=${token}`;
}

/** A TOTP factor for a user (the security stack carries the helper's enrolTotp, unnamed in its type). */
const enrolTotp = (email: string) => (stack as SecurityStack & Pick<Stack, 'enrolTotp'>).enrolTotp(email);

let userCounter = 0;
/** A new user of `role` (an account user is a member of the own account), signed in. */
async function newUser(role: Role): Promise<{ id: string; email: string; cookie: string }> {
  const email = `keys-${++userCounter}-${role}@example.com`;
  const user = await createUser(stack.app.db, { email, passwordHash: await hashPassword('round-three-keys'), role });
  if (role === 'account_user')
    await stack.app.db.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [
      user.id,
      world.own.account,
    ]);
  return { id: user.id, email, cookie: await stack.loginCookie(email) };
}

async function openComponents(cookie: string, account: string, ip?: string) {
  const res = await inject({
    method: 'POST',
    url: '/api/account-sessions',
    cookie,
    payload: { account },
    ...(ip ? { ip } : {}),
  });
  expect(res.statusCode).toBe(200);
}

async function askKey(
  cookie: string,
  card: { id: string; account: string },
  body: Record<string, unknown> = {},
  ip?: string,
) {
  return inject({
    method: 'POST',
    url: '/api/ephemeral-keys',
    cookie,
    payload: { card_id: card.id, nonce: await nonceFor(stack, card.id, card.account), account: card.account, ...body },
    ...(ip ? { ip } : {}),
  });
}

const ownVirtual = () => ({ id: world.own.virtualCard.id, account: world.own.account });
const ownPhysical = () => ({ id: world.own.physicalCard.id, account: world.own.account });
const otherVirtual = () => ({ id: world.other.virtualCard.id, account: world.other.account });

async function lastAuditRow(userId: string) {
  const [row] = await stack.app.db.query<{
    kind: string;
    outcome: string;
    deny_reason: string | null;
    second_factor_method: string | null;
  }>(
    'SELECT kind, outcome, deny_reason, second_factor_method FROM reveal_audit WHERE user_id = $1 ORDER BY created_at DESC, id DESC LIMIT 1',
    [userId],
  );
  return row;
}

/** Granted component keys written as if fetched `ageSeconds` ago, for cards `cards` (ids). */
async function pastComponentKeys(userId: string, cards: string[], ageSeconds: number) {
  await stack.app.db.query(
    `INSERT INTO reveal_audit (id, user_id, card_id, account_id, outcome, kind, component, created_at)
     SELECT 'aud_past_' || md5(random()::text || c), $1, c, $2, 'granted', 'component_key', 'issuing_cards_list', now() - make_interval(secs => $3)
     FROM unnest($4::text[]) AS c`,
    [userId, world.own.account, ageSeconds, cards],
  );
}

describe('item 2: staff roles need a fresh second factor for every card secret', () => {
  test('/api/me tells the client that component numbers need the check (staff) or not (account users)', async () => {
    const admin = await inject({
      method: 'GET',
      url: '/api/me',
      cookie: await stack.loginCookie(EMAIL.platform_admin),
    });
    expect(admin.json().secondFactor.stepUp).toMatchObject({ reveal: true, componentNumbers: true });
    const account = await inject({
      method: 'GET',
      url: '/api/me',
      cookie: await stack.loginCookie(EMAIL.account_user),
    });
    expect(account.json().secondFactor.stepUp).toMatchObject({ reveal: false, componentNumbers: false });
  });

  test('an admin whose check is an hour old gets no key: not for the component, not for a reveal, not for a physical card (PIN)', async () => {
    const stale = await sessionCheckedAgo(EMAIL.platform_admin, 3600);
    await openComponents(stale, world.own.account);
    const ip = nextIp();
    for (const [card, body] of [
      [ownVirtual(), { component: 'issuing_card' }],
      [ownVirtual(), { component: 'issuing_cards_list' }],
      [ownVirtual(), {}],
      [ownPhysical(), {}],
    ] as const) {
      const res = await askKey(stale, card, body, ip);
      expect(res.statusCode, JSON.stringify(body)).toBe(403);
      expect(res.json().error.code).toBe('step_up_required');
      expect(res.body).not.toMatch(/ek_test_/);
    }
    // Never checked at all: the same.
    const never = await sessionCheckedAgo(EMAIL.platform_admin, null);
    await openComponents(never, world.own.account);
    expect((await askKey(never, ownVirtual(), { component: 'issuing_card' }, ip)).json().error.code).toBe(
      'step_up_required',
    );
  });

  test('a component key for a physical card is refused to everyone, fresh check or not (the component shows numbers of virtual cards only)', async () => {
    const fresh = await stack.loginCookie(EMAIL.platform_admin);
    await openComponents(fresh, world.own.account);
    const res = await askKey(fresh, ownPhysical(), { component: 'issuing_card' }, nextIp());
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('card_type_not_allowed');
    expect(res.body).not.toMatch(/ek_test_/);
  });

  test('a fresh admin gets the component key; the audit names it as a key that can show numbers, with the check behind it', async () => {
    const admin = await newUser('platform_admin');
    await enrolTotp(admin.email);
    const cookie = await stack.loginCookie(admin.email);
    await openComponents(cookie, world.own.account);
    const res = await askKey(cookie, ownVirtual(), { component: 'issuing_card' }, nextIp());
    expect(res.statusCode).toBe(200);
    expect(await lastAuditRow(admin.id)).toMatchObject({
      kind: 'component_key',
      outcome: 'granted',
      second_factor_method: 'totp',
    });

    const reader = await stack.loginCookie(EMAIL.platform_admin);
    const listed = await inject({
      method: 'GET',
      url: `/api/audit?user=${admin.id}&kind=component_key`,
      cookie: reader,
    });
    const [row] = listed.json().data;
    expect(row.kind).toBe('component_key');
    expect(row.details).toMatchObject({
      shows_numbers: true,
      component: 'issuing_card',
      second_factor_method: 'totp',
      outcome: 'granted',
    });
    // A refused one is no key that can show numbers.
    const refused = await askKey(cookie, ownPhysical(), { component: 'issuing_card' }, nextIp());
    expect(refused.statusCode).toBe(403);
    const all = (
      await inject({ method: 'GET', url: `/api/audit?user=${admin.id}&kind=component_key`, cookie: reader })
    ).json().data;
    expect(all.filter((r: { details: Record<string, unknown> }) => r.details.shows_numbers === true)).toHaveLength(1);
  });

  test("an account user's own virtual card in the component needs no check, as before", async () => {
    const user = await newUser('account_user');
    const never = await sessionCheckedAgo(user.email, null);
    await openComponents(never, world.own.account);
    expect((await askKey(never, ownVirtual(), { component: 'issuing_card' })).statusCode).toBe(200);
  });
});

describe('item 4: component keys bounded by what browsing needs', () => {
  test('no key for an account whose Account Session this session did not create', async () => {
    const user = await newUser('account_user');
    const res = await askKey(user.cookie, ownVirtual(), { component: 'issuing_cards_list' }, nextIp());
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('account_session_required');
    expect(res.body).not.toMatch(/ek_test_/);
    // Another session of the same user opening the components does not count for this one.
    await openComponents(await stack.loginCookie(user.email), world.own.account);
    expect((await askKey(user.cookie, ownVirtual(), { component: 'issuing_cards_list' })).statusCode).toBe(409);
    await openComponents(user.cookie, world.own.account);
    expect((await askKey(user.cookie, ownVirtual(), { component: 'issuing_cards_list' })).statusCode).toBe(200);
  });

  test('a card gets a new key no more often than a card loads', async () => {
    const user = await newUser('account_user');
    await openComponents(user.cookie, world.own.account);
    const perCardMinSeconds = POLICY.account_user.componentKeys?.perCardMinSeconds ?? 2;
    expect((await askKey(user.cookie, ownVirtual(), { component: 'issuing_card' })).statusCode).toBe(200);
    const again = await askKey(user.cookie, ownVirtual(), { component: 'issuing_cards_list' });
    expect(again.statusCode).toBe(429);
    expect(again.json().error.code).toBe('card_key_too_soon');
    expect(await lastAuditRow(user.id)).toMatchObject({
      kind: 'component_key',
      outcome: 'denied',
      deny_reason: 'card_key_too_soon',
    });
    // Once the interval has passed, the card loads its numbers again.
    await stack.app.db.query(
      "UPDATE reveal_audit SET created_at = created_at - make_interval(secs => $2) WHERE user_id = $1 AND outcome = 'granted'",
      [user.id, perCardMinSeconds + 1],
    );
    expect((await askKey(user.cookie, ownVirtual(), { component: 'issuing_card' })).statusCode).toBe(200);
  });

  test.each(['account_user', 'platform_admin'] as const)(
    "%s: the role's own per-minute bound, not one constant for every role",
    async (role) => {
      const user = await newUser(role);
      if (role === 'platform_admin') await enrolTotp(user.email);
      const cookie = await stack.loginCookie(user.email);
      await openComponents(cookie, world.own.account);
      // (Read with a fallback, so that on a policy without the bounds the test fails by its assertions.)
      const perMinute = POLICY[role].componentKeys?.perMinute ?? 30;
      expect(perMinute).toBeLessThan(300);
      await pastComponentKeys(
        user.id,
        Array.from({ length: perMinute }, (_, i) => `ic_past${i}`),
        5,
      );
      const res = await askKey(cookie, ownVirtual(), { component: 'issuing_card' }, nextIp());
      expect(res.statusCode).toBe(429);
      expect(res.json().error.message).toContain(`${perMinute} cards per minute`);
      expect(await lastAuditRow(user.id)).toMatchObject({
        kind: 'component_key',
        outcome: 'denied',
        deny_reason: 'rate_limited',
      });
    },
  );

  test('a bounded number of distinct cards per hour; cards already seen this hour still load', async () => {
    const user = await newUser('account_user');
    await openComponents(user.cookie, world.own.account);
    // One bound for reveals and component keys together: the role's reveal policy (review of issue 17).
    const distinctCardsPerHour = POLICY.account_user.permissions.reveal.distinctCardsPerHour;
    // An hour's worth of distinct cards, spread over the last hour (so no per-minute bound applies).
    const seen = Array.from({ length: distinctCardsPerHour - 1 }, (_, i) => `ic_seen${i}`);
    await pastComponentKeys(user.id, seen, 20 * 60);
    await pastComponentKeys(user.id, [world.own.virtualCard.id], 30 * 60);
    const fresh = await stack.stripe.issuing.cards.create(
      { cardholder: world.own.cardholder, type: 'virtual', currency: 'usd', status: 'active' },
      { stripeAccount: world.own.account },
    );
    const res = await askKey(
      user.cookie,
      { id: fresh.id, account: world.own.account },
      { component: 'issuing_card' },
      nextIp(),
    );
    expect(res.statusCode).toBe(429);
    expect(res.json().error.code).toBe('too_many_cards');
    expect(res.json().error.message).toContain(String(distinctCardsPerHour));
    // A card among those of this hour is browsing, not a new card.
    expect((await askKey(user.cookie, ownVirtual(), { component: 'issuing_card' })).statusCode).toBe(200);
  });
});

describe('item 6: refusals that are no probing lock nobody out', () => {
  test("25 component keys refused for the user's own physical and canceled cards: the user's reveals still work, one row per card and reason", async () => {
    const user = await newUser('account_user');
    await openComponents(user.cookie, world.own.account);
    const ip = nextIp();
    const refusals = REFUSED_REVEALS_PER_MINUTE.perUser + 5;
    for (let i = 0; i < refusals; i++) {
      const card = i % 2 ? ownPhysical() : { id: ownCanceled, account: world.own.account };
      const res = await askKey(user.cookie, card, { component: 'issuing_cards_list' }, ip);
      expect(res.statusCode, `attempt ${i + 1}`).not.toBe(429);
      expect(['card_type_not_allowed', 'card_canceled']).toContain(res.json().error.code);
    }
    const reveal = await askKey(user.cookie, ownVirtual(), {}, ip);
    expect(reveal.statusCode).toBe(200);
    // Still in the audit, without filling it: the same refusal of the same card once a minute.
    const rows = await stack.app.db.query<{ card_id: string; deny_reason: string }>(
      "SELECT card_id, deny_reason FROM reveal_audit WHERE user_id = $1 AND outcome = 'denied'",
      [user.id],
    );
    expect(rows).toHaveLength(2);
  });

  test("four users behind one address, each refused for their own physical card, do not lock out the address's admins", async () => {
    const ip = nextIp();
    for (let u = 0; u < 4; u++) {
      const user = await newUser('account_user');
      await openComponents(user.cookie, world.own.account, ip);
      for (let i = 0; i < REFUSED_REVEALS_PER_MINUTE.perIp / 4 + 2; i++) {
        const res = await askKey(user.cookie, ownPhysical(), i % 2 ? { component: 'issuing_card' } : {}, ip);
        expect(res.statusCode).toBe(403);
      }
    }
    const admin = await stack.loginCookie(EMAIL.platform_admin);
    await openComponents(admin, world.own.account, ip);
    expect((await askKey(admin, ownVirtual(), { component: 'issuing_card' }, ip)).statusCode).toBe(200);
    const support = await stack.loginCookie(EMAIL.support_agent);
    expect(
      (await askKey(support, ownVirtual(), { reason: 'Cardholder on the phone, ticket 1717' }, ip)).statusCode,
    ).toBe(200);
  });

  test('probing still counts: cards of another account, reveals without their reason', async () => {
    const user = await newUser('account_user');
    const ip = nextIp();
    for (let i = 0; i < REFUSED_REVEALS_PER_MINUTE.perUser; i++) {
      expect((await askKey(user.cookie, otherVirtual(), {}, ip)).statusCode).toBe(403);
    }
    const after = await askKey(user.cookie, ownVirtual(), {}, ip);
    expect(after.statusCode).toBe(429);

    const support = await newUser('support_agent');
    await enrolTotp(support.email);
    const agent = await stack.loginCookie(support.email);
    const agentIp = nextIp();
    for (let i = 0; i < REFUSED_REVEALS_PER_MINUTE.perUser; i++) {
      expect((await askKey(agent, ownVirtual(), {}, agentIp)).json().error.code).toBe('reason_required');
    }
    expect((await askKey(agent, ownVirtual(), { reason: 'ticket 1718' }, agentIp)).statusCode).toBe(429);
  });
});

/** Granted rows of `kind` written as if made `ageSeconds` ago, one per card id in `cards`. */
async function pastGrants(userId: string, kind: 'reveal' | 'component_key', cards: string[], ageSeconds: number) {
  await stack.app.db.query(
    `INSERT INTO reveal_audit (id, user_id, card_id, account_id, outcome, kind, component, created_at)
     SELECT 'aud_past_' || md5(random()::text || c), $1, c, $2, 'granted', $3, CASE WHEN $3 = 'component_key' THEN 'issuing_cards_list' END, now() - make_interval(secs => $4)
     FROM unnest($5::text[]) AS c`,
    [userId, world.own.account, kind, ageSeconds, cards],
  );
}

/** A new active virtual card on the own account (one no user has seen yet). */
async function newVirtualCard(): Promise<{ id: string; account: string }> {
  const card = await stack.stripe.issuing.cards.create(
    { cardholder: world.own.cardholder, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: world.own.account },
  );
  return { id: card.id, account: world.own.account };
}

/** The role's bound on distinct cards an hour (read with a fallback, so a policy without it fails by assertion). */
const cardsPerHourBound = (role: Role): number =>
  (POLICY[role].permissions.reveal as { distinctCardsPerHour?: number }).distinctCardsPerHour ??
  { platform_admin: 60, account_user: 120, support_agent: 120 }[role];

describe('review: one bound on distinct cards an hour, reveals and component keys together', () => {
  test.each(['account_user', 'platform_admin', 'support_agent'] as const)(
    '%s: reveals without a component meet the bound; the refusal is too_many_cards, counted as probing; cards seen this hour still open',
    async (role) => {
      const user = await newUser(role);
      if (role !== 'account_user') await enrolTotp(user.email);
      const cookie = await stack.loginCookie(user.email);
      const body = role === 'support_agent' ? { reason: 'Caller verified, ticket 1745' } : {};
      const bound = cardsPerHourBound(role);
      // Two real reveals of different cards (never an Account Session), then the rest of the hour's cards
      // as earlier reveals spread over it (so the per-minute reveal rate is not what refuses).
      const first = await newVirtualCard();
      for (const card of [ownVirtual(), first])
        expect((await askKey(cookie, card, body, nextIp())).statusCode).toBe(200);
      await stack.app.db.query(
        "UPDATE reveal_audit SET created_at = created_at - interval '10 minutes' WHERE user_id = $1",
        [user.id],
      );
      await pastGrants(
        user.id,
        'reveal',
        Array.from({ length: bound - 2 }, (_, i) => `ic_rev${i}`),
        20 * 60,
      );

      const ip = nextIp();
      const res = await askKey(cookie, await newVirtualCard(), body, ip);
      expect(res.statusCode).toBe(429);
      expect(res.json().error.code).toBe('too_many_cards');
      expect(res.json().error.message).toContain(`${bound} different cards`);
      expect(res.body).not.toMatch(/ek_test_/);
      expect(await lastAuditRow(user.id)).toMatchObject({
        kind: 'reveal',
        outcome: 'denied',
        deny_reason: 'too_many_cards',
      });
      // A probing-type refusal: it counts toward the refused-attempt limits.
      const [counts] = await stack.app.db.query<{ by_user: string | number }>(
        'SELECT by_user FROM refused_reveal_counts($1, $2)',
        [user.id, ip],
      );
      expect(Number(counts!.by_user)).toBe(1);
      // The same card again is not a new card.
      expect((await askKey(cookie, first, body, nextIp())).statusCode).toBe(200);
    },
  );

  test("a support agent's bound is far above what a human agent reaches (a caller every 149 s at the fastest: 25 cards an hour)", () => {
    // test/helpers/support-team.ts: contact centres' average handle time is 149 s to 528 s.
    expect(cardsPerHourBound('support_agent')).toBeGreaterThanOrEqual(4 * Math.ceil(3600 / 149));
  });

  test('component keys and reveals share the count: reveals fill the hour for the components, component keys for the reveals', async () => {
    const bound = cardsPerHourBound('account_user');
    // Reveals (no Account Session needed for them) of bound - 1 cards, one component key: the hour is full.
    const revealer = await newUser('account_user');
    await openComponents(revealer.cookie, world.own.account);
    await pastGrants(
      revealer.id,
      'reveal',
      Array.from({ length: bound - 1 }, (_, i) => `ic_shared_r${i}`),
      20 * 60,
    );
    expect((await askKey(revealer.cookie, ownVirtual(), { component: 'issuing_card' }, nextIp())).statusCode).toBe(200);
    const byComponent = await askKey(revealer.cookie, await newVirtualCard(), { component: 'issuing_card' }, nextIp());
    expect(byComponent.statusCode).toBe(429);
    expect(byComponent.json().error.code).toBe('too_many_cards');
    const byReveal = await askKey(revealer.cookie, await newVirtualCard(), {}, nextIp());
    expect(byReveal.statusCode).toBe(429);
    expect(byReveal.json().error.code).toBe('too_many_cards');
    // The card the component loaded this hour is no new card for a reveal.
    expect((await askKey(revealer.cookie, ownVirtual(), {}, nextIp())).statusCode).toBe(200);

    // Component keys of a whole hour's cards: a plain reveal of a new card is refused.
    const browser = await newUser('account_user');
    await pastGrants(
      browser.id,
      'component_key',
      Array.from({ length: bound }, (_, i) => `ic_shared_c${i}`),
      20 * 60,
    );
    const reveal = await askKey(browser.cookie, await newVirtualCard(), {}, nextIp());
    expect(reveal.statusCode).toBe(429);
    expect(reveal.json().error.code).toBe('too_many_cards');
    expect(reveal.body).not.toMatch(/ek_test_/);
    // One of the cards the components loaded this hour: revealing it is no new card.
    await pastGrants(browser.id, 'component_key', [world.own.virtualCard.id], 25 * 60);
    expect((await askKey(browser.cookie, ownVirtual(), {}, nextIp())).statusCode).toBe(200);
  });
});
