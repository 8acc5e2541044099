// Issue 20, items 2 and 4: what the card and account pages show follows Stripe without a reload.
// - Spending controls saved in Stripe's embedded card component reach the app only as an
//   `issuing_card.updated` webhook: the mirror ingests it and the card's live feed (server-sent
//   events) says so, so that the page refetches the card and its remaining limits, which then
//   show the new limit.
// - An account connected after the mirror's backfill (Stripe sends the platform no event for an
//   account it creates through the API) is learned when a user who may open it asks for it by
//   id, as the account page does (`/api/accounts?q=acct_…`): one Stripe retrieve, then the mirror
//   answers; an id that is no account of the platform is one retrieve and an empty answer.
import { request, type IncomingMessage } from 'node:http';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AccountsResponse } from '../../shared/api.ts';
import type { LimitsResponse } from '../../shared/authorizations-api.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { stripeCallsDuring } from '../helpers/view-costs.ts';

let stack: Stack;
let account: string;
let holder: string;
const cookies: Record<string, string> = {};

beforeAll(async () => {
  stack = await startStack({
    webhookSecret: 'whsec_card_account_freshness',
    // No reconciler pass finds the new account by itself while a test looks (it would, within a pass).
    env: { MIRROR_RECONCILE_SECONDS: '86400' },
  });
  account = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!.id; // the account user's
  holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account }))
    .data[0]!.id;
  for (const who of ['admin', 'account']) cookies[who] = await stack.loginCookie(`${who}@example.com`);
  await stack.app.cardIndex.whenBackfilled();
}, 120_000);
afterAll(() => stack?.close());

async function get<T>(who: string, url: string): Promise<{ status: number; body: T }> {
  const res = await stack.app.inject({ method: 'GET', url, headers: { cookie: cookies[who]!, origin: stack.appUrl } });
  return { status: res.statusCode, body: res.json<T>() };
}

/** The emulator's /v1 calls while `fn` runs, once the webhooks sent before are delivered. */
const stripeCalls = <T>(fn: () => Promise<T>) => stripeCallsDuring(stack.emulator, fn);

/** A page's event stream for a card, read as it arrives. */
async function follow(card: string) {
  // node:http rather than fetch: undici's spare keep-alive connection would hold the server's close.
  const req = request(`${stack.appUrl}/api/events?card=${card}`, {
    headers: { cookie: cookies.account!, accept: 'text/event-stream' },
  });
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    req.once('response', resolve).once('error', reject).end(),
  );
  expect(res.statusCode).toBe(200);
  let text = '';
  res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const until = async (needle: string, ms: number) => {
    const deadline = Date.now() + ms;
    while (!text.includes(needle)) {
      if (Date.now() > deadline) throw new Error(`no ${needle} within ${ms} ms; got ${text}`);
      await new Promise((r) => setTimeout(r, 10));
    }
  };
  return { until, text: () => text, close: () => req.destroy() };
}

describe('the card page follows changes to the card', () => {
  test('spending controls saved on Stripe reach the card’s live feed, and the limits then show them', async () => {
    const card = await stack.stripe.issuing.cards.create(
      {
        cardholder: holder,
        type: 'virtual',
        currency: 'usd',
        status: 'active',
        spending_controls: { spending_limits: [{ amount: 5_000, interval: 'daily' }] },
      },
      { stripeAccount: account },
    );
    await stack.emulator.emulator.webhooks.dispatcher.idle();
    const before = await get<LimitsResponse>('account', `/api/cards/${card.id}/limits`);
    expect(before.body.limits.map((l) => [l.amount, l.interval])).toEqual([[5_000, 'daily']]);

    const feed = await follow(card.id);
    await feed.until('event: ready', 2_000);
    // What the embedded component's "Spend controls" tab sends when saved (POST /v1/issuing/cards/:id).
    const started = Date.now();
    await stack.stripe.issuing.cards.update(
      card.id,
      { spending_controls: { spending_limits: [{ amount: 7_500, interval: 'weekly' }] } },
      { stripeAccount: account },
    );
    await feed.until('"type":"issuing_card.updated"', 2_000);
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(feed.text()).toContain(`"card":"${card.id}"`);
    feed.close();

    // Announced once the mirror holds it: the page's refetch sees the new limit at once.
    const after = await get<LimitsResponse>('account', `/api/cards/${card.id}/limits`);
    expect(after.body.limits.map((l) => [l.amount, l.interval])).toEqual([[7_500, 'weekly']]);
    const detail = await get<{ spending_controls: Stripe.Issuing.Card.SpendingControls }>(
      'account',
      `/api/cards/${card.id}`,
    );
    expect(detail.body.spending_controls.spending_limits).toEqual([
      expect.objectContaining({ amount: 7_500, interval: 'weekly' }),
    ]);
  });

  test('a planned end of the stream says so first, so that the page reconnects without reporting a drop', async () => {
    const card = (await stack.stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account })).data[0]!;
    const res = await stack.app.inject({
      method: 'GET',
      url: `/api/events?card=${card.id}&max_seconds=0`,
      headers: { cookie: cookies.account!, origin: stack.appUrl },
    });
    expect(res.body).toMatch(/^retry: 2000\nevent: ready\ndata: \{\}\n\n[\s\S]*event: end\ndata: \{\}\n\n$/);
  });
});

describe('an account connected after the mirror’s backfill', () => {
  test('is learned when an admin asks for it by id: one Stripe retrieve, then the mirror answers', async () => {
    const created = await stack.stripe.accounts.create({
      type: 'custom',
      country: 'US',
      email: 'new-shop@example.com',
      business_profile: { name: 'New Shop' },
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    });
    // Before: the mirror does not know it, so its pages would say it does not exist.
    expect((await get<unknown>('admin', `/api/accounts/${created.id}/authorizations`)).status).toBe(404);

    const first = await stripeCalls(() => get<AccountsResponse>('admin', `/api/accounts?q=${created.id}`));
    expect(first.result.status).toBe(200);
    expect(first.result.body.data.map((a) => [a.id, a.name])).toEqual([[created.id, 'New Shop']]);
    expect(first.calls.filter((c) => c.startsWith('GET /v1/accounts/'))).toEqual([`GET /v1/accounts/${created.id}`]);

    // Then it is the mirror's: asked again, no retrieve; its other pages know it.
    const again = await stripeCalls(() => get<AccountsResponse>('admin', `/api/accounts?q=${created.id}`));
    expect(again.result.body.data.map((a) => a.id)).toEqual([created.id]);
    expect(again.calls.filter((c) => c.startsWith('GET /v1/accounts'))).toEqual([]);
    expect((await get<unknown>('admin', `/api/accounts/${created.id}/authorizations`)).status).toBe(200);
    // And its cards are to be backfilled, as an account the reconciler discovers is.
    expect(
      await stack.app.db.query('SELECT 1 FROM card_index_accounts WHERE account_id = $1', [created.id]),
    ).toHaveLength(1);
  });

  test('an id that is no account of the platform: one retrieve, an empty answer; a non-member is not asked about', async () => {
    const unknown = await stripeCalls(() => get<AccountsResponse>('admin', '/api/accounts?q=acct_doesnotexist'));
    expect(unknown.result).toEqual({ status: 200, body: { data: [] } });
    expect(unknown.calls).toEqual(['GET /v1/accounts/acct_doesnotexist']);

    // The account user may open its own account only: another id costs Stripe nothing.
    const created = await stack.stripe.accounts.create({ type: 'custom', country: 'US' });
    const foreign = await stripeCalls(() => get<AccountsResponse>('account', `/api/accounts?q=${created.id}`));
    expect(foreign.result).toEqual({ status: 200, body: { data: [] } });
    expect(foreign.calls).toEqual([]);
  });
});
