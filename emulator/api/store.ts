// The emulator's state, in memory. Data is kept per account (the platform and each connected
// account see only their own Issuing objects, as on Stripe); credentials that cut across accounts
// (account sessions, nonces, ephemeral keys, Connect tokens, idempotency records) live at the top.
//
// Records are plain JSON-compatible objects so that a persistence layer can snapshot and restore
// them; card secrets (number, CVC, PIN) are kept apart from the card objects so that dumping the
// objects never leaks them.

import type Stripe from 'stripe';

export interface Clock {
  /** Milliseconds since the epoch. */
  now(): number;
}

export const systemClock: Clock = { now: () => Date.now() };

/** A clock tests can move forward (expiry of sessions, nonces and keys). */
export function manualClock(startMs = Date.now()): Clock & { advance(ms: number): void; set(ms: number): void } {
  let t = startMs;
  return {
    now: () => t,
    advance: (ms) => {
      t += ms;
    },
    set: (ms) => {
      t = ms;
    },
  };
}

/**
 * An insertion-ordered collection; lists are newest first, as Stripe lists are. The Map's own
 * insertion order is the collection's order, so listing needs no sort.
 */
export class Collection<T extends { id: string }> {
  readonly #entries = new Map<string, T>();

  /** Stores a value as the newest (re-inserting an id moves it to the front of lists). */
  insert(value: T): T {
    this.#entries.delete(value.id);
    this.#entries.set(value.id, value);
    return value;
  }

  /** Replaces a stored value, keeping its place in the order. */
  replace(value: T): T {
    if (!this.#entries.has(value.id)) return this.insert(value);
    this.#entries.set(value.id, value);
    return value;
  }

  get(id: string): T | undefined {
    return this.#entries.get(id);
  }

  has(id: string): boolean {
    return this.#entries.has(id);
  }

  delete(id: string): boolean {
    return this.#entries.delete(id);
  }

  get size(): number {
    return this.#entries.size;
  }

  /** Newest first. */
  list(): T[] {
    return [...this.#entries.values()].reverse();
  }
}

/** A stored Issuing card: the Stripe object with the cardholder kept as an id (rendered on read). */
export type StoredCard = Omit<Stripe.Issuing.Card, 'cardholder' | 'number' | 'cvc'> & { cardholder: string };

export interface CardSecrets {
  number: string;
  cvc: string;
  /** Test mode default PIN is "0000" (docs.stripe.com/issuing/cards/pin-management). */
  pin: string;
}

/** The objects of one account (the platform or a connected account). */
export class AccountData {
  readonly accountId: string;
  readonly #collections = new Map<string, Collection<{ id: string }>>();
  /** Card number, CVC and PIN by card id; never part of a stored object. */
  readonly cardSecrets = new Map<string, CardSecrets>();

  constructor(accountId: string) {
    this.accountId = accountId;
  }

  /** A named collection; resources added later call this with their object name. */
  collection<T extends { id: string }>(objectName: string): Collection<T> {
    let c = this.#collections.get(objectName);
    if (!c) {
      c = new Collection();
      this.#collections.set(objectName, c);
    }
    return c as unknown as Collection<T>;
  }

  /** The names of the collections this account has (persistence saves each of them). */
  collectionNames(): string[] {
    return [...this.#collections.keys()];
  }

  get cardholders(): Collection<Stripe.Issuing.Cardholder> {
    return this.collection<Stripe.Issuing.Cardholder>('issuing.cardholder');
  }

  get cards(): Collection<StoredCard> {
    return this.collection<StoredCard>('issuing.card');
  }
}

/** Features are booleans, or lists of app ids (`allowed_apps` of the preview app components). */
export type ComponentsConfig = Record<string, { enabled: boolean; features: Record<string, boolean | string[]> }>;

export interface AccountSessionRecord {
  clientSecret: string;
  account: string;
  components: ComponentsConfig;
  created: number;
  expiresAt: number;
  claimed: boolean;
}

export interface ConnectTokenRecord {
  token: string;
  account: string;
  components: ComponentsConfig;
  expiresAt: number;
  revoked: boolean;
}

export interface NonceRecord {
  nonce: string;
  account: string;
  card: string;
  created: number;
  expiresAt: number;
  used: boolean;
}

export interface EphemeralKeyRecord {
  id: string;
  secret: string;
  account: string;
  associatedObjects: Array<{ id: string; type: string }>;
  created: number;
  expires: number;
  deleted: boolean;
}

export interface IdempotencyRecord {
  fingerprint: string;
  endpoint: string;
  createdAt: number;
  /** Undefined while the first request is still being handled. */
  response?: { statusCode: number; body: string; headers: Record<string, string> };
}

export const PLATFORM_ACCOUNT_ID = 'acct_1EmulatorPlatfrm';

export class EmulatorStore {
  readonly platformAccountId: string;
  readonly #accountData = new Map<string, AccountData>();
  /** Connected accounts (the platform's own account object is `platformAccount`). */
  readonly accounts: Collection<Stripe.Account>;
  platformAccount: Stripe.Account | undefined;
  readonly accountSessions = new Map<string, AccountSessionRecord>();
  readonly connectTokens = new Map<string, ConnectTokenRecord>();
  readonly nonces = new Map<string, NonceRecord>();
  readonly ephemeralKeys = new Map<string, EphemeralKeyRecord>();
  readonly ephemeralKeysBySecret = new Map<string, EphemeralKeyRecord>();
  readonly idempotency = new Map<string, IdempotencyRecord>();
  /**
   * Platform features Stripe enables on request, as the emulator plays them: connected accounts
   * (ids, or `*` for all) on which Issuing Elements are not enabled, so their ephemeral keys are
   * refused (resources/ephemeral-keys.ts; EMULATOR_ISSUING_ELEMENTS_DISABLED).
   */
  readonly issuingElementsDisabled = new Set<string>();
  /** Cross-account state for resources added later (webhook endpoints, events, ...). */
  readonly #globals = new Map<string, unknown>();

  constructor(options: { platformAccountId?: string } = {}) {
    this.platformAccountId = options.platformAccountId ?? PLATFORM_ACCOUNT_ID;
    this.accounts = new Collection();
  }

  /** Does this id name the platform or one of its connected accounts? */
  hasAccount(id: string): boolean {
    return id === this.platformAccountId || this.accounts.has(id);
  }

  accountData(accountId: string): AccountData {
    let data = this.#accountData.get(accountId);
    if (!data) {
      data = new AccountData(accountId);
      this.#accountData.set(accountId, data);
    }
    return data;
  }

  global<T>(name: string, create: () => T): T {
    if (!this.#globals.has(name)) this.#globals.set(name, create());
    return this.#globals.get(name) as T;
  }

  /** The names of the globals made so far (persistence saves those whose value is plain data). */
  globalNames(): string[] {
    return [...this.#globals.keys()];
  }
}
