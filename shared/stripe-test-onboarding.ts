// What a platform sends Stripe, in test mode, so that a connected account's `card_issuing` and
// `transfers` capabilities become active: Stripe's documented test values
// (https://docs.stripe.com/connect/testing) in the fields Stripe requires for Issuing on Connect
// (https://docs.stripe.com/issuing/connect, "Collect and verify required information"), shaped as
// Stripe's own sample sends them (stripe-samples/issuing-treasury `_base/src/pages/api/onboard.ts`:
// an `individual` business with the verifying test address, date of birth and id number, the
// Stripe services agreement and the Issuing terms accepted).
//
// Used by the emulator's seed and by `npm run seed` against real Stripe, so both provide the same.
// Never for live mode: these values verify only in test mode.

/** "address_full_match" verifies the address in test mode. */
export const TEST_ADDRESS_LINE1 = 'address_full_match';
/** 1901-01-01: "Successful verification. Any other DOB results in unsuccessful verification." */
export const TEST_DOB = { day: 1, month: 1, year: 1901 } as const;
/** The test SSN / id number that verifies. */
export const TEST_ID_NUMBER = '000000000';
/** Merchant category code for "computer software stores", as in Stripe's sample. */
export const TEST_MCC = '5734';

export interface TestOnboardingInput {
  /** The business's name as the dashboard shows it. */
  businessName: string;
  url: string;
  person: { first_name: string; last_name: string; email: string; phone: string };
  address: { city: string; state: string; postal_code: string; country: string };
  /** Seconds since the epoch: when the terms were accepted. */
  acceptedAt: number;
  /** The IP address the terms were accepted from. */
  acceptedFromIp: string;
}

/** Parameters for `POST /v1/accounts` (with `type`, `country`, `capabilities`) or `POST /v1/accounts/:id`. */
export function testOnboardingParams(input: TestOnboardingInput) {
  const acceptance = { date: input.acceptedAt, ip: input.acceptedFromIp };
  return {
    business_type: 'individual' as const,
    business_profile: { name: input.businessName, mcc: TEST_MCC, url: input.url },
    individual: {
      first_name: input.person.first_name,
      last_name: input.person.last_name,
      email: input.person.email,
      phone: input.person.phone,
      dob: { ...TEST_DOB },
      address: { line1: TEST_ADDRESS_LINE1, ...input.address },
      id_number: TEST_ID_NUMBER,
    },
    tos_acceptance: acceptance,
    settings: { card_issuing: { tos_acceptance: acceptance } },
  };
}
