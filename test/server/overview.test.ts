// GET /api/overview (issue 20, docs/decisions/160-overview-from-the-mirror.md) against the emulator
// over real webhooks: its figures are those of Stripe's own authorizations (listed from the
// emulator and added up here by the rule of the remaining limits), per role and scope; it costs
// no Stripe call; support agents are refused; an account with nothing to show says so. The
// accounts list's per-account figures come from the same mirror.
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMembership, createUser } from '../../server/db/users.ts';
import { spendOf } from '../../server/domain/spending-usage.ts';
import { isLowBalance } from '../../server/domain/overview.ts';
import { hashPassword } from '../../server/domain/password.ts';
import type { OverviewResponse } from '../../shared/overview.ts';
import { demoSessions, startStack, type DemoCookies, type Stack } from '../helpers/stack.ts';
import { stripeCallsDuring } from '../helpers/view-costs.ts';

let stack: Stack;
let cookies: DemoCookies;
/** The account user's account, and another one it is not a member of. */
let own: string;
let other: string;
let holder: string;
/** A connected account created for this test: card_issuing not active, nothing spent. */
let fresh: string;
/** A member of `fresh` only. */
let freshCookie: string;

const delivered = () => stack.emulator.emulator.webhooks.dispatcher.idle();

async function call(
  cookie: string,
  url: string,
  { method = 'GET', payload }: { method?: 'GET' | 'POST'; payload?: object } = {},
): Promise<LightMyRequestResponse> {
  return stack.app.inject({ method, url, headers: { cookie, origin: stack.appUrl }, ...(payload ? { payload } : {}) });
}

/** The emulator's /v1 calls while `fn` runs, once the webhooks sent before are delivered. */
const stripeCalls = <T>(fn: () => Promise<T>) => stripeCallsDuring(stack.emulator, fn);

async function overviewOf(cookie: string): Promise<OverviewResponse> {
  const res = await call(cookie, '/api/overview');
  expect(res.statusCode, res.body).toBe(200);
  return res.json();
}

async function newCard(
  account: string,
  cardholder: string,
  limits: Stripe.Issuing.CardCreateParams['spending_controls'],
) {
  const res = await call(cookies.admin, '/api/cards', {
    method: 'POST',
    payload: { account, cardholder, type: 'virtual', currency: 'usd', status: 'active', spending_controls: limits },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().id as string;
}

async function purchase(card: string, amount: number, category = 'computer_software_stores'): Promise<boolean> {
  const res = await call(cookies.admin, `/api/cards/${card}/simulate-purchase`, {
    method: 'POST',
    payload: { amount, category },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().approved as boolean;
}

/** Every authorization Stripe holds on these accounts. */
async function stripeAuthorizations(accounts: string[]): Promise<Stripe.Issuing.Authorization[]> {
  const out: Stripe.Issuing.Authorization[] = [];
  for (const account of accounts)
    for await (const auth of stack.stripe.issuing.authorizations.list({ limit: 100 }, { stripeAccount: account }))
      out.push(auth);
  return out;
}

/** The overview's figures as Stripe's objects give them, over the periods the overview names. */
function expectedFigures(auths: Stripe.Issuing.Authorization[], overview: OverviewResponse) {
  const inRange = (a: Stripe.Issuing.Authorization, from: number, until: number) =>
    a.created >= from && a.created < until;
  const periods = overview.periods.map((p) => {
    const spend = (from: number, until: number) => {
      const byCurrency = new Map<string, number>();
      for (const a of auths)
        if (a.approved && inRange(a, from, until))
          byCurrency.set(a.currency, (byCurrency.get(a.currency) ?? 0) + spendOf(a));
      return byCurrency;
    };
    const [now, before] = [spend(p.from, p.until), spend(p.previous_from, p.previous_until)];
    const count = (approved: boolean, from: number, until: number) =>
      auths.filter((a) => a.approved === approved && inRange(a, from, until)).length;
    return {
      key: p.key,
      spend: [...new Set([...now.keys(), ...before.keys()])]
        .filter((c) => (now.get(c) ?? 0) > 0 || (before.get(c) ?? 0) > 0)
        .sort()
        .map((currency) => ({ currency, amount: now.get(currency) ?? 0, previous: before.get(currency) ?? 0 })),
      approved: count(true, p.from, p.until),
      declined: count(false, p.from, p.until),
      previous_approved: count(true, p.previous_from, p.previous_until),
      previous_declined: count(false, p.previous_from, p.previous_until),
    };
  });
  const thirty = overview.periods.find((p) => p.key === '30d')!;
  const reasons = new Map<string, number>();
  const days = new Map<string, { approved: number; declined: number }>();
  for (const a of auths.filter((x) => inRange(x, thirty.from, thirty.until))) {
    const last = a.request_history.at(-1);
    const day = new Date(a.created * 1000).toISOString().slice(0, 10);
    const entry = days.get(day) ?? { approved: 0, declined: 0 };
    if (a.approved) entry.approved += spendOf(a);
    else {
      entry.declined += last?.amount ?? a.amount;
      reasons.set(last?.reason ?? 'unknown', (reasons.get(last?.reason ?? 'unknown') ?? 0) + 1);
    }
    days.set(day, entry);
  }
  return { periods, reasons, days };
}

function expectFiguresMatch(overview: OverviewResponse, auths: Stripe.Issuing.Authorization[]) {
  const expected = expectedFigures(auths, overview);
  expect(
    overview.periods.map(({ key, spend, approved, declined, previous_approved, previous_declined }) => ({
      key,
      spend: spend.map(({ currency, amount, previous }) => ({ currency, amount, previous })),
      approved,
      declined,
      previous_approved,
      previous_declined,
    })),
  ).toEqual(expected.periods);
  for (const p of overview.periods) {
    const all = p.approved + p.declined;
    expect(p.decline_rate).toBe(all === 0 ? null : p.declined / all);
  }
  expect(Object.fromEntries(overview.declines.reasons.map((r) => [r.reason, r.count]))).toEqual(
    Object.fromEntries([...expected.reasons].sort((a, b) => b[1] - a[1]).slice(0, 5)),
  );
  expect(overview.declines.total).toBe([...expected.reasons.values()].reduce((s, n) => s + n, 0));
  const usd = overview.daily.find((d) => d.currency === 'usd');
  expect(usd?.days).toHaveLength(30);
  for (const d of usd?.days ?? [])
    expect({ day: d.day, approved: d.approved, declined: d.declined }).toEqual({
      day: d.day,
      ...(expected.days.get(d.day) ?? { approved: 0, declined: 0 }),
    });
}

let nearCard: string;
let holderCards: string[];
let lostCard: string;
let replacedLost: string;
let foundAgain: string;

beforeAll(async () => {
  stack = await startStack({
    webhookSecret: `whsec_${randomBytes(24).toString('hex')}`,
    env: { MIRROR_RECONCILE_SECONDS: '86400' },
  });
  ({ cookies, ownAccount: own, otherAccount: other } = await demoSessions(stack));
  await stack.app.cardIndex.whenBackfilled();
  holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: own }))
    .data[0]!.id;

  // A card 85% into its daily limit, and a purchase its limit declines.
  nearCard = await newCard(own, holder, { spending_limits: [{ amount: 10_000, interval: 'daily' }] });
  expect(await purchase(nearCard, 8_500)).toBe(true);
  expect(await purchase(nearCard, 5_000)).toBe(false);
  // A cardholder 90% into their own weekly limit on software, spent on two of their cards.
  const limitedHolder = await stack.stripe.issuing.cardholders.create(
    {
      name: 'Limited Holder',
      type: 'individual',
      billing: {
        address: { line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'US' },
      },
      spending_controls: {
        spending_limits: [{ amount: 20_000, interval: 'weekly', categories: ['computer_software_stores'] }],
      },
    },
    { stripeAccount: own },
  );
  holderCards = [await newCard(own, limitedHolder.id, {}), await newCard(own, limitedHolder.id, {})];
  expect(await purchase(holderCards[0]!, 10_000)).toBe(true);
  expect(await purchase(holderCards[1]!, 8_000)).toBe(true);
  expect(await purchase(holderCards[1]!, 5_000, 'taxicabs_limousines')).toBe(true);
  // Another account's spend, which the account user must not see.
  const otherHolder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: other })
  ).data[0]!.id;
  const otherCard = await newCard(other, otherHolder, {});
  expect(await purchase(otherCard, 2_000)).toBe(true);

  // Lost cards: one waiting, one replaced already, one found again (activated).
  lostCard = await newCard(own, holder, {});
  replacedLost = await newCard(own, holder, {});
  foundAgain = await newCard(own, holder, {});
  for (const card of [lostCard, replacedLost, foundAgain]) {
    const res = await call(cookies.support, `/api/cards/${card}/report-lost`, { method: 'POST', payload: {} });
    expect(res.statusCode, res.body).toBe(200);
  }
  const activated = await call(cookies.admin, `/api/cards/${foundAgain}`, {
    method: 'POST',
    payload: { status: 'active' },
  });
  expect(activated.statusCode, activated.body).toBe(200);
  await stack.stripe.issuing.cards.update(replacedLost, { status: 'canceled' }, { stripeAccount: own });
  await stack.stripe.issuing.cards.create(
    { cardholder: holder, currency: 'usd', type: 'virtual', replacement_for: replacedLost, replacement_reason: 'lost' },
    { stripeAccount: own },
  );

  // A role change, for the sensitive events.
  const promoted = await createUser(stack.app.db, {
    email: 'promoted@overview.example',
    passwordHash: await hashPassword('demo1234'),
    role: 'account_user',
  });
  const patched = await call(cookies.admin, `/api/users/${promoted.id}`, {
    method: 'POST',
    payload: { role: 'support_agent' },
  });
  expect(patched.statusCode, patched.body).toBe(200);

  // A new connected account: card_issuing requested, not active; its balance reported as 0.
  fresh = (
    await stack.stripe.accounts.create({
      type: 'custom',
      country: 'US',
      email: 'owner@fresh-overview.example',
      business_profile: { name: 'Fresh Overview Ltd' },
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    })
  ).id;
  await stack.stripe.topups.create(
    { amount: 1_000, currency: 'usd', source: 'btok_us_verified' },
    { stripeAccount: fresh },
  );
  const member = await createUser(stack.app.db, {
    email: 'fresh-member@overview.example',
    passwordHash: await hashPassword('demo1234'),
    role: 'account_user',
  });
  await addMembership(stack.app.db, member.id, fresh);
  freshCookie = await stack.loginCookie('fresh-member@overview.example');
  await delivered();
  // The reconciler's pass mirrors the new account (Stripe sends no event for an account created
  // through the API) and what every account reported.
  await stack.app.mirror?.reconcile();
  // And the card index's backfill of it (until then the accounts list counts its cards on Stripe).
  await stack.app.cardIndex.backfill();
}, 180_000);

afterAll(() => stack?.close());

describe('GET /api/overview', () => {
  test('platform admin: the figures of every account, as Stripe’s authorizations add up, with 0 Stripe calls', async () => {
    const { result, calls } = await stripeCalls(() => overviewOf(cookies.admin));
    expect(calls).toEqual([]);
    const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data.map((a) => a.id);
    expect(result.scope).toBe('platform');
    expect(result.account_count).toBe(accounts.length);
    expectFiguresMatch(result, await stripeAuthorizations(accounts));

    // Periods: today since midnight UTC; 7 and 30 UTC days with today; each against the same span N days earlier.
    const now = Math.floor(Date.parse(result.generated_at) / 1000);
    const midnight = now - (now % 86_400);
    expect(result.periods.map((p) => [p.key, p.from, p.until, p.previous_from, p.previous_until])).toEqual([
      ['today', midnight, now + 1, midnight - 86_400, now + 1 - 86_400],
      ['7d', midnight - 6 * 86_400, now + 1, midnight - 13 * 86_400, now + 1 - 7 * 86_400],
      ['30d', midnight - 29 * 86_400, now + 1, midnight - 59 * 86_400, now + 1 - 30 * 86_400],
    ]);
    // This test's decline is among the reasons, in the explanations' words.
    expect(result.declines.reasons).toContainEqual(
      expect.objectContaining({ reason: 'spending_controls', message: expect.stringMatching(/spending controls/) }),
    );
  });

  test('cards near a limit: 85% of the daily limit spent, as the card’s remaining limits say', async () => {
    const { near_limit } = await overviewOf(cookies.admin);
    const row = near_limit.cards.find((c) => c.card === nearCard);
    const limits = (await call(cookies.admin, `/api/cards/${nearCard}/limits`)).json();
    const daily = limits.limits.find((l: { interval: string }) => l.interval === 'daily');
    expect(row).toMatchObject({
      account: own,
      scope: 'card',
      interval: 'daily',
      amount: 10_000,
      spent: daily.spent,
      resets_at: daily.resets_at,
    });
    expect(daily.spent).toBe(8_500);
    // Only limits at least 80% used.
    for (const c of near_limit.cards) expect(c.spent / c.amount).toBeGreaterThanOrEqual(0.8);
  });

  test('a cardholder’s limit nearly used across their cards: one row, on one of their active cards', async () => {
    const { near_limit } = await overviewOf(cookies.admin);
    const rows = near_limit.cards.filter((c) => holderCards.includes(c.card));
    const limits = (await call(cookies.admin, `/api/cards/${holderCards[1]}/limits`)).json();
    const weekly = limits.limits.find((l: { scope: string }) => l.scope === 'cardholder');
    expect(weekly.spent).toBe(18_000); // the taxi ride is outside the limit's category
    // (Both cards were created within the same second or two: either may be "newest".)
    expect(rows).toEqual([
      expect.objectContaining({
        card: expect.toBeOneOf(holderCards),
        cardholder_name: 'Limited Holder',
        scope: 'cardholder',
        interval: 'weekly',
        categories: ['computer_software_stores'],
        amount: 20_000,
        spent: weekly.spent,
        resets_at: weekly.resets_at,
      }),
    ]);
  });

  test('lost cards: frozen after "Report lost" and neither replaced nor found again', async () => {
    const { lost_cards } = await overviewOf(cookies.admin);
    const ids = lost_cards.cards.map((c) => c.card);
    expect(ids).toContain(lostCard);
    expect(ids).not.toContain(replacedLost);
    expect(ids).not.toContain(foundAgain);
    expect(lost_cards.cards.find((c) => c.card === lostCard)).toMatchObject({
      account: own,
      reported_by: 'support@example.com',
    });
  });

  test('accounts that cannot issue, with the balance Stripe last reported running low', async () => {
    const { accounts } = await overviewOf(cookies.admin);
    const row = accounts.attention.find((a) => a.account === fresh);
    expect(row).toMatchObject({ name: 'Fresh Overview Ltd', cannot_issue: true });
    expect(row?.card_issuing).not.toBe('active');
    // Nothing in its Issuing balance (the top-up went to the payments balance): it runs low.
    expect(row?.balances).toEqual([expect.objectContaining({ currency: 'usd', available: 0, low: true })]);
    // The seeded accounts can issue and reported no balance: none of them needs attention.
    expect(accounts.attention.map((a) => a.account)).toEqual([fresh]);
    expect(accounts.issuing_active).toBe(accounts.total - 1);
  });

  test('a balance whose webhook was lost: the reconciler applies the event it lists (no fetch of its own)', async () => {
    const stored = async () =>
      (
        await stack.app.db.query<{ available: Array<{ amount: number; currency: string }> }>(
          'SELECT available FROM mirror_issuing_balances WHERE account_id = $1',
          [other],
        )
      )[0]?.available;
    const endpoints = (await stack.stripe.webhookEndpoints.list({ limit: 100 })).data;
    for (const e of endpoints) await stack.stripe.webhookEndpoints.update(e.id, { disabled: true });
    try {
      await stack.stripe.topups.create(
        {
          amount: 700,
          currency: 'usd',
          source: 'btok_us_verified',
          destination_balance: 'issuing',
        } as Stripe.TopupCreateParams,
        { stripeAccount: other },
      );
      await delivered();
    } finally {
      for (const e of endpoints) await stack.stripe.webhookEndpoints.update(e.id, { disabled: false });
    }
    expect(await stored()).toBeUndefined();
    const { calls } = await stripeCalls(async () => stack.app.mirror?.reconcile());
    expect(calls.filter((c) => c.includes('/v1/balance'))).toEqual([]);
    const onStripe = await stack.stripe.balance.retrieve({}, { stripeAccount: other });
    expect(await stored()).toEqual(
      (
        onStripe as Stripe.Balance & { issuing: { available: Array<{ amount: number; currency: string }> } }
      ).issuing.available.map(({ amount, currency }) => ({ amount, currency })),
    );
  });

  test('sensitive events and users without a second factor: for the roles that read the audit log and administer users', async () => {
    const admin = await overviewOf(cookies.admin);
    expect(admin.sensitive_events?.[0]).toMatchObject({
      kind: 'role_changed',
      actor_email: 'admin@example.com',
      subject: 'promoted@overview.example',
      summary: 'admin@example.com changed the role of promoted@overview.example from Account user to Support agent',
    });
    expect(admin.users?.attention).toContainEqual(
      expect.objectContaining({ email: 'account@example.com', problem: 'no_second_factor' }),
    );
    // The demo admin has an authenticator and no recovery code.
    expect(admin.users?.attention).toContainEqual(
      expect.objectContaining({ email: 'admin@example.com', problem: 'no_recovery_codes' }),
    );
    const user = await overviewOf(cookies.account);
    expect(user).not.toHaveProperty('sensitive_events');
    expect(user).not.toHaveProperty('users');
  });

  test('account user: only their account’s figures, nothing of another account, 0 Stripe calls', async () => {
    const { result, calls } = await stripeCalls(() => overviewOf(cookies.account));
    expect(calls).toEqual([]);
    expect(result.scope).toBe('memberships');
    expect(result.account_count).toBe(1);
    expectFiguresMatch(result, await stripeAuthorizations([own]));
    const body = JSON.stringify(result);
    expect(body).not.toContain(other);
    expect(body).not.toContain(fresh);
    expect(result.near_limit.cards.map((c) => c.card)).toContain(nearCard);
  });

  test('support agent: refused, 403 with a message', async () => {
    const res = await call(cookies.support, '/api/overview');
    expect(res.statusCode).toBe(403);
    expect(res.json().error.message).toMatch(/role/i);
  });

  test('an account with nothing yet: empty sections, health still shown', async () => {
    const empty = await overviewOf(freshCookie);
    expect(empty).toMatchObject({
      account_count: 1,
      daily: [],
      declines: { total: 0, reasons: [] },
      near_limit: { total: 0, cards: [] },
      lost_cards: { total: 0, cards: [] },
    });
    for (const p of empty.periods) expect(p).toMatchObject({ spend: [], approved: 0, declined: 0, decline_rate: null });
    // Webhooks have been received; the reconciler has just passed.
    expect(empty.health).toMatchObject({ stale: false, stripe_reachable: true, problems: [] });
    expect(empty.health.last_webhook_at).not.toBeNull();
  });
});

describe('GET /api/accounts: cards and the last 7 days per account', () => {
  test('from the mirror, one figure per account; 0 Stripe calls', async () => {
    const { result, calls } = await stripeCalls(() => call(cookies.admin, '/api/accounts'));
    expect(calls).toEqual([]);
    const overview = await overviewOf(cookies.admin);
    const week = overview.periods.find((p) => p.key === '7d')!;
    for (const summary of result.json().data as Array<{ id: string; activity: Record<string, unknown> }>) {
      const cards = await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: summary.id });
      const auths = (await stripeAuthorizations([summary.id])).filter(
        (a) => a.created >= week.from && a.created < week.until,
      );
      const spent = auths.filter((a) => a.approved).reduce((s, a) => s + spendOf(a), 0);
      expect(summary.activity, summary.id).toEqual({
        active_cards: cards.data.filter((c) => c.status === 'active').length,
        frozen_cards: cards.data.filter((c) => c.status === 'inactive').length,
        spend_7d: spent > 0 ? [{ currency: 'usd', amount: spent }] : [],
        declines_7d: auths.filter((a) => !a.approved).length,
      });
    }
    // Lookup-only roles search accounts without their figures.
    const support = await call(cookies.support, `/api/accounts?q=${own}`);
    expect(support.json().data[0]).not.toHaveProperty('activity');
  });
});

describe('when an Issuing balance runs low', () => {
  test('below a week of spend at the last 7 days’ pace, or nothing left', () => {
    expect(isLowBalance(69_999, 70_000)).toBe(true);
    expect(isLowBalance(70_000, 70_000)).toBe(false);
    expect(isLowBalance(0, 0)).toBe(true);
    expect(isLowBalance(-100, 0)).toBe(true);
    expect(isLowBalance(1, 0)).toBe(false);
  });
});
