// Funding an Issuing balance the way the account's country funds it, through the SDK over HTTP:
// US accounts by top-up (`POST /v1/topups`, `destination_balance=issuing`, test bank tokens as the
// source), UK and euro-area accounts by bank transfer to their funding instructions
// (`POST /v1/issuing/funding_instructions`, then the `fund_balance` test helper); the balance
// transactions top-ups make; and shared/issuing-funding.ts, which picks the path.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { fundIssuingBalance, fundingPathFor } from '../../shared/issuing-funding.ts';
import { startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let us: string;
let gb: string;

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  const account = (country: string) =>
    stripe.accounts.create({
      type: 'custom',
      country,
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    });
  us = (await account('US')).id;
  gb = (await account('GB')).id;
});
afterAll(() => emu.close());

/** `destination_balance` is documented (docs.stripe.com/issuing/funding/balance) but not in the SDK's types. */
type IssuingTopupParams = Stripe.TopupCreateParams & { destination_balance?: string };

function topup(account: string, params: IssuingTopupParams): Promise<Stripe.Topup> {
  return stripe.topups.create(params, { stripeAccount: account });
}

async function issuingAvailable(account: string, currency: string): Promise<number> {
  const balance = await stripe.balance.retrieve({}, { stripeAccount: account });
  return balance.issuing?.available.find((b) => b.currency === currency)?.amount ?? 0;
}

async function paymentsAvailable(account: string, currency: string): Promise<number> {
  const balance = await stripe.balance.retrieve({}, { stripeAccount: account });
  return balance.available.find((b) => b.currency === currency)?.amount ?? 0;
}

const verified = { currency: 'usd', destination_balance: 'issuing', source: 'btok_us_verified' };

describe('top-ups into a US account’s Issuing balance', () => {
  it('succeed with btok_us_verified, add to issuing.available and make a balance transaction', async () => {
    const before = await issuingAvailable(us, 'usd');
    const made = await topup(us, { ...verified, amount: 12_345, description: 'Card program float' });
    expect(made).toMatchObject({
      object: 'topup',
      amount: 12_345,
      currency: 'usd',
      status: 'succeeded',
      description: 'Card program float',
      failure_code: null,
      livemode: false,
    });
    expect(made.id).toMatch(/^tu_/);
    expect(made.balance_transaction).toMatch(/^txn_/);
    expect(await issuingAvailable(us, 'usd')).toBe(before + 12_345);
    expect(await paymentsAvailable(us, 'usd')).toBe(0);

    const txn = await stripe.balanceTransactions.retrieve(
      made.balance_transaction as string,
      {},
      { stripeAccount: us },
    );
    expect(txn).toMatchObject({
      object: 'balance_transaction',
      amount: 12_345,
      net: 12_345,
      fee: 0,
      currency: 'usd',
      type: 'topup',
      reporting_category: 'topup',
      balance_type: 'issuing',
      status: 'available',
      source: made.id,
    });

    const expanded = await stripe.topups.retrieve(made.id, { expand: ['balance_transaction'] }, { stripeAccount: us });
    expect((expanded.balance_transaction as Stripe.BalanceTransaction).id).toBe(txn.id);
    const withSource = await stripe.balanceTransactions.retrieve(txn.id, { expand: ['source'] }, { stripeAccount: us });
    expect((withSource.source as Stripe.Topup).id).toBe(made.id);
  });

  it('are listed and filtered, with their balance transactions', async () => {
    const a = await topup(us, { ...verified, amount: 700 });
    const b = await topup(us, { ...verified, amount: 900 });
    const on = { stripeAccount: us };
    const succeeded = await stripe.topups.list({ status: 'succeeded', limit: 100 }, on);
    expect(succeeded.data.map((t) => t.id)).toEqual(expect.arrayContaining([a.id, b.id]));
    expect(succeeded.data[0]!.id).toBe(b.id); // newest first
    const exact = await stripe.topups.list({ amount: 900 }, on);
    expect(exact.data.map((t) => t.id)).toContain(b.id);
    expect(exact.data.map((t) => t.id)).not.toContain(a.id);
    const page = await stripe.topups.list({ limit: 1, starting_after: b.id }, on);
    expect(page.data[0]!.id).toBe(a.id);

    const txns = await stripe.balanceTransactions.list({ source: a.id }, on);
    expect(txns.data).toHaveLength(1);
    expect(txns.data[0]!.id).toBe(a.balance_transaction);
    const topupTxns = await stripe.balanceTransactions.list({ type: 'topup', limit: 100 }, on);
    expect(topupTxns.data.map((t) => t.source)).toEqual(expect.arrayContaining([a.id, b.id]));
  });

  it('emit topup.created, topup.succeeded and balance.available', async () => {
    const made = await topup(us, { ...verified, amount: 400 });
    const events = await stripe.events.list({ limit: 3 }, { stripeAccount: us });
    expect(events.data.map((e) => e.type)).toEqual(['balance.available', 'topup.succeeded', 'topup.created']);
    expect((events.data[1]!.data.object as Stripe.Topup).id).toBe(made.id);
    expect((events.data[0]!.data.object as Stripe.Balance).object).toBe('balance');
  });

  it('fail with the failing test tokens, adding nothing', async () => {
    const before = await issuingAvailable(us, 'usd');
    const failed = await topup(us, { ...verified, amount: 500, source: 'btok_us_verified_insufficientFunds' });
    expect(failed).toMatchObject({ status: 'failed', failure_code: 'insufficient_funds', balance_transaction: null });
    expect(failed.failure_message).toEqual(expect.any(String));
    const closed = await topup(us, { ...verified, amount: 500, source: 'btok_us_verified_accountClosed' });
    expect(closed.failure_code).toBe('account_closed');
    expect(await issuingAvailable(us, 'usd')).toBe(before);
  });

  it('without a source stay pending, add nothing, and can be canceled once', async () => {
    const before = await issuingAvailable(us, 'usd');
    const pending = await topup(us, { amount: 800, currency: 'usd', destination_balance: 'issuing' });
    expect(pending).toMatchObject({ status: 'pending', balance_transaction: null });
    expect(pending.expected_availability_date!).toBeGreaterThan(pending.created);
    expect(await issuingAvailable(us, 'usd')).toBe(before);
    const canceled = await stripe.topups.cancel(pending.id, {}, { stripeAccount: us });
    expect(canceled.status).toBe('canceled');
    const again = await stripeError(() => stripe.topups.cancel(pending.id, {}, { stripeAccount: us }));
    expect(again).toMatchObject({ statusCode: 400, message: expect.stringMatching(/only pending top-ups/) });
  });

  it('update description and metadata only', async () => {
    const made = await topup(us, { ...verified, amount: 300, metadata: { order: '1' } });
    const updated = await stripe.topups.update(
      made.id,
      { description: 'Renamed', metadata: { order: '', batch: '7' } },
      { stripeAccount: us },
    );
    expect(updated).toMatchObject({ description: 'Renamed', metadata: { batch: '7' }, amount: 300 });
    const amount = await emu.raw('POST', `/v1/topups/${made.id}`, { account: us, body: 'amount=1' });
    expect(amount.status).toBe(400);
    expect(amount.body.error.param).toBe('amount');
  });

  it('without destination_balance fund the payments balance, not the Issuing one', async () => {
    const issuing = await issuingAvailable(us, 'usd');
    const payments = await paymentsAvailable(us, 'usd');
    const made = await topup(us, { amount: 2_000, currency: 'usd', source: 'btok_us_verified' });
    expect(made.status).toBe('succeeded');
    expect(await paymentsAvailable(us, 'usd')).toBe(payments + 2_000);
    expect(await issuingAvailable(us, 'usd')).toBe(issuing);
    const txn = await stripe.balanceTransactions.retrieve(
      made.balance_transaction as string,
      {},
      { stripeAccount: us },
    );
    expect(txn.balance_type).toBe('payments');
  });

  it('belong to the account of Stripe-Account: the platform’s own list does not show them', async () => {
    const made = await topup(us, { ...verified, amount: 100 });
    const platform = await stripe.topups.list({ limit: 100 });
    expect(platform.data.map((t) => t.id)).not.toContain(made.id);
    const missing = await stripeError(() => stripe.topups.retrieve(made.id));
    expect(missing).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'topup' });
  });

  it('refuse bad input with a 400 naming the parameter', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ amount: '0' }, 'amount'],
      [{ amount: '-5' }, 'amount'],
      [{ amount: '100000000' }, 'amount'],
      [{ amount: '12.5' }, 'amount'],
      [{ currency: 'xyz' }, 'currency'],
      [{ currency: 'eur' }, 'currency'], // a US Issuing balance is in usd
      [{ destination_balance: 'savings' }, 'destination_balance'],
      [{ statement_descriptor: 'Top\u0007up' }, 'statement_descriptor'],
      [{ statement_descriptor: '1234567' }, 'statement_descriptor'],
      [{ statement_descriptor: 'Sixteen chars xx' }, 'statement_descriptor'],
      [{ source: 'btok_unknown' }, 'source'],
      [{ payment_method: 'pm_123' }, 'payment_method'],
      [{ colour: 'red' }, 'colour'],
    ];
    const base = { amount: '100', currency: 'usd', destination_balance: 'issuing', source: 'btok_us_verified' };
    for (const [change, param] of cases) {
      const response = await emu.raw('POST', '/v1/topups', {
        account: us,
        body: new URLSearchParams({ ...base, ...change }).toString(),
      });
      expect(response.status, JSON.stringify(change)).toBe(400);
      expect(response.body.error, JSON.stringify(change)).toMatchObject({ type: 'invalid_request_error', param });
    }
    const tooLarge = await emu.raw('POST', '/v1/topups', {
      account: us,
      body: new URLSearchParams({ ...base, amount: '100000000' }).toString(),
    });
    expect(tooLarge.body.error.code).toBe('amount_too_large');
    const noTxn = await stripeError(() => stripe.balanceTransactions.retrieve('txn_1Nope', {}, { stripeAccount: us }));
    expect(noTxn).toMatchObject({ statusCode: 404, code: 'resource_missing', param: 'id' });
  });

  it('are refused into the Issuing balance of a UK account (pull funding is US only)', async () => {
    const err = await stripeError(() => topup(gb, { ...verified, amount: 1_000, currency: 'gbp' }));
    expect(err).toMatchObject({ statusCode: 400, param: 'destination_balance' });
    expect(err.message).toMatch(/funding_instructions/);
  });
});

describe('funding instructions of a UK account', () => {
  const create = (account: string, body: Record<string, string>) =>
    emu.raw('POST', '/v1/issuing/funding_instructions', {
      account,
      body: new URLSearchParams({ funding_type: 'bank_transfer', ...body }).toString(),
    });

  it('are created once per currency, with a sort code for gbp and an IBAN for eur, and listed', async () => {
    const first = await stripe.rawRequest(
      'POST',
      '/v1/issuing/funding_instructions',
      { bank_transfer: { type: 'gb_bank_transfer' }, currency: 'gbp', funding_type: 'bank_transfer' },
      { stripeAccount: gb },
    );
    expect(first).toMatchObject({
      object: 'funding_instructions',
      currency: 'gbp',
      funding_type: 'bank_transfer',
      livemode: false,
      bank_transfer: {
        country: 'GB',
        type: 'gb_bank_transfer',
        financial_addresses: [
          {
            type: 'sort_code',
            sort_code: { sort_code: '000000', account_number: expect.stringMatching(/^\d{8}$/) },
            supported_networks: ['bacs', 'fps'],
          },
        ],
      },
    });
    const again = await create(gb, { 'bank_transfer[type]': 'gb_bank_transfer', currency: 'gbp' });
    const { lastResponse: _ignored, ...firstBody } = first as Record<string, unknown>;
    expect(again.body).toEqual(firstBody); // "we'll return the same funding instructions each time"

    const euro = await create(gb, { 'bank_transfer[type]': 'eu_bank_transfer', currency: 'eur' });
    expect(euro.body.bank_transfer.financial_addresses[0]).toMatchObject({
      type: 'iban',
      iban: { bic: 'SXPYDEHH', country: 'DE', iban: expect.stringMatching(/^DE00\d{18}$/) },
      supported_networks: ['sepa'],
    });

    const list = await stripe.rawRequest('GET', '/v1/issuing/funding_instructions', {}, { stripeAccount: gb });
    expect(list.object).toBe('list');
    expect(list.data.map((i: Stripe.FundingInstructions) => i.currency)).toEqual(['eur', 'gbp']);
  });

  it('refuse a type that does not carry the currency, and bad parameters, naming them', async () => {
    const cases: Array<[Record<string, string>, string]> = [
      [{ 'bank_transfer[type]': 'eu_bank_transfer', currency: 'gbp' }, 'bank_transfer[type]'],
      [{ 'bank_transfer[type]': 'us_bank_transfer', currency: 'usd' }, 'bank_transfer[type]'],
      [{ 'bank_transfer[type]': 'gb_bank_transfer', currency: 'usd' }, 'currency'],
      [{ 'bank_transfer[type]': 'gb_bank_transfer', currency: 'gbp', funding_type: 'card' }, 'funding_type'],
      [{ currency: 'gbp' }, 'bank_transfer'],
    ];
    for (const [body, param] of cases) {
      const response = await create(gb, body);
      expect(response.status, JSON.stringify(body)).toBe(400);
      expect(response.body.error.param, JSON.stringify(body)).toBe(param);
    }
  });

  it('are not for US accounts, which Stripe funds by top-up', async () => {
    const created = await create(us, { 'bank_transfer[type]': 'gb_bank_transfer', currency: 'gbp' });
    expect(created.status).toBe(400);
    expect(created.body.error.message).toMatch(/^A Funding Instruction is not currently supported for US\./);
    const funded = await emu.raw('POST', '/v1/test_helpers/issuing/fund_balance', {
      account: us,
      body: 'amount=100&currency=usd',
    });
    expect(funded.status).toBe(400);
    expect(funded.body.error.message).toMatch(/not currently supported for US/);
    const list = await stripe.rawRequest('GET', '/v1/issuing/funding_instructions', {}, { stripeAccount: us });
    expect(list.data).toEqual([]);
  });

  it('receive the simulated bank transfer of fund_balance as a succeeded top-up', async () => {
    const before = await issuingAvailable(gb, 'gbp');
    const answer = await stripe.rawRequest(
      'POST',
      '/v1/test_helpers/issuing/fund_balance',
      { amount: 4_242, currency: 'gbp' },
      { stripeAccount: gb },
    );
    expect(answer).toMatchObject({ object: 'funding_instructions', currency: 'gbp', funding_type: 'bank_transfer' });
    expect(await issuingAvailable(gb, 'gbp')).toBe(before + 4_242);
    const [arrived] = (await stripe.topups.list({ limit: 1 }, { stripeAccount: gb })).data;
    expect(arrived).toMatchObject({ amount: 4_242, currency: 'gbp', status: 'succeeded' });
    const txn = await stripe.balanceTransactions.retrieve(
      arrived!.balance_transaction as string,
      {},
      { stripeAccount: gb },
    );
    expect(txn).toMatchObject({ type: 'topup', balance_type: 'issuing', amount: 4_242 });

    const bad = await emu.raw('POST', '/v1/test_helpers/issuing/fund_balance', {
      account: gb,
      body: 'amount=0&currency=gbp',
    });
    expect(bad.body.error.param).toBe('amount');
  });
});

describe('fundIssuingBalance', () => {
  it('picks the path by country', () => {
    expect(fundingPathFor('US')).toBe('topup');
    expect(fundingPathFor('GB')).toBe('bank_transfer');
    expect(fundingPathFor('de')).toBe('bank_transfer');
    expect(fundingPathFor('IE')).toBe('bank_transfer');
    expect(() => fundingPathFor('CA')).toThrow(/CA/);
  });

  it('tops up a US account and moves its Issuing balance once per idempotency key', async () => {
    const before = await issuingAvailable(us, 'usd');
    const opts = { country: 'US', currency: 'usd', amount: 5_000, idempotencyKey: `fund-${Date.now()}` };
    const first = await fundIssuingBalance(stripe, us, opts);
    expect(first.path).toBe('topup');
    expect(first.id).toMatch(/^tu_/);
    const second = await fundIssuingBalance(stripe, us, opts);
    expect(second.id).toBe(first.id);
    expect(await issuingAvailable(us, 'usd')).toBe(before + 5_000);
  });

  it('funds a UK account by bank transfer to its funding instructions', async () => {
    const before = await issuingAvailable(gb, 'gbp');
    const result = await fundIssuingBalance(stripe, gb, { country: 'GB', currency: 'gbp', amount: 7_500 });
    expect(result).toEqual({ path: 'bank_transfer', id: null });
    expect(await issuingAvailable(gb, 'gbp')).toBe(before + 7_500);
  });

  it('refuses a currency the country does not fund in, and live keys, before calling Stripe', async () => {
    await expect(fundIssuingBalance(stripe, gb, { country: 'GB', currency: 'usd', amount: 100 })).rejects.toThrow(
      /funded in gbp/,
    );
    const live = { balance: { retrieve: async () => ({ livemode: true }) } } as unknown as Stripe;
    await expect(fundIssuingBalance(live, us, { country: 'US', currency: 'usd', amount: 100 })).rejects.toThrow(
      /live-mode key/,
    );
  });
});
