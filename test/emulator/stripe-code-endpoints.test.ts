// Endpoints that code written for Stripe calls around Issuing, through the official SDK: the
// deprecated-but-served approve / decline of a pending request (within the real-time window),
// transaction metadata updates, increment, and search URLs that must never be read as an id.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { setAuthorizationRequestSender } from '../../emulator/api/issuing/realtime.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let account: string;
let card: string;

const opts = () => ({ stripeAccount: account });

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  account = (await seededAccounts(stripe))[0]!.id;
  const holder = await stripe.issuing.cardholders.create(
    {
      name: 'Window Tester',
      billing: {
        address: { line1: '1 Main St', city: 'Springfield', state: 'CA', postal_code: '94000', country: 'US' },
      },
    },
    opts(),
  );
  card = (
    await stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'usd', type: 'virtual', status: 'active' },
      opts(),
    )
  ).id;
});
afterAll(async () => {
  setAuthorizationRequestSender(emu.app.store, undefined);
  await emu.close();
});

/** The platform's old-style handler: on issuing_authorization.request it calls approve/decline, then answers 200. */
function platformDecidesByApi(
  decide: (authorization: Stripe.Issuing.Authorization) => Promise<Stripe.Issuing.Authorization>,
): Stripe.Issuing.Authorization[] {
  const seen: Stripe.Issuing.Authorization[] = [];
  setAuthorizationRequestSender(emu.app.store, async ({ authorization }) => {
    seen.push(await decide(authorization));
    return { status: 200, body: '{}' };
  });
  return seen;
}

describe('deprecated approve / decline (POST /v1/issuing/authorizations/:id/approve|decline)', () => {
  it('approve within the real-time window decides the request, with metadata and a controllable amount', async () => {
    const answers = platformDecidesByApi((authorization) =>
      stripe.issuing.authorizations.approve(authorization.id, { amount: 800, metadata: { decided: 'by-api' } }, opts()),
    );
    const created = await stripe.testHelpers.issuing.authorizations.create(
      { card, amount: 1000, is_amount_controllable: true },
      opts(),
    );
    expect(created).toMatchObject({ approved: true, status: 'pending', amount: 800, metadata: { decided: 'by-api' } });
    expect(created.request_history.at(-1)).toMatchObject({ approved: true, reason: 'webhook_approved' });
    // approve answered with the decided authorization, the same object the creation returns.
    expect(answers[0]).toMatchObject({ id: created.id, approved: true, amount: 800 });
  });

  it('decline within the window declines it', async () => {
    platformDecidesByApi((authorization) =>
      stripe.issuing.authorizations.decline(authorization.id, { metadata: { why: 'policy' } }, opts()),
    );
    const created = await stripe.testHelpers.issuing.authorizations.create({ card, amount: 1500 }, opts());
    expect(created).toMatchObject({ approved: false, status: 'closed', amount: 0, metadata: { why: 'policy' } });
    expect(created.request_history.at(-1)).toMatchObject({ approved: false, reason: 'webhook_declined' });
  });

  it('after the window there is nothing to decide: a 400 naming the status; an unknown id is a 404', async () => {
    setAuthorizationRequestSender(emu.app.store, undefined);
    const decided = await stripe.testHelpers.issuing.authorizations.create({ card, amount: 300 }, opts());
    const late = await stripeError(() => stripe.issuing.authorizations.approve(decided.id, {}, opts()));
    expect(late).toMatchObject({ statusCode: 400, type: 'StripeInvalidRequestError', param: 'authorization' });
    expect(late.message).toContain('not awaiting a decision (its status is pending)');
    const unknown = await stripeError(() =>
      stripe.issuing.authorizations.decline('iauth_1Unknown000000000000', {}, opts()),
    );
    expect(unknown).toMatchObject({ statusCode: 404, code: 'resource_missing' });
    // Another account cannot decide this account's request.
    const elsewhere = await stripeError(() => stripe.issuing.authorizations.approve(decided.id, {}));
    expect(elsewhere.statusCode).toBe(404);
  });
});

describe('transactions', () => {
  it('POST /v1/issuing/transactions/:id updates metadata (and only metadata) and emits issuing_transaction.updated', async () => {
    const authorization = await stripe.testHelpers.issuing.authorizations.create({ card, amount: 1200 }, opts());
    await stripe.testHelpers.issuing.authorizations.capture(authorization.id, {}, opts());
    const [transaction] = (await stripe.issuing.transactions.list({ card, limit: 1 }, opts())).data;
    const updated = await stripe.issuing.transactions.update(
      transaction!.id,
      { metadata: { order: '42', gone: '' } },
      opts(),
    );
    expect(updated).toMatchObject({ id: transaction!.id, metadata: { order: '42' } });
    expect((await stripe.issuing.transactions.retrieve(transaction!.id, {}, opts())).metadata).toEqual({ order: '42' });
    const [event] = (await stripe.events.list({ type: 'issuing_transaction.updated', limit: 1 }, opts())).data;
    expect(event?.data).toMatchObject({
      object: { id: transaction!.id, metadata: { order: '42' } },
      previous_attributes: { metadata: {} },
    });
    const err = await stripeError(() =>
      stripe.issuing.transactions.update(
        transaction!.id,
        { amount: 1 } as Stripe.Issuing.TransactionUpdateParams,
        opts(),
      ),
    );
    expect(err).toMatchObject({ statusCode: 400, code: 'parameter_unknown', param: 'amount' });
  });

  it('increment is a new request on the same authorization (test helper)', async () => {
    const authorization = await stripe.testHelpers.issuing.authorizations.create(
      { card, amount: 1000, is_amount_controllable: true },
      opts(),
    );
    const incremented = await stripe.testHelpers.issuing.authorizations.increment(
      authorization.id,
      { increment_amount: 250, is_amount_controllable: true },
      opts(),
    );
    expect(incremented.amount).toBe(1250);
    expect(incremented.request_history).toHaveLength(2);
  });
});

describe('search URLs', () => {
  it.each([
    ['GET', '/v1/payment_intents/search?query=status%3A%27succeeded%27'],
    ['GET', '/v1/issuing/cards/search'],
    ['GET', '/v1/issuing/cardholders/search'],
    ['GET', '/v1/issuing/authorizations/search'],
    ['POST', '/v1/issuing/cards/search'],
  ])('%s %s is an unknown URL, as on Stripe, never an object called "search"', async (method, path) => {
    const res = await emu.raw(method, path, { account, ...(method === 'POST' ? { body: 'metadata[a]=b' } : {}) });
    expect(res.status).toBe(404);
    expect(res.body.error.message).toBe(
      `Unrecognized request URL (${method}: ${path.split('?')[0]}). Please see https://stripe.com/docs or we can help at https://support.stripe.com/.`,
    );
    expect(res.body.error.code).toBeUndefined();
  });
});
