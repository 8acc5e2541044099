// What a platform sends Stripe, in test mode, so that a connected account's `card_issuing`,
// `card_payments` and `transfers` capabilities become active: Stripe's documented test values
// (https://docs.stripe.com/connect/testing) in the fields Stripe requires for the account's
// country (https://docs.stripe.com/connect/required-verification-information; Stripe's Country
// Specs API, `verification_fields.individual.minimum`), shaped as Stripe's own sample sends them
// (stripe-samples/issuing-treasury `_base/src/pages/api/onboard.ts`: an `individual` business with
// the verifying test address and date of birth, the Stripe services agreement and the Issuing terms
// accepted; `add_external_account.ts`: a bank account with Stripe's test numbers).
//
// Per country, as the sample's demo onboarding sends it:
// - US: the address has a state, and the test id number `000000000` is given (Stripe requires an
//   SSN for US individuals: `individual.ssn_last_4` / `individual.id_number`).
// - GB: no state and no id number (neither is among Stripe's requirements for a UK individual;
//   the sample's GB onboarding sends neither), city and postcode of a UK address.
//
// Used by the emulator's seed, its hosted onboarding form (emulator/api/hosted-onboarding-form.ts)
// and by `npm run seed` against real Stripe, so all provide the same.
// Never for live mode: these values verify only in test mode.

/** "address_full_match" verifies the address in test mode. */
export const TEST_ADDRESS_LINE1 = 'address_full_match';
/** 1901-01-01: "Successful verification. Any other DOB results in unsuccessful verification." */
export const TEST_DOB = { day: 1, month: 1, year: 1901 } as const;
/** The test SSN / id number that verifies. */
const TEST_ID_NUMBER = '000000000';
/** Merchant category code for "computer software stores", as in Stripe's sample. */
export const TEST_MCC = '5734';

/** The countries whose individuals give Stripe an id number (SSN) for these capabilities. */
const ID_NUMBER_COUNTRIES: ReadonlySet<string> = new Set(['US']);

export interface TestOnboardingInput {
  /** The business's name as the dashboard shows it. */
  businessName: string;
  url: string;
  person: { first_name: string; last_name: string; email: string; phone: string };
  /** The person's address; `country` decides what else is sent (see above). */
  address: { city: string; state?: string; postal_code: string; country: string };
  /** Seconds since the epoch: when the terms were accepted. */
  acceptedAt: number;
  /** The IP address the terms were accepted from. */
  acceptedFromIp: string;
}

/** Parameters for `POST /v1/accounts` (with `type`, `country`, `capabilities`) or `POST /v1/accounts/:id`. */
export function testOnboardingParams(input: TestOnboardingInput) {
  const acceptance = { date: input.acceptedAt, ip: input.acceptedFromIp };
  const country = input.address.country.toUpperCase();
  return {
    business_type: 'individual' as const,
    business_profile: { name: input.businessName, mcc: TEST_MCC, url: input.url },
    individual: {
      first_name: input.person.first_name,
      last_name: input.person.last_name,
      email: input.person.email,
      phone: input.person.phone,
      dob: { ...TEST_DOB },
      address: { line1: TEST_ADDRESS_LINE1, ...input.address, country },
      ...(ID_NUMBER_COUNTRIES.has(country) ? { id_number: TEST_ID_NUMBER } : {}),
    },
    tos_acceptance: acceptance,
    settings: { card_issuing: { tos_acceptance: acceptance } },
  };
}

/**
 * Stripe's test bank account for an account in `country`, as a bank account dictionary for
 * `external_account` (https://docs.stripe.com/connect/testing#account-numbers: US routing number
 * `110000000` with account number `000123456789`; stripe-samples/issuing-treasury
 * `add_external_account.ts`: GB sort code `108800` with account number `00012345`). Undefined for
 * a country without documented test numbers.
 */
export function testBankAccount(country: string) {
  switch (country.toUpperCase()) {
    case 'US':
      return {
        object: 'bank_account' as const,
        country: 'US',
        currency: 'usd',
        routing_number: '110000000',
        account_number: '000123456789',
      };
    case 'GB':
      return {
        object: 'bank_account' as const,
        country: 'GB',
        currency: 'gbp',
        routing_number: '108800',
        account_number: '00012345',
      };
    default:
      return undefined;
  }
}
