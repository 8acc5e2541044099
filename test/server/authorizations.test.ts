// Authorizations and transactions per card and per account, decline explanations, remaining
// limits, "Simulate a purchase" and live activity, through the app's routes against the
// emulator (the real SDK over HTTP, webhooks delivered and verified as in npm start).
import { readFileSync } from 'node:fs';
import { request, type IncomingMessage } from 'node:http';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuthorizationRow, AuthorizationsResponse, LimitsResponse } from '../../shared/authorizations-api.ts';
import { REASONS } from '../../server/domain/decline-explanations.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let account: string;
let otherAccount: string;
let holder: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({ webhookSecret: 'whsec_authorizations_test' });
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  account = accounts.at(-1)!.id; // the account user's
  otherAccount = accounts[0]!.id;
  holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account }))
    .data[0]!.id;
  for (const who of ['admin', 'account', 'support']) cookies[who] = await stack.loginCookie(`${who}@example.com`);
});
afterAll(() => stack?.close());

async function call<T = unknown>(who: string, method: 'GET' | 'POST', url: string, payload?: unknown) {
  const res = await stack.app.inject({
    method,
    url,
    headers: {
      cookie: cookies[who]!,
      origin: stack.appUrl,
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  return { status: res.statusCode, body: res.json<T>() };
}

/**
 * Once the card's `issuing_card.created` event has reached the card index: roles that reach every
 * account find a card by id through the index, never by asking each account (issue 17, item 5).
 */
async function indexed<T extends { id: string }>(card: T): Promise<T> {
  for (let i = 0; i < 200; i++) {
    if ((await stack.app.db.query('SELECT 1 FROM card_index WHERE card_id = $1', [card.id])).length > 0) return card;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`card ${card.id} never reached the index`);
}

async function newCard(
  controls: Stripe.Issuing.CardCreateParams.SpendingControls,
  onAccount = account,
  cardholder = holder,
) {
  return indexed(
    await stack.stripe.issuing.cards.create(
      { cardholder, type: 'virtual', currency: 'usd', status: 'active', spending_controls: controls },
      { stripeAccount: onAccount },
    ),
  );
}

/**
 * Stripe's events for what a test changed directly on Stripe have reached the app: its pages
 * read the mirror those events feed (docs/decisions/148-mirror.md), not Stripe.
 */
const delivered = () => stack.emulator.emulator.webhooks.dispatcher.idle();

const simulate = (who: string, card: string, body: Record<string, unknown>) =>
  call<AuthorizationRow>(who, 'POST', `/api/cards/${card}/simulate-purchase`, body);

test('every request_history reason Stripe documents has a sentence and a next step', () => {
  // The SDK's union of reasons, read from the installed stripe package (the pinned API version).
  const types = readFileSync('node_modules/stripe/esm/resources/Issuing/Authorizations.d.ts', 'utf8');
  const union = /type Reason = ([^;]+);/.exec(types.slice(types.indexOf('namespace RequestHistory')))![1]!;
  const documented = [...union.matchAll(/'([a-z_]+)'/g)].map((m) => m[1]!);
  expect(documented.length).toBeGreaterThanOrEqual(21);
  for (const reason of documented) {
    expect(REASONS[reason], reason).toBeDefined();
    expect(REASONS[reason]!.message.length, reason).toBeGreaterThan(10);
    expect(REASONS[reason]!.next_step.length, reason).toBeGreaterThan(5);
  }
});

describe('a card’s authorizations', () => {
  let card: Stripe.Issuing.Card;

  beforeAll(async () => {
    card = await newCard({
      spending_limits: [{ amount: 5000, interval: 'daily' }],
      blocked_categories: ['betting_casino_gambling'],
    });
  });

  test('simulated purchases appear newest first, with merchant, status, outcome and the explanation of a decline', async () => {
    const approved = await simulate('account', card.id, {
      amount: 3200,
      category: 'computer_software_stores',
      country: 'US',
      merchant_name: 'Bytes & Co',
    });
    expect(approved.status).toBe(200);
    expect(approved.body).toMatchObject({
      approved: true,
      amount: 3200,
      currency: 'usd',
      merchant: { name: 'Bytes & Co', category: 'computer_software_stores', country: 'US' },
    });
    expect(approved.body.explanation).toBeUndefined();

    const declined = await simulate('account', card.id, {
      amount: 2500,
      category: 'computer_software_stores',
      country: 'US',
    });
    expect(declined.body).toMatchObject({ approved: false, amount: 2500, reason: 'spending_controls' });
    // The limit that matched, and what was already spent in its window at that moment.
    expect(declined.body.explanation!.controls![0]).toMatchObject({
      type: 'spending_limit',
      scope: 'card',
      amount: 5000,
      interval: 'daily',
      spent: 3200,
    });
    expect(declined.body.explanation!.message).toContain(
      '$32.00 was already spent that day; $25.00 more would pass the card’s limit of $50.00 per day.',
    );

    const blocked = await simulate('account', card.id, { amount: 100, category: 'betting_casino_gambling' });
    expect(blocked.body.explanation!.controls![0]).toMatchObject({
      type: 'blocked_categories',
      scope: 'card',
      values: ['betting_casino_gambling'],
    });

    const list = await call<AuthorizationsResponse>('account', 'GET', `/api/cards/${card.id}/authorizations`);
    expect(list.status).toBe(200);
    expect(list.body.data.map((a) => a.id)).toEqual([blocked.body.id, declined.body.id, approved.body.id]);
    expect(list.body.data[1]!.explanation!.controls![0]!.spent).toBe(3200);
  });

  test('captures and refunds that followed are listed with their authorization', async () => {
    const auth = await simulate('admin', card.id, { amount: 1000, category: 'taxicabs_limousines' });
    const captured = await stack.stripe.testHelpers.issuing.authorizations.capture(
      auth.body.id,
      { capture_amount: 1000 },
      { stripeAccount: account },
    );
    const capture = captured.transactions[0]!;
    await stack.stripe.testHelpers.issuing.transactions.refund(
      capture.id,
      { refund_amount: 400 },
      { stripeAccount: account },
    );
    await delivered();
    const list = await call<AuthorizationsResponse>(
      'admin',
      'GET',
      `/api/cards/${card.id}/authorizations?status=closed`,
    );
    const row = list.body.data.find((a) => a.id === auth.body.id)!;
    expect(row.status).toBe('closed');
    expect(row.transactions.map((t) => [t.type, t.amount])).toEqual([
      ['capture', -1000],
      ['refund', 400],
    ]);
    // The status filter is Stripe's: nothing pending in this list.
    expect(list.body.data.every((a) => a.status === 'closed')).toBe(true);
  });

  test('paginated with Stripe’s cursor, filtered by date; a bad range names the field', async () => {
    const first = await call<AuthorizationsResponse>('admin', 'GET', `/api/cards/${card.id}/authorizations?limit=2`);
    expect(first.body.data).toHaveLength(2);
    expect(first.body.has_more).toBe(true);
    const next = await call<AuthorizationsResponse>(
      'admin',
      'GET',
      `/api/cards/${card.id}/authorizations?limit=2&starting_after=${first.body.data[1]!.id}`,
    );
    expect(next.body.data[0]!.id).not.toBe(first.body.data[1]!.id);
    const all = await call<AuthorizationsResponse>('admin', 'GET', `/api/cards/${card.id}/authorizations?limit=100`);
    expect([...first.body.data, ...next.body.data].map((a) => a.id)).toEqual(
      all.body.data.slice(0, first.body.data.length + next.body.data.length).map((a) => a.id),
    );

    const future = new Date(Date.now() + 3_600_000).toISOString();
    const none = await call<AuthorizationsResponse>(
      'admin',
      'GET',
      `/api/cards/${card.id}/authorizations?from=${encodeURIComponent(future)}`,
    );
    expect(none.body.data).toEqual([]);
    const past = new Date(Date.now() - 3_600_000).toISOString();
    const some = await call<AuthorizationsResponse>(
      'admin',
      'GET',
      `/api/cards/${card.id}/authorizations?from=${encodeURIComponent(past)}&limit=100`,
    );
    expect(some.body.data.length).toBe(all.body.data.length);
    const bad = await call<{ error: { field: string } }>(
      'admin',
      'GET',
      `/api/cards/${card.id}/authorizations?from=${encodeURIComponent(future)}&to=${encodeURIComponent(past)}`,
    );
    expect(bad.status).toBe(400);
    expect(bad.body.error.field).toBe('from');
  });

  test('the account’s authorizations list every card’s, for those who browse the account; a support agent sees one card at a time', async () => {
    const rows = await call<AuthorizationsResponse>(
      'account',
      'GET',
      `/api/accounts/${account}/authorizations?limit=100`,
    );
    expect(rows.status).toBe(200);
    expect(rows.body.data.some((a) => a.card === card.id)).toBe(true);
    expect(rows.body.data.every((a) => a.account === account)).toBe(true);
    // Each row names its card as people do: the cardholder's name and the last four digits.
    const holderName = (await stack.stripe.issuing.cardholders.retrieve(holder, {}, { stripeAccount: account })).name;
    expect(rows.body.data.find((a) => a.card === card.id)).toMatchObject({
      card_last4: card.last4,
      cardholder_name: holderName,
    });
    expect((await call('account', 'GET', `/api/accounts/${otherAccount}/authorizations`)).status).toBe(403);
    expect((await call('support', 'GET', `/api/accounts/${account}/authorizations`)).status).toBe(403);
    const supportCard = await call<AuthorizationsResponse>('support', 'GET', `/api/cards/${card.id}/authorizations`);
    expect(supportCard.status).toBe(200);
    const declined = supportCard.body.data.filter((a) => !a.approved);
    expect(declined.length).toBeGreaterThan(0);
    for (const row of declined) expect(row.explanation?.message).toMatch(/^Declined/);
    // A support agent may not simulate purchases.
    expect((await simulate('support', card.id, { amount: 100 })).status).toBe(403);
  });
});

test('declines for other reasons are explained from Stripe’s reason, with a next step', async () => {
  const frozen = await indexed(
    await stack.stripe.issuing.cards.create(
      { cardholder: holder, type: 'virtual', currency: 'usd', status: 'inactive' },
      { stripeAccount: account },
    ),
  );
  const res = await simulate('admin', frozen.id, { amount: 1_000 });
  expect(res.body).toMatchObject({
    approved: false,
    reason: 'card_inactive',
    explanation: { reason: 'card_inactive', message: expect.stringMatching(/frozen/) },
  });
  expect(res.body.explanation!.next_step).toMatch(/Activate the card/);
  expect(res.body.explanation!.controls).toBeUndefined();

  const abroad = await newCard({ allowed_merchant_countries: ['US'] });
  const declined = await simulate('admin', abroad.id, { amount: 1_000, country: 'FR' });
  expect(declined.body.explanation!.controls![0]).toMatchObject({
    type: 'allowed_merchant_countries',
    scope: 'card',
    values: ['US'],
  });
  expect(declined.body.explanation!.message).toContain(
    'Merchant country FR is not among the card’s allowed merchant countries.',
  );
});

describe('remaining limits', () => {
  test('every limit of the card and its cardholder with its window; an approved purchase lowers what remains', async () => {
    const cardholder = await stack.stripe.issuing.cardholders.create(
      {
        name: 'Limits Holder',
        type: 'individual',
        status: 'active',
        billing: { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
        spending_controls: {
          spending_limits: [{ amount: 20_000, interval: 'monthly' }],
          spending_limits_currency: 'usd',
        },
      },
      { stripeAccount: account },
    );
    const card = await newCard(
      {
        spending_limits: [
          { amount: 10_000, interval: 'weekly' },
          { amount: 4_000, interval: 'per_authorization' },
          { amount: 3_000, interval: 'daily', categories: ['taxicabs_limousines'] },
        ],
      },
      account,
      cardholder.id,
    );
    const before = await call<LimitsResponse>('account', 'GET', `/api/cards/${card.id}/limits`);
    expect(before.status).toBe(200);
    expect(before.body.cardholder.name).toBe('Limits Holder');
    const weekly = () => before.body.limits.find((l) => l.interval === 'weekly')!;
    expect(weekly()).toMatchObject({ scope: 'card', amount: 10_000, spent: 0, remaining: 10_000 });
    const now = new Date(before.body.as_of * 1000);
    const nextSunday = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate() - now.getUTCDay() + 7) / 1000;
    expect(weekly().resets_at).toBe(nextSunday);
    expect(before.body.limits.find((l) => l.interval === 'per_authorization')).toMatchObject({
      spent: null,
      remaining: 4_000,
      resets_at: null,
      window_start: null,
    });
    expect(before.body.limits.find((l) => l.scope === 'cardholder')).toMatchObject({
      interval: 'monthly',
      amount: 20_000,
      remaining: 20_000,
    });

    await simulate('account', card.id, { amount: 2_500, category: 'taxicabs_limousines' });
    const after = await call<LimitsResponse>('account', 'GET', `/api/cards/${card.id}/limits`);
    expect(after.body.limits.find((l) => l.interval === 'weekly')).toMatchObject({ spent: 2_500, remaining: 7_500 });
    expect(after.body.limits.find((l) => l.interval === 'daily')).toMatchObject({
      categories: ['taxicabs_limousines'],
      spent: 2_500,
      remaining: 500,
    });
    expect(after.body.limits.find((l) => l.scope === 'cardholder')).toMatchObject({ spent: 2_500, remaining: 17_500 });
    // Another account's card stays out of an account user's reach.
    const foreign = (await stack.stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: otherAccount })).data[0]!;
    expect((await call('account', 'GET', `/api/cards/${foreign.id}/limits`)).status).toBe(403);
  });
});

describe('live activity', () => {
  test('a new authorization reaches a page following the card within 2 seconds of Stripe’s event', async () => {
    const card = await newCard({ spending_limits: [{ amount: 1_000, interval: 'per_authorization' }] });
    // node:http rather than fetch: undici opens a spare keep-alive connection that would hold
    // the server's close until its keep-alive timeout.
    const req = request(`${stack.appUrl}/api/events?card=${card.id}`, {
      headers: { cookie: cookies.account!, accept: 'text/event-stream' },
    });
    const res = await new Promise<IncomingMessage>((resolve, reject) =>
      req.once('response', resolve).once('error', reject).end(),
    );
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/event-stream/);
    let text = '';
    res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
    const readUntil = async (needle: string, ms: number) => {
      const deadline = Date.now() + ms;
      while (!text.includes(needle)) {
        if (Date.now() > deadline) throw new Error(`no ${needle} within ${ms} ms; got ${text}`);
        await new Promise((r) => setTimeout(r, 10));
      }
    };
    await readUntil('event: ready', 2_000);
    // Stripe creates the authorization (here through the SDK, as a card network would), then sends the event.
    const started = Date.now();
    const auth = await stack.stripe.testHelpers.issuing.authorizations.create(
      { card: card.id, amount: 5_000 },
      { stripeAccount: account },
    );
    await readUntil(auth.id, 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(text).toContain('"type":"issuing_authorization.created"');
    req.destroy();
    // The server stops forwarding once the page is gone.
    for (let i = 0; i < 50 && stack.app.activity.listenerCount() > 0; i++) await new Promise((r) => setTimeout(r, 20));
    expect(stack.app.activity.listenerCount()).toBe(0);
  });

  test('a page may only follow what it may see', async () => {
    const foreign = (await stack.stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: otherAccount })).data[0]!;
    expect((await call('account', 'GET', `/api/events?card=${foreign.id}&max_seconds=0`)).status).toBe(403);
    expect((await call('support', 'GET', `/api/events?account=${account}&max_seconds=0`)).status).toBe(403);
    expect((await call('admin', 'GET', '/api/events?max_seconds=0')).status).toBe(400);
    expect((await call('admin', 'GET', '/api/events?account=acct_doesnotexist1&max_seconds=0')).status).toBe(404);
  });
});
