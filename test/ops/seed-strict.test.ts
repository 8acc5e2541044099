// `npm run seed` against the emulator in its strictest settings: Stripe's rate limits on (the
// default), capabilities `pending` for a while before they become active, every requirement
// enforced (card_payments needs a bank account, GB individuals give no id number). Every seeded
// account must end up able to issue cards and take a test purchase: card_issuing and card_payments
// active, cardholders and cards made in its currency, its Issuing balance funded the way its
// country funds (US: a top-up; GB: a bank transfer to its funding instructions), and a payment on
// the account with one of its own virtual cards succeeds, as the dashboard's test purchase makes it
// (server/domain/test-purchases.ts: a ConfirmationToken made in the browser for the account, a
// PaymentIntent created and confirmed on it).
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../emulator/app.ts';
import { BudgetHttpClient } from '../../server/plugins/app/stripe-budget.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { freePort } from '../helpers/stack.ts';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);
const PK = 'pk_test_seed_check';

let emulator: FastifyInstance;
let url: string;
let stripe: Stripe;

beforeAll(async () => {
  const port = await freePort();
  url = `http://127.0.0.1:${port}`;
  // Rate limits are on unless turned off; card_issuing, card_payments and transfers wait 1.5 s in `pending`.
  emulator = await buildEmulator({ publicUrl: url, logger: false, seed: false, capabilityActivationMs: 1500 });
  await emulator.listen({ port, host: '127.0.0.1' });
  // The checks share the platform's 25 requests a second with nothing else, paced as the app paces.
  stripe = new Stripe('sk_test_check', {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    httpClient: new BudgetHttpClient(Stripe.createNodeHttpClient(), { maxPerSecond: 15 }),
  });
});
afterAll(() => emulator?.close());

/** A browser's request (publishable key) under the same rate limit: a 429 is waited out and retried. */
async function browserPost(path: string, account: string, body: Record<string, string>): Promise<any> {
  for (let attempt = 0; ; attempt++) {
    const response = await fetch(`${url}${path}`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${PK}`,
        'stripe-account': account,
        'content-type': 'application/x-www-form-urlencoded',
      },
      body: new URLSearchParams(body).toString(),
    });
    if (response.status === 429 && attempt < 5) {
      await new Promise((resolve) => setTimeout(resolve, 1100));
      continue;
    }
    expect(response.status, path).toBe(200);
    return response.json();
  }
}

/** The dashboard's test purchase: the account's own virtual card pays the account (ConfirmationToken, PaymentIntent). */
async function testPurchase(account: string, currency: string): Promise<Stripe.PaymentIntent> {
  const on = { stripeAccount: account };
  const card = (await stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 1 }, on)).data[0]!;
  expect(card.currency).toBe(currency);
  const { nonce } = await browserPost('/v1/ephemeral_key_nonces', account, { issuing_card: card.id });
  const key = await stripe.ephemeralKeys.create(
    { issuing_card: card.id, nonce },
    { ...on, apiVersion: STRIPE_API_VERSION },
  );
  const revealed = await new Stripe(key.secret!, {
    host: '127.0.0.1',
    port: Number(new URL(url).port),
    protocol: 'http',
  }).issuing.cards.retrieve(card.id, { expand: ['number', 'cvc'] });
  const token = await browserPost('/v1/confirmation_tokens', account, {
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': revealed.number!,
    'payment_method_data[card][exp_month]': String(card.exp_month),
    'payment_method_data[card][exp_year]': String(card.exp_year),
    'payment_method_data[card][cvc]': revealed.cvc!,
  });
  return stripe.paymentIntents.create(
    {
      amount: 1234,
      currency,
      confirm: true,
      confirmation_token: token.id as string,
      automatic_payment_methods: { enabled: true },
      description: 'Dashboard test purchase',
    },
    on,
  );
}

describe('npm run seed, strictest emulator', () => {
  let report: {
    created: Record<string, number>;
    accounts: Array<{
      id: string;
      country: string;
      currency: string;
      card_issuing: string;
      card_payments: string;
      currently_due: string[];
      external_account: string | null;
      funding_path: string;
      funding_id: string | null;
      issuing_balance: number;
    }>;
  };

  beforeAll(async () => {
    const { stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/seed.ts'], {
      cwd: root,
      env: {
        PATH: process.env.PATH,
        EMULATOR_URL: url,
        SEED_ACCOUNTS: '3',
        SEED_WAIT_SECONDS: '20',
        SEED_POLL_MS: '250',
      },
      timeout: 60_000,
    });
    report = JSON.parse(stdout);
  }, 90_000);

  it('onboards US, US and GB accounts with card_issuing and card_payments active, each on its own requirements', async () => {
    expect(report.created).toEqual({ accounts: 3, cardholders: 9, cards: 18 });
    expect(report.accounts.map((a) => [a.country, a.currency, a.funding_path])).toEqual([
      ['US', 'usd', 'topup'],
      ['US', 'usd', 'topup'],
      ['GB', 'gbp', 'bank_transfer'],
    ]);
    for (const account of report.accounts) {
      expect(account).toMatchObject({ card_issuing: 'active', card_payments: 'active', currently_due: [] });
      expect(account.external_account).toEqual(account.country === 'GB' ? '2345' : '6789');
      for (const name of ['card_issuing', 'card_payments', 'transfers']) {
        const capability = await stripe.accounts.retrieveCapability(account.id, name);
        expect(capability, `${account.id} ${name}`).toMatchObject({
          status: 'active',
          requirements: { currently_due: [] },
        });
      }
      const stored = await stripe.accounts.retrieve(account.id);
      expect(stored).toMatchObject({ country: account.country, charges_enabled: true, payouts_enabled: true });
      // GB individuals are onboarded as Stripe's sample onboards them: no id number, no state.
      if (account.country === 'GB') {
        expect(stored.individual).toMatchObject({ id_number_provided: false, address: { state: null } });
      }
    }
  });

  it('funds each Issuing balance the way its country funds it', async () => {
    for (const account of report.accounts) {
      const on = { stripeAccount: account.id };
      const balance = await stripe.balance.retrieve({}, on);
      expect(balance.issuing?.available).toContainEqual({ amount: 100_000, currency: account.currency });
      if (account.country === 'US') {
        const topups = await stripe.topups.list({ limit: 10 }, on);
        expect(topups.data.map((t) => t.id)).toContain(account.funding_id);
      } else {
        const instructions = (await stripe.rawRequest(
          'GET',
          '/v1/issuing/funding_instructions',
          {},
          on,
        )) as unknown as {
          data: Array<{ currency: string }>;
        };
        expect(instructions.data.map((i) => i.currency)).toContain('gbp');
      }
    }
  });

  it('creates cardholders and cards in the account’s country and currency', async () => {
    for (const account of report.accounts) {
      const on = { stripeAccount: account.id };
      const holders = await stripe.issuing.cardholders.list({ limit: 10 }, on);
      expect(holders.data).toHaveLength(3);
      for (const holder of holders.data) expect(holder.billing.address.country).toBe(account.country);
      const cards = await stripe.issuing.cards.list({ limit: 20 }, on);
      expect(cards.data).toHaveLength(6);
      for (const card of cards.data) expect(card.currency).toBe(account.currency);
    }
  });

  it('takes a test purchase on every account with one of its own virtual cards', async () => {
    for (const account of report.accounts) {
      const intent = await testPurchase(account.id, account.currency);
      expect(intent.status, account.id).toBe('succeeded');
      const authorization = (await stripe.issuing.authorizations.list({ limit: 1 }, { stripeAccount: account.id }))
        .data[0]!;
      expect(authorization).toMatchObject({ approved: true, amount: 1234, currency: account.currency });
    }
  }, 60_000);
});
