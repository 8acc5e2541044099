// The information a platform gives Stripe about a connected account (on `POST /v1/accounts` and
// `POST /v1/accounts/:id`): who the account is (`business_type`, `individual` or `company`,
// `business_profile`), the Stripe services agreement (`tos_acceptance`) and the Issuing terms
// (`settings.card_issuing.tos_acceptance`). Applying it updates the Account object and then its
// capabilities and requirements (./account-requirements.ts).
//
// Parameter names and shapes follow the SDK's AccountCreateParams / AccountUpdateParams. Secrets
// stay out of the object, as on Stripe: an id number becomes `id_number_provided: true`, a tax id
// `tax_id_provided: true`; whether it was Stripe's verifying test value is kept aside. A bank
// account (`external_account`) becomes an external account with its last four digits only
// (./external-accounts.ts).
//
// Each capability also has its own object (`GET /v1/accounts/:id/capabilities/:capability`,
// https://docs.stripe.com/api/capabilities/object) whose `requirements` list what that capability
// alone still needs: `capabilityObject` below.
import type Stripe from 'stripe';
import { invalidParam } from './errors.ts';
import { newId, type RandomSource, cryptoRandom } from './ids.ts';
import { mergeMetadata, p } from './params.ts';
import {
  VERIFYING_ID_NUMBER,
  VERIFYING_SSN_LAST_4,
  evaluateRequirements,
  fieldsDue,
  noRequirements,
  personVerified,
  type CapabilityName,
  type ProvidedInfo,
} from './account-requirements.ts';
import { attachExternalAccount, hasExternalAccount } from './external-accounts.ts';
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
  /**
   * A bank account token or dictionary (as validated by the SDK's parameter spec): it becomes the
   * default external account of its currency, replacing the old default (Stripe's account update).
   */
  external_account?: unknown;
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

/** When each `account:capability` was requested (seconds since the epoch), for `requested_at`. */
function requestedAt(store: EmulatorStore): Map<string, number> {
  return store.global('accounts.capability_requested_at', () => new Map<string, number>());
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

/** What the account has provided, as the requirements read it. */
function providedInfo(store: EmulatorStore, account: Stripe.Account): ProvidedInfo {
  return {
    country: account.country ?? 'US',
    business_type: account.business_type ?? null,
    business_profile: account.business_profile ?? null,
    company: account.company ?? null,
    individual: account.individual ?? null,
    tos_acceptance: account.tos_acceptance ?? null,
    card_issuing_tos: account.settings?.card_issuing?.tos_acceptance ?? null,
    identity_verified: identityChecks(store).get(account.id) ?? null,
    external_account: hasExternalAccount(account),
  };
}

/** Recomputes capabilities, requirements and the *_enabled flags from what the account holds. */
export function refreshRequirements(store: EmulatorStore, account: Stripe.Account, nowMs: number): Stripe.Account {
  const requested = requestedCapabilities(account);
  const info = providedInfo(store, account);
  const outcome = evaluateRequirements(requested, info);
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
  // Charges and payouts follow the capabilities that carry them (docs.stripe.com/connect/account-capabilities);
  // payouts also need somewhere to go: "Enable payouts: external_account"
  // (docs.stripe.com/connect/required-verification-information).
  mutable.charges_enabled = outcome.capabilities.card_payments === 'active';
  mutable.payouts_enabled = outcome.capabilities.transfers === 'active' && info.external_account === true;
  mutable.details_submitted = requested.length > 0 && outcome.complete;
  if (account.individual) {
    const person = account.individual as unknown as Record<string, unknown>;
    const verified = personVerified(account.individual, info.identity_verified, info.country);
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
  // First, so that a bad bank account is refused before anything else changes (the store's
  // globals included).
  if (input.external_account === null) {
    // Stripe's type lets '' through; what it does is not documented: refused rather than guessed.
    throw invalidParam(
      'external_account cannot be unset here: delete the external account with DELETE /v1/accounts/:id/external_accounts/:id.',
      'external_account',
    );
  }
  if (input.external_account !== undefined) {
    attachExternalAccount(account, input.external_account, { replaceDefault: true }, random);
  }
  if (input.business_type !== undefined) mutable.business_type = input.business_type;
  if (input.business_profile)
    mutable.business_profile = { ...mutable.business_profile, ...defined(input.business_profile) };
  if (input.capabilities) {
    const capabilities = { ...(mutable.capabilities ?? {}) };
    for (const [name, request] of Object.entries(input.capabilities)) {
      const key = `${account.id}:${name}`;
      if (request?.requested === true) {
        capabilities[name] ??= 'inactive';
        if (!requestedAt(store).has(key)) requestedAt(store).set(key, now);
      } else if (request?.requested === false) {
        delete capabilities[name];
        requestedAt(store).delete(key);
      }
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

/**
 * The Capability object (https://docs.stripe.com/api/capabilities/object) of an account, as it is
 * now: its status as the account lists it (`unrequested` when not requested), and its own
 * `requirements`, what this capability alone still needs. The account's `requirements` are the
 * union over its requested capabilities, so `external_account` (card_payments') shows there while
 * card_issuing's own list is empty. `disabled_reason` takes the capability's values:
 * `requirements.fields_needed` while something is due, `pending.review` while Stripe reviews what
 * was provided (SDK `Capability.Requirements.DisabledReason`).
 */
export function capabilityObject(
  store: EmulatorStore,
  account: Stripe.Account,
  name: CapabilityName,
  nowMs: number,
): Stripe.Capability {
  const current = currentAccount(store, account, nowMs);
  const status = (current.capabilities as Record<string, string> | undefined)?.[name];
  const requested = status !== undefined;
  const { due, errors } = fieldsDue(name, providedInfo(store, current));
  const list = requested ? [...due].sort() : [];
  const disabledReason =
    status === 'pending'
      ? 'pending.review'
      : list.length > 0 && status !== 'active'
        ? 'requirements.fields_needed'
        : null;
  return {
    id: name,
    object: 'capability',
    account: current.id,
    future_requirements: noRequirements(),
    requested,
    requested_at: requested ? (requestedAt(store).get(`${current.id}:${name}`) ?? current.created ?? null) : null,
    requirements: {
      ...noRequirements(),
      currently_due: list,
      disabled_reason: disabledReason,
      errors: requested ? errors : [],
      eventually_due: list,
      past_due: list,
    },
    status: status ?? 'unrequested',
  };
}
