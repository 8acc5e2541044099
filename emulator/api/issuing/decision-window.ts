// The real-time decision window, open while Stripe waits for the platform's answer to
// `issuing_authorization.request` (at most 2 seconds). Besides answering the webhook directly,
// code written for the older flow decides by calling the deprecated
// `POST /v1/issuing/authorizations/:id/approve|decline` within that window: "[Deprecated]
// Approves a pending Issuing Authorization object. This request should be made within the timeout
// window of the real-time authorization flow. This method is deprecated. Instead, respond directly
// to the webhook request to approve an authorization"
// (https://docs.stripe.com/api/issuing/authorizations/approve; stripe-node
// `issuing.authorizations.approve|decline`, marked @deprecated; spec 2026-07-29 `deprecated: true`).
//
// Kept in memory, beside the store (a window lives for one request; nothing to persist).
import type { EmulatorStore } from '../store.ts';
import type { RealtimeOutcome } from './realtime.ts';

interface Window {
  decide(outcome: RealtimeOutcome): void;
  /** Resolves with the rendered authorization once it is decided and saved. */
  decided: Promise<unknown>;
}

const windows = new WeakMap<EmulatorStore, Map<string, Window>>();

function open(store: EmulatorStore): Map<string, Window> {
  let map = windows.get(store);
  if (!map) windows.set(store, (map = new Map<string, Window>()));
  return map;
}

const keyOf = (account: string, authorization: string) => `${account}\u0000${authorization}`;

/**
 * Opens the window for an authorization while `ask` (the webhook round trip) runs; resolves with
 * whichever decides first, the webhook's answer or an approve/decline call. `finish` saves the
 * decided authorization and returns what approve/decline answer with.
 */
export async function withDecisionWindow<T>(
  store: EmulatorStore,
  account: string,
  authorization: string,
  ask: Promise<RealtimeOutcome>,
  finish: (outcome: RealtimeOutcome) => T,
): Promise<T> {
  let decide!: (outcome: RealtimeOutcome) => void;
  const byApi = new Promise<RealtimeOutcome>((resolve) => (decide = resolve));
  let saved!: (value: unknown) => void;
  const decided = new Promise<unknown>((resolve) => (saved = resolve));
  const key = keyOf(account, authorization);
  open(store).set(key, { decide, decided });
  try {
    const outcome = await Promise.race([ask, byApi]);
    open(store).delete(key);
    const result = finish(outcome);
    saved(result);
    return result;
  } finally {
    open(store).delete(key);
  }
}

/** Decides a pending request by API; undefined when no request of that id is waiting. */
export function decideByApi(
  store: EmulatorStore,
  account: string,
  authorization: string,
  outcome: RealtimeOutcome,
): Promise<unknown> | undefined {
  const window = open(store).get(keyOf(account, authorization));
  if (!window) return undefined;
  open(store).delete(keyOf(account, authorization));
  window.decide(outcome);
  return window.decided;
}
