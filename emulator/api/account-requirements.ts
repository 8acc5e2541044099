// What a connected account must provide before its capabilities become active, and whether it
// has. Stripe's rules as its Issuing + Connect docs state them:
//
// - "All accounts must request the card_issuing and transfers account capabilities"; the
//   capability "won't be active until all the requirements are fulfilled", and until then it is
//   `inactive` with the missing fields in `requirements.currently_due`
//   (https://docs.stripe.com/issuing/connect, "Collect and verify required information").
// - What is required: for a company `company.name`, `company.address.*`, `company.tax_id`,
//   `company.phone`, `business_profile.mcc`, `business_profile.url` (or `product_description`),
//   `business_profile.estimated_worker_count`, `business_profile.annual_revenue`, a representative
//   (name, dob, address, email, phone, id number); for an individual the same person fields on
//   `individual`; the Stripe services agreement (`tos_acceptance`) and, for card_issuing only, the
//   Issuing terms `settings.card_issuing.tos_acceptance.{date,ip}` (same page). `transfers` does not
//   need the Issuing terms: Stripe's own example shows `card_issuing: inactive` next to
//   `transfers: active`.
// - Per country (Stripe's Country Specs API, `verification_fields.individual.minimum`, as dumped in
//   userdashboard/stripe-connect `stripe-country-specs.json`; the same lists as
//   https://docs.stripe.com/connect/required-verification-information): a US individual gives an
//   SSN (`individual.ssn_last_4`, the full `individual.id_number` for Issuing) and a state; a UK or
//   EEA individual gives neither (`individual.address.city|line1|postal_code`, `dob`, `email`,
//   `first_name`, `last_name`, `phone`), Ireland a county (`address.state`) instead of a postcode.
//   Stripe's own sample onboards UK and EEA individuals without an id number
//   (stripe-samples/issuing-treasury `_base/src/pages/api/onboard.ts`). Countries Issuing does not
//   serve keep the emulator's earlier rule (id number, postcode, no state).
// - `external_account` (a bank account for payouts) is in every country's `minimum`; Stripe lists it
//   among what card payments need ("Companies and partnerships with the card_payments capability …
//   Enable payouts: external_account", required-verification-information; Stripe's example account
//   with `card_payments` requested has `external_account` in `currently_due`, stripe/openapi
//   fixtures3.json). `card_issuing` does not wait for it: Stripe's sample ignores
//   `external_account` in `currently_due` when it checks onboarding and gates Issuing on
//   `card_issuing` alone (issuing-treasury `_base/src/utils/onboarding-helpers.ts`,
//   `IGNORE_REQUIREMENTS = ["external_account"]`), and it attaches the bank account separately
//   (`add_external_account.ts`). So the emulator makes `external_account` a requirement of
//   `card_payments` only; payouts (`payouts_enabled`) need it too.
// - Test mode verifies only Stripe's documented test values
//   (https://docs.stripe.com/connect/testing, used by stripe-samples/issuing-treasury
//   `_base/src/pages/api/onboard.ts`): date of birth 1901-01-01 ("Successful verification. Any
//   other DOB results in unsuccessful verification.") or 1902-01-01 (immediate), id number
//   `000000000` (or SSN last 4 `0000`) where one is given. Anything else fails verification: the
//   person's `verification.document` becomes due, with a `verification_failed_keyed_identity` error.
//
// Stripe activates card_issuing after about two minutes of `pending`
// (stripe-samples/issuing-treasury#380); the emulator activates it at once.
import type Stripe from 'stripe';

export type CapabilityName = 'card_issuing' | 'card_payments' | 'transfers';

/** The test dates of birth that verify (docs.stripe.com/connect/testing). */
const VERIFYING_DOBS = new Set(['1901-01-01', '1902-01-01']);
/** The test id number and SSN last 4 that verify (docs.stripe.com/connect/testing). */
export const VERIFYING_ID_NUMBER = '000000000';
export const VERIFYING_SSN_LAST_4 = '0000';

/** What an account has said about itself: the parts of the Account object requirements read. */
export interface ProvidedInfo {
  country: string;
  business_type: string | null;
  business_profile: Partial<Stripe.Account.BusinessProfile> | null;
  company: (Partial<Stripe.Account.Company> & { tax_id_provided?: boolean }) | null;
  individual: Partial<Stripe.Person> | null;
  tos_acceptance: { date?: number | null; ip?: string | null } | null;
  card_issuing_tos: { date?: number | null; ip?: string | null } | null;
  /** Whether the id number or SSN last 4 given was one of Stripe's verifying test values. */
  identity_verified: boolean | null;
  /** Whether the account has an external account (a bank account for payouts). */
  external_account?: boolean;
}

const filled = (value: unknown): boolean => value !== undefined && value !== null && value !== '';

/** What an individual (or representative, or company address) of a country gives Stripe, beyond name, dob, email, phone. */
interface CountryRules {
  state: boolean;
  postalCode: boolean;
  /** An id number (SSN in the US); `ssn_last_4` satisfies it. */
  idNumber: boolean;
}

/**
 * The UK and the EEA countries Stripe Issuing serves on Connect (stripe-samples/issuing-treasury
 * `account-management-helpers.ts` SupportedCountry, expense management), Ireland apart.
 */
const UK_AND_EEA = new Set('GB AT BE CY DE EE ES FI FR GR HR IT LT LU LV MT NL PT SI SK'.split(' '));

/** Stripe's Country Specs, `verification_fields.individual.minimum` (see the top of this file). */
function countryRules(country: string): CountryRules {
  if (country === 'US') return { state: true, postalCode: true, idNumber: true };
  if (country === 'IE') return { state: true, postalCode: false, idNumber: false };
  if (UK_AND_EEA.has(country)) return { state: false, postalCode: true, idNumber: false };
  return { state: false, postalCode: true, idNumber: true };
}

function personFields(
  prefix: 'individual' | 'representative',
  person: Partial<Stripe.Person> | null,
  country: string,
): string[] {
  const p = person ?? {};
  const due: string[] = [];
  const address = p.address ?? null;
  const rules = countryRules(country);
  const need = (name: string, value: unknown) => {
    if (!filled(value)) due.push(`${prefix}.${name}`);
  };
  need('address.city', address?.city);
  need('address.line1', address?.line1);
  if (rules.postalCode) need('address.postal_code', address?.postal_code);
  if (rules.state) need('address.state', address?.state);
  need('dob.day', p.dob?.day);
  need('dob.month', p.dob?.month);
  need('dob.year', p.dob?.year);
  need('email', p.email);
  need('first_name', p.first_name);
  if (rules.idNumber && !p.id_number_provided && !p.ssn_last_4_provided) due.push(`${prefix}.id_number`);
  need('last_name', p.last_name);
  need('phone', p.phone);
  return due;
}

function dobString(dob: Stripe.Person.Dob | undefined): string | null {
  if (!dob?.day || !dob.month || !dob.year) return null;
  return `${dob.year}-${String(dob.month).padStart(2, '0')}-${String(dob.day).padStart(2, '0')}`;
}

/**
 * The person fields are all there; were they Stripe's verifying test values? `identityVerified` is
 * whether the id number given verified (null: none given), which counts only where the country
 * asks for one or one was given.
 */
export function personVerified(
  person: Partial<Stripe.Person> | null,
  identityVerified: boolean | null,
  country = 'US',
): boolean {
  const dob = dobString(person?.dob);
  if (dob === null || !VERIFYING_DOBS.has(dob)) return false;
  return identityVerified === true || (identityVerified === null && !countryRules(country).idNumber);
}

/** Requirements with nothing due: a new account's `future_requirements`, a capability's without needs. */
export function noRequirements() {
  return {
    alternatives: [],
    current_deadline: null,
    currently_due: [],
    disabled_reason: null,
    errors: [],
    eventually_due: [],
    past_due: [],
    pending_verification: [],
  };
}

export interface RequirementsOutcome {
  capabilities: Partial<Record<CapabilityName, 'active' | 'inactive' | 'pending'>>;
  /** Each requested capability's own requirements (the Capability object's `requirements`). */
  byCapability: Partial<Record<CapabilityName, { due: string[]; errors: Stripe.Account.Requirements.Error[] }>>;
  requirements: Stripe.Account.Requirements;
  /** Whether no capability has anything due (details_submitted, charges and payouts). */
  complete: boolean;
}

/** What `capability` still needs, as Stripe names the fields in `requirements.currently_due`. */
export function fieldsDue(
  capability: CapabilityName,
  info: ProvidedInfo,
): { due: string[]; errors: Stripe.Account.Requirements.Error[] } {
  const due: string[] = [];
  const errors: Stripe.Account.Requirements.Error[] = [];
  const profile = info.business_profile ?? {};
  if (!filled(profile.mcc)) due.push('business_profile.mcc');
  if (!filled(profile.url) && !filled(profile.product_description)) due.push('business_profile.url');
  if (!filled(info.business_type)) due.push('business_type');

  const personPrefix = info.business_type === 'company' ? 'representative' : 'individual';
  if (info.business_type === 'company') {
    const company = info.company ?? {};
    if (!filled(company.address?.city)) due.push('company.address.city');
    if (!filled(company.address?.line1)) due.push('company.address.line1');
    // A company's address follows the same country rule as a person's (Country Specs, `company.minimum`).
    const rules = countryRules(info.country);
    if (rules.postalCode && !filled(company.address?.postal_code)) due.push('company.address.postal_code');
    if (rules.state && !filled(company.address?.state)) due.push('company.address.state');
    if (!filled(company.name)) due.push('company.name');
    if (!filled(company.phone)) due.push('company.phone');
    if (!company.tax_id_provided) due.push('company.tax_id');
    if (capability === 'card_issuing') {
      if (!filled(profile.annual_revenue)) due.push('business_profile.annual_revenue');
      if (!filled(profile.estimated_worker_count)) due.push('business_profile.estimated_worker_count');
    }
    // The representative is a Person (POST /v1/accounts/:id/persons), which the emulator does
    // not serve: a company account's representative stays due (see emulator/README.md).
    due.push(...personFields('representative', null, info.country));
  } else if (filled(info.business_type)) {
    const personDue = personFields('individual', info.individual, info.country);
    due.push(...personDue);
    if (personDue.length === 0 && !personVerified(info.individual, info.identity_verified, info.country)) {
      due.push(`${personPrefix}.verification.document`);
      errors.push({
        code: 'verification_failed_keyed_identity',
        reason:
          'The identity information you entered cannot be verified. Please correct any errors or upload a document that matches the identity fields (e.g., name and date of birth) that you entered.',
        requirement: `${personPrefix}.verification.document`,
      });
    }
  }
  if (capability === 'card_issuing') {
    if (!filled(info.card_issuing_tos?.date)) due.push('settings.card_issuing.tos_acceptance.date');
    if (!filled(info.card_issuing_tos?.ip)) due.push('settings.card_issuing.tos_acceptance.ip');
  }
  if (capability === 'card_payments' && info.external_account !== true) due.push('external_account');
  if (!filled(info.tos_acceptance?.date)) due.push('tos_acceptance.date');
  if (!filled(info.tos_acceptance?.ip)) due.push('tos_acceptance.ip');
  return { due, errors };
}

/**
 * Capability statuses and the account's `requirements` for the capabilities it requested.
 * Everything due is also past due: a new account's requested capabilities are inactive until
 * provided (disabled_reason `requirements.past_due`), as on Stripe.
 */
export function evaluateRequirements(requested: readonly CapabilityName[], info: ProvidedInfo): RequirementsOutcome {
  const capabilities: RequirementsOutcome['capabilities'] = {};
  const byCapability: RequirementsOutcome['byCapability'] = {};
  const due = new Set<string>();
  const errors = new Map<string, Stripe.Account.Requirements.Error>();
  for (const name of requested) {
    const result = fieldsDue(name, info);
    byCapability[name] = { due: [...result.due].sort(), errors: result.errors };
    capabilities[name] = result.due.length === 0 ? 'active' : 'inactive';
    for (const field of result.due) due.add(field);
    for (const error of result.errors) errors.set(error.requirement, error);
  }
  const list = [...due].sort();
  return {
    capabilities,
    byCapability,
    requirements: {
      alternatives: [],
      current_deadline: null,
      currently_due: list,
      disabled_reason: list.length > 0 ? 'requirements.past_due' : null,
      errors: [...errors.values()],
      eventually_due: list,
      past_due: list,
      pending_verification: [],
    },
    complete: list.length === 0,
  };
}
