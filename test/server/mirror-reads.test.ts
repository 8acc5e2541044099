// Issue 18, items 2 and 3: pages answer from the mirror (docs/decisions/148-mirror.md,
// 151-reads-from-the-mirror.md), and Stripe is asked only to change something, for a key or an
// Account Session. Each view's API requests are sent as the browser sends them (client/src:
// the app layout, the account and card pages, their panels, the Connect components' session and
// key), and the Stripe calls they cost are counted where Stripe (the emulator) receives them.
// The counts are printed. Then: a change made on Stripe shows on the next read once its webhook
// is delivered, and one whose webhook was lost shows after the reconciler's pass.
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { createNonce } from '../helpers/card-details.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { stripeCallsDuring } from '../helpers/view-costs.ts';

let stack: Stack;
let cookies: Record<'admin' | 'account' | 'support', string>;
/** The account user's account, and one it is not a member of. */
let own: string;
let other: string;
let holder: string;
const counts: string[] = [];

beforeAll(async () => {
  stack = await startStack({
    webhookSecret: `whsec_${randomBytes(24).toString('hex')}`,
    // No background reconcile pass while calls are counted: the tests run it when they mean to.
    env: { MIRROR_RECONCILE_SECONDS: '86400' },
  });
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  own = accounts.at(-1)!.id;
  other = accounts[0]!.id;
  holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: own }))
    .data[0]!.id;
  cookies = {
    admin: await stack.loginCookie('admin@example.com'),
    account: await stack.loginCookie('account@example.com'),
    support: await stack.loginCookie('support@example.com'),
  };
  // The deployment's backfill (cards, accounts, authorizations, transactions, cardholders) and
  // the reconciler's first pass are done before anything is counted.
  await stack.app.cardIndex.whenBackfilled();
  // (Optional only so that this file runs, and fails by its assertions, on a build without the mirror.)
  await stack.app.mirror?.reconcile();
}, 120_000);

afterAll(async () => {
  console.log(`[mirror reads] Stripe calls per view (counted by the emulator):\n  ${counts.join('\n  ')}`);
  await stack?.close();
});

/** Stripe's events for what a test did directly on Stripe have reached the app. */
const delivered = () => stack.emulator.emulator.webhooks.dispatcher.idle();

/** The emulator's /v1 calls while `fn` runs, after the webhooks sent before are delivered (unless `settled: false`). */
const stripeCalls = <T>(fn: () => Promise<T>, options?: { settled?: boolean }) =>
  stripeCallsDuring(stack.emulator, fn, options);

type Request = { method?: 'GET' | 'POST'; url: string; payload?: object };

async function send(cookie: string, { method = 'GET', url, payload }: Request): Promise<LightMyRequestResponse> {
  return stack.app.inject({ method, url, headers: { cookie, origin: stack.appUrl }, ...(payload ? { payload } : {}) });
}

/**
 * A view: its requests as the browser sends them (in parallel, as React Query does), each
 * answered 200; the Stripe calls they cost, recorded for the printout.
 */
async function view(name: string, cookie: string, requests: Request[]): Promise<string[]> {
  const { result, calls } = await stripeCalls(() => Promise.all(requests.map((r) => send(cookie, r))));
  for (const [i, res] of result.entries())
    expect(res.statusCode, `${requests[i]!.method ?? 'GET'} ${requests[i]!.url}: ${res.body}`).toBe(200);
  counts.push(`${name}: ${calls.length}${calls.length ? ` (${calls.join(', ')})` : ''}`);
  return calls;
}

/** Everything a page load asks first (the app layout, Connect's config). */
const layout: Request[] = [{ url: '/api/session' }, { url: '/api/me' }, { url: '/api/config' }];

/** The account page's own panels (client/src/app/routes/account.tsx). */
const accountPanels = (account: string, opts: { issueForm?: boolean } = {}): Request[] => [
  { url: '/api/accounts' },
  { url: `/api/cards?account=${account}&limit=20` }, // CardLinks
  ...(opts.issueForm ? [{ url: `/api/cardholders?account=${account}` }] : []), // IssueCardForm
  { url: `/api/accounts/${account}/authorizations?limit=10` }, // AuthorizationsPanel
  { url: `/api/events?account=${account}&max_seconds=0` }, // live activity
];

/** The card page's own panels (client/src/app/routes/card.tsx). */
const cardPanels = (card: string, account: string): Request[] => [
  { url: `/api/cards/${card}?account=${account}` },
  { url: '/api/accounts' },
  { url: `/api/cards/${card}/limits` },
  { url: `/api/cards/${card}/authorizations?limit=10` },
  { url: `/api/events?card=${card}&max_seconds=0` },
];

const accountSession = (account: string): Request => ({
  method: 'POST',
  url: '/api/account-sessions',
  payload: { account },
});

async function componentKey(card: Stripe.Issuing.Card, account: string): Promise<Request> {
  return {
    method: 'POST',
    url: '/api/ephemeral-keys',
    payload: {
      card_id: card.id,
      nonce: await createNonce(stack, card.id, account),
      component: 'issuing_card',
      account,
    },
  };
}

async function newCard(
  account = own,
  extra: Partial<Stripe.Issuing.CardCreateParams> = {},
): Promise<Stripe.Issuing.Card> {
  const cardholder =
    account === own
      ? holder
      : (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account }))
          .data[0]!.id;
  const card = await stack.stripe.issuing.cards.create(
    {
      cardholder,
      type: 'virtual',
      currency: 'usd',
      status: 'active',
      spending_controls: { spending_limits: [{ amount: 50_000, interval: 'daily' }] },
      ...extra,
    },
    { stripeAccount: account },
  );
  await delivered();
  return card;
}

/** Webhook deliveries on (true) or lost (false): the emulator's endpoints enabled or disabled. */
async function webhooks(on: boolean): Promise<void> {
  for (const endpoint of (await stack.stripe.webhookEndpoints.list({ limit: 100 })).data) {
    await stack.stripe.webhookEndpoints.update(endpoint.id, { disabled: !on });
  }
}

describe('Stripe calls per view', () => {
  test('account page: 0 by the app, and 1 for the Account Session the first time its components are shown', async () => {
    // A purchase so that the authorizations panel has rows with cards and cardholders to name.
    const card = await newCard();
    expect(
      (
        await send(cookies.account, {
          method: 'POST',
          url: `/api/cards/${card.id}/simulate-purchase`,
          payload: { amount: 1_500 },
        })
      ).statusCode,
    ).toBe(200);
    expect(
      await view('account page (account user, reload), without the components', cookies.account, [
        ...layout,
        ...accountPanels(own),
      ]),
    ).toEqual([]);
    expect(
      await view('account page (admin, with the issue-card form), without the components', cookies.admin, [
        ...layout,
        ...accountPanels(own, { issueForm: true }),
      ]),
    ).toEqual([]);
    // Connect.js asks for the session once per account and keeps its instance for the app's
    // lifetime (client/src/features/connect/lib/connect-instance.ts): in-app navigation asks no more.
    expect(
      await view('account page: the Account Session, first time the components are shown', cookies.account, [
        accountSession(own),
      ]),
    ).toEqual(['POST /v1/account_sessions']);
  });

  test("card page by in-app link: at most 1 (the component's key); reloaded: at most 2 (+ the Account Session)", async () => {
    const [linked, reloaded] = [await newCard(), await newCard()];
    // Opened from the account page: its Account Session is this app session's already.
    await send(cookies.account, accountSession(own));
    const inApp = await view('card page by in-app link', cookies.account, [
      ...cardPanels(linked.id, own),
      await componentKey(linked, own),
    ]);
    expect(inApp).toEqual(['POST /v1/ephemeral_keys']);
    // A reload: the layout again, and Connect.js starts over with a new Account Session.
    const reload = await view('card page reloaded', cookies.account, [
      ...layout,
      ...cardPanels(reloaded.id, own),
      accountSession(own),
    ]);
    const key = await view("card page reloaded: the component's key", cookies.account, [
      await componentKey(reloaded, own),
    ]);
    expect([...reload, ...key].sort()).toEqual(['POST /v1/account_sessions', 'POST /v1/ephemeral_keys']);
    // The admin's card page (a role that reaches every account) costs the same.
    const admin = await view(
      'card page by in-app link (admin, other account)',
      cookies.admin,
      cardPanels((await newCard(other)).id, other),
    );
    expect(admin).toEqual([]);
  });

  test('spend-control save: 1 (the update), read back at once; reveal: 1 (the key)', async () => {
    const card = await newCard();
    // Saved right after the card was created (most often within the second of its
    // `issuing_card.created` event), and read back before any webhook of the save.
    const controls = { spending_limits: [{ amount: 12_300, interval: 'weekly' }] };
    const save = await view('spend-control save', cookies.account, [
      { method: 'POST', url: `/api/cards/${card.id}`, payload: { spending_controls: controls } },
    ]);
    expect(save).toEqual([`POST /v1/issuing/cards/${card.id}`]);
    const { result, calls } = await stripeCalls(
      () => send(cookies.account, { url: `/api/cards/${card.id}?account=${own}` }),
      { settled: false },
    );
    expect(result.json().spending_controls.spending_limits).toEqual([
      expect.objectContaining({ amount: 12_300, interval: 'weekly' }),
    ]);
    expect(calls).toEqual([]);

    const nonce = await createNonce(stack, card.id, own);
    const reveal = await view('reveal', cookies.account, [
      { method: 'POST', url: '/api/ephemeral-keys', payload: { card_id: card.id, nonce, account: own } },
    ]);
    expect(reveal).toEqual(['POST /v1/ephemeral_keys']);
  });

  test('an unknown card id: 404 with 0 Stripe calls, for every role', async () => {
    for (const who of ['admin', 'account', 'support'] as const) {
      const { result, calls } = await stripeCalls(() => send(cookies[who], { url: '/api/cards/ic_doesnotexist' }));
      expect(result.statusCode, who).toBe(404);
      expect(result.json().error.code).toBe('card_not_found');
      expect(calls, who).toEqual([]);
      counts.push(`GET /api/cards/ic_doesnotexist (${who}): ${result.statusCode}, ${calls.length} Stripe calls`);
    }
    // Nor by the routes that locate a card, nor the support agent's lookup by id.
    for (const url of [
      '/api/cards/ic_doesnotexist/limits',
      '/api/cards/ic_doesnotexist/authorizations',
      '/api/cards?q=ic_doesnotexist',
    ]) {
      const who = url.startsWith('/api/cards?') ? 'support' : 'account';
      const { result, calls } = await stripeCalls(() => send(cookies[who], { url }));
      expect(result.statusCode === 404 || (result.statusCode === 200 && result.json().data.length === 0), url).toBe(
        true,
      );
      expect(calls, url).toEqual([]);
    }
  });

  test('a card created seconds ago (its webhook not here yet) is found by one retrieve on the account the request names, then from the mirror', async () => {
    await webhooks(false);
    let card: Stripe.Issuing.Card;
    try {
      card = await newCard();
    } finally {
      await webhooks(true);
    }
    // Without its account named: not looked for anywhere.
    const unnamed = await stripeCalls(() => send(cookies.account, { url: `/api/cards/${card.id}` }));
    expect(unnamed.result.statusCode).toBe(404);
    expect(unnamed.calls).toEqual([]);
    const named = await stripeCalls(() => send(cookies.account, { url: `/api/cards/${card.id}?account=${own}` }));
    expect(named.result.statusCode).toBe(200);
    expect(named.result.json()).toMatchObject({ id: card.id, account: own, last4: card.last4 });
    expect(named.calls).toEqual([`GET /v1/issuing/cards/${card.id}`]);
    counts.push(`card created seconds ago, its account named: ${named.calls.length} (${named.calls.join(', ')})`);
    // Mirrored by that retrieve: the next read asks Stripe nothing.
    const again = await stripeCalls(() => send(cookies.account, { url: `/api/cards/${card.id}` }));
    expect(again.result.statusCode).toBe(200);
    expect(again.calls).toEqual([]);
  });
});

describe('freshness', () => {
  test('a change made on Stripe shows on the next read once its webhook is delivered', async () => {
    const card = await newCard();
    await stack.stripe.issuing.cards.update(
      card.id,
      { status: 'inactive', spending_controls: { spending_limits: [{ amount: 777, interval: 'monthly' }] } },
      { stripeAccount: own },
    );
    const auth = await stack.stripe.testHelpers.issuing.authorizations.create(
      { card: card.id, amount: 500 },
      { stripeAccount: own },
    );
    await delivered();
    const { result, calls } = await stripeCalls(async () => ({
      card: (await send(cookies.account, { url: `/api/cards/${card.id}?account=${own}` })).json(),
      auths: (await send(cookies.account, { url: `/api/cards/${card.id}/authorizations` })).json(),
    }));
    expect(result.card).toMatchObject({
      status: 'inactive',
      spending_controls: { spending_limits: [expect.objectContaining({ amount: 777, interval: 'monthly' })] },
    });
    expect(result.auths.data.map((a: { id: string }) => a.id)).toEqual([auth.id]);
    expect(calls).toEqual([]);
  });

  test("a change whose webhook was lost shows after the reconciler's pass (app.mirror.reconcile)", async () => {
    const card = await newCard();
    const holderBefore = (await send(cookies.account, { url: `/api/cards/${card.id}` })).json().cardholder
      .name as string;
    await webhooks(false);
    let auth: Stripe.Issuing.Authorization;
    try {
      auth = await stack.stripe.testHelpers.issuing.authorizations.create(
        { card: card.id, amount: 900 },
        { stripeAccount: own },
      );
      await stack.stripe.testHelpers.issuing.authorizations.capture(
        auth.id,
        { capture_amount: 900 },
        { stripeAccount: own },
      );
      await stack.stripe.issuing.cards.update(card.id, { status: 'inactive' }, { stripeAccount: own });
    } finally {
      await webhooks(true);
    }
    // The mirror does not know yet: the page shows what it last heard (the page's banner says
    // how old). Stripe's real-time request (Issuing settings, not an event endpoint) did arrive:
    // the authorization shows as it was asked about, pending, without its capture.
    expect((await send(cookies.account, { url: `/api/cards/${card.id}` })).json()).toMatchObject({ status: 'active' });
    expect((await send(cookies.account, { url: `/api/cards/${card.id}/authorizations` })).json().data).toEqual([
      expect.objectContaining({ id: auth!.id, status: 'pending', transactions: [] }),
    ]);

    // At once, most often within the second of the changes (in a deployment, minutes later).
    const report = await stack.app.mirror.reconcile();
    expect(report.refetched).toBeGreaterThan(0);
    const after = await stripeCalls(async () => ({
      card: (await send(cookies.account, { url: `/api/cards/${card.id}` })).json(),
      auths: (await send(cookies.account, { url: `/api/cards/${card.id}/authorizations` })).json(),
    }));
    expect(after.result.card).toMatchObject({ status: 'inactive', cardholder: { name: holderBefore } });
    expect(after.result.auths.data).toEqual([
      expect.objectContaining({
        id: auth!.id,
        status: 'closed',
        transactions: [expect.objectContaining({ type: 'capture', amount: -900 })],
      }),
    ]);
    expect(after.calls).toEqual([]);
  });

  test('remaining limits come from the mirror, exact after purchases made through the app and on Stripe', async () => {
    const card = await newCard(own, {
      spending_controls: { spending_limits: [{ amount: 10_000, interval: 'weekly' }] },
    });
    await send(cookies.account, {
      method: 'POST',
      url: `/api/cards/${card.id}/simulate-purchase`,
      payload: { amount: 2_500 },
    });
    const onStripe = await stack.stripe.testHelpers.issuing.authorizations.create(
      { card: card.id, amount: 1_000 },
      { stripeAccount: own },
    );
    await stack.stripe.testHelpers.issuing.authorizations.capture(
      onStripe.id,
      { capture_amount: 1_200 },
      { stripeAccount: own },
    );
    const { result, calls } = await stripeCalls(() => send(cookies.account, { url: `/api/cards/${card.id}/limits` }));
    expect(result.json().limits).toEqual([
      expect.objectContaining({ interval: 'weekly', spent: 3_700, remaining: 6_300 }),
    ]);
    expect(calls).toEqual([]);
  });
});
