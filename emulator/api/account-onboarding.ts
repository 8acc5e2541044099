// The information a platform gives Stripe about a connected account (on `POST /v1/accounts` and
// `POST /v1/accounts/:id`): who the account is (`business_type`, `individual` or `company`,
// `business_profile`), the Stripe services agreement (`tos_acceptance`) and the Issuing terms
// (`settings.card_issuing.tos_acceptance`). Applying it updates the Account object and then its
// capabilities and requirements (./account-requirements.ts).
//
// Parameter names and shapes follow the SDK's AccountCreateParams / AccountUpdateParams. Secrets
// stay out of the object, as on Stripe: an id number becomes `id_number_provided: true`, a tax id
// `tax_id_provided: true`; whether it was Stripe's verifying test value is kept aside.
import type Stripe from 'stripe';
import { newId, type RandomSource, cryptoRandom } from './ids.ts';
import { mergeMetadata, p } from './params.ts';
import {
  VERIFYING_ID_NUMBER,
  VERIFYING_SSN_LAST_4,
  evaluateRequirements,
  personVerified,
  type CapabilityName,
} from './account-requirements.ts';
import type { EmulatorStore } from './store.ts';

/** A postal address's parameters (an individual's, a company's, a business profile's support address). */
export const addressParams = p.object({
  city: p.string(),
  country: p.string(),
  line1: p.string(),
  line2: p.string(),
  postal_code: p.string(),
  state: p.string(),
});
const acceptance = p.object({ date: p.integer({ min: 0 }), ip: p.string(), user_agent: p.string({ emptyable: true }) });

/** Spread into the create and update parameter lists of accounts. */
export const onboardingParams = {
  individual: p.object({
    address: addressParams,
    dob: p.object(
      { day: p.integer({ min: 1, max: 31 }), month: p.integer({ min: 1, max: 12 }), year: p.integer({ min: 1900 }) },
      { emptyable: true },
    ),
    email: p.string(),
    first_name: p.string(),
    last_name: p.string(),
    maiden_name: p.string(),
    phone: p.string(),
    id_number: p.string(),
    ssn_last_4: p.string({ pattern: /^\d{4}$/, patternMessage: 'Invalid ssn_last_4: must be 4 digits' }),
    metadata: p.metadata(),
  }),
  company: p.object({
    address: addressParams,
    name: p.string(),
    phone: p.string(),
    tax_id: p.string(),
    directors_provided: p.boolean(),
    executives_provided: p.boolean(),
    owners_provided: p.boolean(),
  }),
  tos_acceptance: acceptance,
  settings: p.object({ card_issuing: p.object({ tos_acceptance: acceptance }) }),
};

/** Validated onboarding parameters (any subset). */
export interface OnboardingInput {
  business_type?: string;
  business_profile?: Record<string, unknown>;
  capabilities?: Partial<Record<string, { requested?: boolean }>>;
  individual?: {
    address?: Record<string, string>;
    dob?: { day?: number; month?: number; year?: number } | null;
    email?: string;
    first_name?: string;
    last_name?: string;
    maiden_name?: string;
    phone?: string;
    id_number?: string;
    ssn_last_4?: string;
    metadata?: Record<string, string | null> | null;
  };
  company?: {
    address?: Record<string, string>;
    name?: string;
    phone?: string;
    tax_id?: string;
    directors_provided?: boolean;
    executives_provided?: boolean;
    owners_provided?: boolean;
  };
  tos_acceptance?: { date?: number; ip?: string; user_agent?: string | null };
  settings?: { card_issuing?: { tos_acceptance?: { date?: number; ip?: string; user_agent?: string | null } } };
}

/** Per account: whether the id number (or SSN last 4) given was a verifying test value. */
function identityChecks(store: EmulatorStore): Map<string, boolean> {
  return store.global('accounts.identity_verified', () => new Map<string, boolean>());
}

const EMPTY_ADDRESS = { city: null, country: null, line1: null, line2: null, postal_code: null, state: null };

function newPerson(account: Stripe.Account, created: number, random: RandomSource): Stripe.Person {
  return {
    id: newId('person', random),
    object: 'person',
    account: account.id,
    address: { ...EMPTY_ADDRESS, country: account.country ?? null },
    created,
    dob: { day: null, month: null, year: null },
    email: null,
    first_name: null,
    future_requirements: {
      alternatives: [],
      currently_due: [],
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    id_number_provided: false,
    last_name: null,
    metadata: {},
    phone: null,
    relationship: {
      authorizer: null,
      director: false,
      executive: false,
      legal_guardian: null,
      owner: false,
      percent_ownership: null,
      representative: true,
      title: null,
    },
    requirements: {
      alternatives: [],
      currently_due: [],
      errors: [],
      eventually_due: [],
      past_due: [],
      pending_verification: [],
    },
    ssn_last_4_provided: false,
    verification: {
      additional_document: { back: null, details: null, details_code: null, front: null },
      details: null,
      details_code: null,
      document: { back: null, details: null, details_code: null, front: null },
      status: 'unverified',
    },
  } as unknown as Stripe.Person;
}

const defined = <T extends object>(value: T): Partial<T> =>
  Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as Partial<T>;

/** The capabilities an account has requested (those present in `capabilities`). */
export function requestedCapabilities(account: Stripe.Account): CapabilityName[] {
  return Object.keys(account.capabilities ?? {}).filter((name): name is CapabilityName =>
    ['card_issuing', 'card_payments', 'transfers'].includes(name),
  );
}

/**
 * How long a capability stays `pending` once nothing is due. Stripe takes about two minutes
 * (stripe-samples/issuing-treasury#380); the emulator's default is 0 (active at once), and
 * `buildEmulator({capabilityActivationMs})` / EMULATOR_CAPABILITY_ACTIVATION_MS sets it so that code
 * which waits for the capability can be tested.
 */
function activationDelay(store: EmulatorStore): { ms: number } {
  return store.global('accounts.capability_activation', () => ({ ms: 0 }));
}

export function setCapabilityActivationDelay(store: EmulatorStore, ms: number): void {
  activationDelay(store).ms = ms;
}

/** When each `account:capability` that has nothing due becomes active (ms since the epoch). */
function activations(store: EmulatorStore): Map<string, number> {
  return store.global('accounts.capability_active_at', () => new Map<string, number>());
}

/**
 * The account as it is now: a `pending` capability whose wait is over becomes `active`. Reads
 * (retrieve, list, the Issuing refusal) go through this.
 */
export function currentAccount(store: EmulatorStore, account: Stripe.Account, nowMs: number): Stripe.Account {
  const pending = Object.values(account.capabilities ?? {}).includes('pending');
  return pending ? refreshRequirements(store, account, nowMs) : account;
}

/** Recomputes capabilities, requirements and the *_enabled flags from what the account holds. */
export function refreshRequirements(store: EmulatorStore, account: Stripe.Account, nowMs: number): Stripe.Account {
  const requested = requestedCapabilities(account);
  const company = account.company ?? null;
  const outcome = evaluateRequirements(requested, {
    country: account.country ?? 'US',
    business_type: account.business_type ?? null,
    business_profile: account.business_profile ?? null,
    company,
    individual: account.individual ?? null,
    tos_acceptance: account.tos_acceptance ?? null,
    card_issuing_tos: account.settings?.card_issuing?.tos_acceptance ?? null,
    identity_verified: identityChecks(store).get(account.id) ?? null,
  });
  const delay = activationDelay(store).ms;
  for (const name of requested) {
    const key = `${account.id}:${name}`;
    if (outcome.capabilities[name] !== 'active') {
      activations(store).delete(key);
      continue;
    }
    if (delay <= 0) continue;
    if (!activations(store).has(key)) activations(store).set(key, nowMs + delay);
    if (nowMs < activations(store).get(key)!) outcome.capabilities[name] = 'pending';
  }
  const mutable = account as unknown as Record<string, unknown>;
  mutable.capabilities = outcome.capabilities;
  mutable.requirements = outcome.requirements;
  // Charges and payouts follow the capabilities that carry them (docs.stripe.com/connect/account-capabilities).
  mutable.charges_enabled = outcome.capabilities.card_payments === 'active';
  mutable.payouts_enabled = outcome.capabilities.transfers === 'active';
  mutable.details_submitted = requested.length > 0 && outcome.complete;
  if (account.individual) {
    const person = account.individual as unknown as Record<string, unknown>;
    const verified = personVerified(account.individual, identityChecks(store).get(account.id) ?? null);
    const personDue =
      outcome.requirements.currently_due
        ?.filter((f) => f.startsWith('individual.'))
        .map((f) => f.slice('individual.'.length)) ?? [];
    person.requirements = {
      alternatives: [],
      currently_due: personDue,
      errors: [],
      eventually_due: personDue,
      past_due: personDue,
      pending_verification: [],
    };
    person.verification = {
      ...(account.individual.verification ?? {}),
      status: verified ? 'verified' : 'unverified',
      details_code: verified || personDue.length > 0 ? null : 'failed_keyed_identity',
      details: verified || personDue.length > 0 ? null : 'Provided identity information could not be verified',
    };
  }
  return account;
}

/**
 * Applies onboarding information to an account object (in place) and re-evaluates it.
 * `capabilities[x][requested]=true` adds a capability (it starts inactive until its requirements
 * are met); `requested=false` removes it.
 */
export function applyOnboarding(
  store: EmulatorStore,
  account: Stripe.Account,
  input: OnboardingInput,
  now: number,
  random: RandomSource = cryptoRandom,
  nowMs: number = now * 1000,
): Stripe.Account {
  /* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment --
     The account is Stripe's type, read-only in its nested parts; the update below writes into it field by field as Stripe merges a POST. */
  const mutable = account as unknown as Record<string, any>;
  if (input.business_type !== undefined) mutable.business_type = input.business_type;
  if (input.business_profile)
    mutable.business_profile = { ...mutable.business_profile, ...defined(input.business_profile) };
  if (input.capabilities) {
    const capabilities = { ...(mutable.capabilities ?? {}) };
    for (const [name, request] of Object.entries(input.capabilities)) {
      if (request?.requested === true) capabilities[name] ??= 'inactive';
      else if (request?.requested === false) delete capabilities[name];
    }
    mutable.capabilities = capabilities;
  }
  if (input.individual) {
    const given = input.individual;
    const person = (mutable.individual ?? newPerson(account, now, random)) as Record<string, any>;
    if (given.address) person.address = { ...person.address, ...defined(given.address) };
    if (given.dob === null) person.dob = { day: null, month: null, year: null };
    else if (given.dob) person.dob = { ...person.dob, ...defined(given.dob) };
    for (const key of ['email', 'first_name', 'last_name', 'maiden_name', 'phone'] as const) {
      if (given[key] !== undefined) person[key] = given[key];
    }
    if (given.metadata !== undefined) person.metadata = mergeMetadata(person.metadata ?? {}, given.metadata);
    if (given.id_number !== undefined) {
      person.id_number_provided = true;
      identityChecks(store).set(account.id, given.id_number === VERIFYING_ID_NUMBER);
    }
    if (given.ssn_last_4 !== undefined) {
      person.ssn_last_4_provided = true;
      if (!person.id_number_provided) identityChecks(store).set(account.id, given.ssn_last_4 === VERIFYING_SSN_LAST_4);
    }
    mutable.individual = person;
  }
  if (input.company) {
    const { tax_id, address: companyAddress, ...rest } = input.company;
    const company = {
      address: { ...EMPTY_ADDRESS },
      directors_provided: false,
      executives_provided: false,
      name: null,
      owners_provided: false,
      phone: null,
      tax_id_provided: false,
      verification: { document: { back: null, details: null, details_code: null, front: null } },
      ...(mutable.company ?? {}),
    };
    if (companyAddress) company.address = { ...company.address, ...defined(companyAddress) };
    Object.assign(company, defined(rest));
    if (tax_id !== undefined) company.tax_id_provided = true;
    mutable.company = company;
  }
  if (input.tos_acceptance) mutable.tos_acceptance = { ...mutable.tos_acceptance, ...defined(input.tos_acceptance) };
  const issuingTerms = input.settings?.card_issuing?.tos_acceptance;
  if (issuingTerms) {
    const settings = mutable.settings ?? {};
    const terms = { ...(settings.card_issuing?.tos_acceptance ?? {}), ...defined(issuingTerms) };
    // Optional, not nullable, in Stripe's schema: '' removes it.
    if (terms.user_agent === null) delete terms.user_agent;
    settings.card_issuing = { tos_acceptance: terms };
    mutable.settings = settings;
  }
  /* eslint-enable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-assignment */
  return refreshRequirements(store, account, nowMs);
}
