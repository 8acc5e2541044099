// POST /api/cards, POST /api/cards/:id and GET /api/cardholders against the Stripe emulator over
// real HTTP: issuing (idempotent per request id), status changes, cancellation being final,
// spending controls, scope and role refusals, and clear 4xx for bad input.
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startStack, type Stack, demoSessions, type DemoCookies } from '../helpers/stack.ts';

let stack: Stack;
let cookies: DemoCookies;
/** The account_user's account (the oldest = last listed) and one it is not a member of. */
let ownAccount: string;
let otherAccount: string;
let ownHolder: Stripe.Issuing.Cardholder;
let otherHolder: Stripe.Issuing.Cardholder;

async function call(
  method: 'GET' | 'POST',
  url: string,
  cookie: string,
  payload?: object,
): Promise<LightMyRequestResponse> {
  return stack.app.inject({
    method,
    url,
    headers: { cookie, ...(method === 'POST' ? { origin: stack.appUrl } : {}) },
    ...(payload ? { payload } : {}),
  });
}

async function activeHolder(account: string): Promise<Stripe.Issuing.Cardholder> {
  const list = await stack.stripe.issuing.cardholders.list(
    { status: 'active', limit: 100 },
    { stripeAccount: account },
  );
  return list.data[0]!;
}

/**
 * A card created on Stripe, returned once its `issuing_card.created` event has reached the card
 * index: an admin finds a card by id through the index (or the account its page names), never
 * by asking every connected account (issue 17, item 5).
 */
async function newCard(
  account: string,
  holder: string,
  status: 'active' | 'inactive' = 'active',
): Promise<Stripe.Issuing.Card> {
  const card = await stack.stripe.issuing.cards.create(
    { cardholder: holder, type: 'virtual', currency: 'usd', status },
    { stripeAccount: account },
  );
  for (let i = 0; i < 200; i++) {
    if ((await stack.app.db.query('SELECT 1 FROM card_index WHERE card_id = $1', [card.id])).length > 0) return card;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`card ${card.id} never reached the index`);
}

beforeAll(async () => {
  // Events delivered to the app, as `npm start` does in emulator mode: they keep the card index current.
  stack = await startStack({ webhookSecret: 'whsec_cards_changes_test' });
  ({ cookies, ownAccount, otherAccount } = await demoSessions(stack));
  ownHolder = await activeHolder(ownAccount);
  otherHolder = await activeHolder(otherAccount);
});
afterAll(() => stack?.close());

describe('GET /api/cardholders', () => {
  test('lists the account’s cardholders for the issue form, never blocked ones', async () => {
    const res = await call('GET', `/api/cardholders?account=${otherAccount}`, cookies.admin);
    expect(res.statusCode).toBe(200);
    const data = res.json().data as Array<{ id: string; status: string }>;
    expect(data.map((h) => h.id)).toContain(otherHolder.id);
    expect(data.every((h) => h.status !== 'blocked')).toBe(true);
  });

  test('needs an account id, and only roles that issue cards may list', async () => {
    expect((await call('GET', '/api/cardholders', cookies.admin)).json().error.field).toBe('account');
    expect((await call('GET', `/api/cardholders?account=${ownAccount}`, cookies.account)).statusCode).toBe(403);
  });
});

describe('POST /api/cards', () => {
  test('issues a virtual card and answers its summary (no number, CVC or expiry)', async () => {
    const res = await call('POST', '/api/cards', cookies.admin, {
      account: otherAccount,
      cardholder: otherHolder.id,
      type: 'virtual',
      currency: 'usd',
      status: 'active',
      request_id: 'issue-virtual-0001',
    });
    expect(res.statusCode, res.body).toBe(200);
    const card = res.json();
    expect(card).toMatchObject({
      account: otherAccount,
      type: 'virtual',
      status: 'active',
      currency: 'usd',
      cardholder: { id: otherHolder.id },
    });
    expect(Object.keys(card)).not.toEqual(expect.arrayContaining(['number']));
    expect(res.body).not.toMatch(/"(number|cvc|exp_month|exp_year)"/);
    const inStripe = await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: otherAccount });
    expect(inStripe.status).toBe('active');
  });

  test('the same request id twice issues one card (double submit)', async () => {
    const body = {
      account: otherAccount,
      cardholder: otherHolder.id,
      type: 'virtual',
      currency: 'usd',
      request_id: 'double-submit-0001',
    };
    const before = (await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: otherAccount })).data.length;
    const [first, second] = await Promise.all([
      call('POST', '/api/cards', cookies.admin, body),
      call('POST', '/api/cards', cookies.admin, body),
    ]);
    const ok = [first, second].filter((r) => r.statusCode === 200);
    expect(ok.length).toBeGreaterThan(0);
    // A concurrent duplicate is either the same card or refused as in progress, never a second card.
    for (const r of [first, second]) expect([200, 409]).toContain(r.statusCode);
    if (ok.length === 2) expect(first.json().id).toBe(second.json().id);
    const third = await call('POST', '/api/cards', cookies.admin, body);
    expect(third.json().id).toBe(ok[0]!.json().id);
    const after = (await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: otherAccount })).data.length;
    expect(after).toBe(before + 1);
  });

  test('a physical card ships to the cardholder’s billing address', async () => {
    const res = await call('POST', '/api/cards', cookies.admin, {
      account: otherAccount,
      cardholder: otherHolder.id,
      type: 'physical',
      currency: 'usd',
      request_id: 'issue-physical-0001',
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ type: 'physical', status: 'inactive' });
    const inStripe = await stack.stripe.issuing.cards.retrieve(res.json().id, {}, { stripeAccount: otherAccount });
    expect(inStripe.shipping?.address.postal_code).toBe(otherHolder.billing.address.postal_code);
  });

  test.each([
    [{ type: 'plastic' }, 'type'],
    [{ currency: 'USD' }, 'currency'],
    [{ cardholder: 'nobody' }, 'cardholder'],
    [{ currency: 'jpy' }, 'currency'],
    [{ extra: 1 }, 'extra'],
  ])('bad input %o is a 400 naming %s', async (change, field) => {
    const res = await call('POST', '/api/cards', cookies.admin, {
      account: otherAccount,
      cardholder: otherHolder.id,
      type: 'virtual',
      currency: 'usd',
      ...change,
    });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  test('a cardholder of another account is refused, naming the field', async () => {
    const res = await call('POST', '/api/cards', cookies.admin, {
      account: otherAccount,
      cardholder: ownHolder.id,
      type: 'virtual',
      currency: 'usd',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'cardholder_not_found', field: 'cardholder' });
  });

  test('account users and support agents may not issue cards', async () => {
    for (const cookie of [cookies.account, cookies.support]) {
      const res = await call('POST', '/api/cards', cookie, {
        account: ownAccount,
        cardholder: ownHolder.id,
        type: 'virtual',
        currency: 'usd',
      });
      expect(res.statusCode).toBe(403);
    }
  });
});

describe('POST /api/cards/:id', () => {
  test('freeze, activate, then cancel as lost; a canceled card takes no more changes', async () => {
    const card = await newCard(ownAccount, ownHolder.id);
    const freeze = await call('POST', `/api/cards/${card.id}`, cookies.account, { status: 'inactive' });
    expect(freeze.statusCode, freeze.body).toBe(200);
    expect(freeze.json().status).toBe('inactive');
    expect((await call('POST', `/api/cards/${card.id}`, cookies.account, { status: 'active' })).json().status).toBe(
      'active',
    );

    const cancel = await call('POST', `/api/cards/${card.id}`, cookies.admin, {
      status: 'canceled',
      cancellation_reason: 'lost',
    });
    expect(cancel.json()).toMatchObject({ status: 'canceled', cancellation_reason: 'lost' });

    const again = await call('POST', `/api/cards/${card.id}`, cookies.admin, { status: 'active' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('card_canceled');
    expect(again.json().error.message).toMatch(/permanent/);
    expect((await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: ownAccount })).status).toBe(
      'canceled',
    );
  });

  test('spending controls are set on the card as given', async () => {
    const card = await newCard(ownAccount, ownHolder.id);
    const res = await call('POST', `/api/cards/${card.id}`, cookies.account, {
      spending_controls: {
        spending_limits: [{ amount: 5000, interval: 'per_authorization' }],
        blocked_categories: ['betting_casino_gambling'],
      },
    });
    expect(res.statusCode, res.body).toBe(200);
    const inStripe = await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: ownAccount });
    expect(inStripe.spending_controls.spending_limits).toEqual([
      { amount: 5000, interval: 'per_authorization', categories: null },
    ]);
    expect(inStripe.spending_controls.blocked_categories).toEqual(['betting_casino_gambling']);
  });

  test.each([
    [{}, 'status'],
    [{ cancellation_reason: 'lost' }, 'cancellation_reason'],
    [{ status: 'lost' }, 'status'],
    [
      { spending_controls: { spending_limits: [{ amount: -1, interval: 'daily' }] } },
      'spending_controls.spending_limits.0.amount',
    ],
    [
      { spending_controls: { spending_limits: [{ amount: 100, interval: 'hourly' }] } },
      'spending_controls.spending_limits.0.interval',
    ],
    [
      { spending_controls: { allowed_categories: ['bakeries'], blocked_categories: ['florists'] } },
      'spending_controls.blocked_categories',
    ],
  ])('bad change %o is a 400 naming %s', async (change, field) => {
    const card = await newCard(ownAccount, ownHolder.id);
    // As the admin, who may make every kind of change: the refusal is about the input, not the role.
    const res = await call('POST', `/api/cards/${card.id}`, cookies.admin, change);
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  test('an account user may not change a card of another account; support agents change nothing', async () => {
    const foreign = await newCard(otherAccount, otherHolder.id);
    const res = await call('POST', `/api/cards/${foreign.id}`, cookies.account, { status: 'inactive' });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('card_out_of_scope');
    expect((await stack.stripe.issuing.cards.retrieve(foreign.id, {}, { stripeAccount: otherAccount })).status).toBe(
      'active',
    );

    const own = await newCard(ownAccount, ownHolder.id);
    for (const change of [{ status: 'inactive' }, { spending_controls: { spending_limits: [] } }]) {
      expect((await call('POST', `/api/cards/${own.id}`, cookies.support, change)).statusCode).toBe(403);
    }
  });

  test('an unknown card is a 404', async () => {
    const res = await call('POST', '/api/cards/ic_doesnotexist', cookies.admin, { status: 'inactive' });
    expect(res.statusCode).toBe(404);
  });
});
