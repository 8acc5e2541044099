// Idempotent requests (docs.stripe.com/api/idempotent_requests): the first result of a POST with
// an `Idempotency-Key` is saved, once the endpoint starts executing, and replayed for a retry with
// the same parameters; "The idempotency layer compares incoming parameters to those of the
// original request and errors if they're not the same": a 400 `idempotency_error` (the error type
// "when an Idempotency-Key is re-used on a request that does not match the first request's API
// endpoint and parameters", docs.stripe.com/api/errors; Stripe's wording as stripe/stripe-ruby#503
// quotes it). A retry "that conflicts with another request that's executing concurrently" saves
// nothing and may be retried: a 409 with code `idempotency_key_in_use`
// (docs.stripe.com/error-codes#idempotency-key-in-use). Keys are kept 24 hours.
import { StripeApiError } from './errors.ts';
import type { EmulatorStore, IdempotencyRecord } from './store.ts';

export const IDEMPOTENCY_TTL_MS = 24 * 60 * 60 * 1000;
const MAX_KEY_LENGTH = 255;

/** A stable fingerprint of the parameters: key order does not matter, values do. */
export function fingerprint(params: unknown): string {
  const canonical = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(canonical);
    if (typeof value === 'object' && value !== null) {
      return Object.fromEntries(
        Object.keys(value)
          .sort()
          .map((k) => [k, canonical((value as Record<string, unknown>)[k])]),
      );
    }
    return value;
  };
  return JSON.stringify(canonical(params ?? {}));
}

/**
 * What a key is kept apart by: the calling key and the account acted on (keys belong to an account
 * on Stripe), and the endpoint it was first used on. The router and the `slow` fault use it.
 */
export function idempotencyScope(principalKey: string, account: string): string {
  return `${principalKey}\u0000${account}`;
}

export function idempotencyEndpoint(method: string, path: string): string {
  return `${method} ${path}`;
}

export type IdempotencyDecision =
  | { kind: 'new'; record: IdempotencyRecord; scopeKey: string }
  | { kind: 'replay'; response: NonNullable<IdempotencyRecord['response']> };

/**
 * Looks up a key. Keys are scoped to the calling key and the account acted on, as on Stripe where
 * keys belong to an account.
 */
export function beginIdempotent(
  store: EmulatorStore,
  nowMs: number,
  scope: string,
  key: string,
  endpoint: string,
  params: unknown,
): IdempotencyDecision {
  if (key.length > MAX_KEY_LENGTH) {
    throw new StripeApiError(400, `Invalid Idempotency-Key: must be at most ${MAX_KEY_LENGTH} characters long.`, {
      idempotent: false,
    });
  }
  const scopeKey = `${scope}\u0000${key}`;
  const print = fingerprint(params);
  const existing = store.idempotency.get(scopeKey);
  if (existing && nowMs - existing.createdAt < IDEMPOTENCY_TTL_MS) {
    if (existing.endpoint !== endpoint) {
      throw new StripeApiError(
        400,
        `Keys for idempotent requests can only be used for the same endpoint they were first used for ('${existing.endpoint}' vs '${endpoint}'). Try using a key other than '${key}' if you meant to execute a different request.`,
        { type: 'idempotency_error', idempotent: false },
      );
    }
    if (existing.fingerprint !== print) {
      throw new StripeApiError(
        400,
        `Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '${key}' if you meant to execute a different request.`,
        { type: 'idempotency_error', idempotent: false },
      );
    }
    if (!existing.response) {
      throw new StripeApiError(
        409,
        'There is currently another in-progress request using this Stripe token (probably the idempotency key you provided). Please retry in a few seconds.',
        { code: 'idempotency_key_in_use', idempotent: false, headers: { 'stripe-should-retry': 'true' } },
      );
    }
    return { kind: 'replay', response: existing.response };
  }
  pruneExpired(store, nowMs);
  const record: IdempotencyRecord = { fingerprint: print, endpoint, createdAt: nowMs };
  store.idempotency.set(scopeKey, record);
  return { kind: 'new', record, scopeKey };
}

/**
 * Takes a key as a request that has started executing does, without saving a result: until
 * `release()`, a request with the same key meets the 409 (same parameters) or the 400 (others).
 * Used by the `slow` fault (./faults.ts) so that a concurrent retry really overlaps a running
 * request. The hold starts the request: a key another request holds, or used with other
 * parameters, throws as for any request; a key already answered is left for the replay.
 */
export function holdIdempotent(
  store: EmulatorStore,
  nowMs: number,
  scope: string,
  key: string,
  endpoint: string,
  params: unknown,
): () => void {
  const decision = beginIdempotent(store, nowMs, scope, key, endpoint, params);
  if (decision.kind !== 'new') return () => {};
  return () => {
    if (store.idempotency.get(decision.scopeKey) === decision.record) store.idempotency.delete(decision.scopeKey);
  };
}

// stripe-node sends a key with every POST, so the map grows with traffic; sweep at most once a minute.
const lastSweep = new WeakMap<EmulatorStore, number>();

function pruneExpired(store: EmulatorStore, nowMs: number): void {
  if (nowMs - (lastSweep.get(store) ?? 0) < 60_000) return;
  lastSweep.set(store, nowMs);
  for (const [k, record] of store.idempotency) {
    if (nowMs - record.createdAt >= IDEMPOTENCY_TTL_MS) store.idempotency.delete(k);
  }
}
