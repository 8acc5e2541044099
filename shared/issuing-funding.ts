// How test funds reach a connected account's Issuing balance, by the account's country.
//
// "Pull funding is the default funding option in the US and isn't available in the EU or the UK
// … Push funding is available in the UK and EU" (https://docs.stripe.com/issuing/connect/funding);
// "in the US, the default is a pull-funded top-up; in the UK and Europe, the default is a
// push-funded top-up" (https://docs.stripe.com/issuing/adding-funds-to-your-card-program).
//
// - US (pull): `POST /v1/topups` with `destination_balance=issuing`
//   (https://docs.stripe.com/issuing/funding/balance) and, in test mode, the test bank token
//   `btok_us_verified` as `source` ("To test adding funds in the API, use the following test bank
//   tokens as the source … `btok_us_verified`: Successful", https://docs.stripe.com/connect/testing).
//   Without a source a test top-up waits on the bank account set up in the Dashboard ("Your
//   top-ups can take up to 5 business days to become available. While they're pending, they
//   won't be added to your Issuing balance", docs.stripe.com/issuing/funding/balance).
// - UK and euro area (push): funding instructions for the currency
//   (`POST /v1/issuing/funding_instructions`, "Create or retrieve": the same ones each time), then
//   the test helper that "simulates an external bank transfer and adds funds to an Issuing
//   balance. This method can only be called in test mode"
//   (`POST /v1/test_helpers/issuing/fund_balance`, https://docs.stripe.com/api/issuing/funding_instructions/fund).
//   Neither is wrapped by stripe-node ("not supported in the Node.js library",
//   stripe-samples/issuing-treasury), so both go through `rawRequest`.
//
// The same calls work unchanged against Stripe's test mode and the emulator. Live keys are refused
// before anything moves: these are test funds.
import type Stripe from 'stripe';

export type FundingPath = 'topup' | 'bank_transfer';

/**
 * The countries that use the euro (https://european-union.europa.eu/institutions-law-budget/euro/countries-using-euro_en;
 * Bulgaria since 1 January 2026).
 */
export const EURO_AREA: readonly string[] = [
  'AT',
  'BE',
  'BG',
  'CY',
  'DE',
  'EE',
  'ES',
  'FI',
  'FR',
  'GR',
  'HR',
  'IE',
  'IT',
  'LT',
  'LU',
  'LV',
  'MT',
  'NL',
  'PT',
  'SI',
  'SK',
];

/** The test bank token of a top-up that succeeds (https://docs.stripe.com/connect/testing). */
export const TEST_TOPUP_SOURCE = 'btok_us_verified';

/**
 * The currency an account's Issuing balance is funded in, by the account's country: usd in the
 * US, gbp in the UK, eur in the euro area (docs.stripe.com/issuing/funding/balance: US wire
 * transfers in USD, UK transfers in GBP, SEPA transfers in EUR). Undefined where Stripe offers no
 * Issuing funding.
 */
export function issuingCurrencyFor(country: string): 'usd' | 'gbp' | 'eur' | undefined {
  const code = country.toUpperCase();
  if (code === 'US') return 'usd';
  if (code === 'GB') return 'gbp';
  if (EURO_AREA.includes(code)) return 'eur';
  return undefined;
}

/** US: pull funding via Top-ups; UK and euro area: push funding via Funding Instructions. */
export function fundingPathFor(country: string): FundingPath {
  const code = country.toUpperCase();
  if (code === 'US') return 'topup';
  if (issuingCurrencyFor(code)) return 'bank_transfer';
  throw new Error(
    `Stripe documents no way to fund an Issuing balance for an account in ${country}: Issuing is funded by top-ups in the US and by bank transfer in the UK and the euro area.`,
  );
}

/** `bank_transfer[type]` of the funding instructions for a currency (docs.stripe.com/api/issuing/funding_instructions/create). */
function bankTransferType(currency: string): 'gb_bank_transfer' | 'eu_bank_transfer' {
  return currency === 'gbp' ? 'gb_bank_transfer' : 'eu_bank_transfer';
}

/** Adds `amount` (minor units) of test funds to `account`'s Issuing balance the way its country funds. */
export async function fundIssuingBalance(
  stripe: Stripe,
  account: string,
  opts: { country: string; currency: string; amount: number; idempotencyKey?: string },
): Promise<{ path: FundingPath; id: string | null }> {
  const path = fundingPathFor(opts.country);
  const currency = opts.currency.toLowerCase();
  const expected = issuingCurrencyFor(opts.country);
  if (currency !== expected) {
    throw new Error(
      `The Issuing balance of an account in ${opts.country.toUpperCase()} is funded in ${expected}, not ${currency}.`,
    );
  }
  if (!Number.isSafeInteger(opts.amount) || opts.amount < 1) {
    throw new Error(`The amount to fund must be a positive whole number of minor units, not ${opts.amount}.`);
  }
  const on = { stripeAccount: account };
  const key = (step: string) =>
    opts.idempotencyKey === undefined ? {} : { idempotencyKey: `${opts.idempotencyKey}:${step}` };

  // Test funds only: a live key would move real money (a top-up debits the bank account).
  const balance = await stripe.balance.retrieve({}, on);
  if (balance.livemode) throw new Error('Refusing to add test funds with a live-mode key.');

  if (path === 'topup') {
    // `destination_balance` is documented (docs.stripe.com/issuing/funding/balance) but not in
    // the SDK's TopupCreateParams; stripe-node sends every parameter it is given.
    const params: Stripe.TopupCreateParams & { destination_balance: 'issuing' } = {
      amount: opts.amount,
      currency,
      destination_balance: 'issuing',
      source: TEST_TOPUP_SOURCE,
      description: 'Test funds for the Issuing balance',
    };
    const topup = await stripe.topups.create(params, { ...on, ...key('topup') });
    return { path, id: topup.id };
  }

  // Create or retrieve the account's funding instructions for the currency, then simulate the
  // incoming transfer (it answers with the funding instructions, not a top-up: no id to return).
  await stripe.rawRequest(
    'POST',
    '/v1/issuing/funding_instructions',
    { bank_transfer: { type: bankTransferType(currency) }, currency, funding_type: 'bank_transfer' },
    { ...on, ...key('funding_instructions') },
  );
  await stripe.rawRequest(
    'POST',
    '/v1/test_helpers/issuing/fund_balance',
    { amount: opts.amount, currency },
    { ...on, ...key('fund_balance') },
  );
  return { path, id: null };
}
