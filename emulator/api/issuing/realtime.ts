// Real-time authorizations (docs.stripe.com/issuing/controls/real-time-authorizations): before
// approving, Stripe sends `issuing_authorization.request` to the platform's webhook endpoint and
// honours an HTTP 200 JSON `{approved, amount?, metadata?}` received within 2 seconds; no answer
// in time -> `webhook_timeout`, anything else -> `webhook_error`. Without an endpoint listening
// for that event Stripe approves without asking.
//
// Delivery (signing, finding the endpoints) belongs to the webhooks module; it plugs in here with
// `setAuthorizationRequestSender(store, sender)`. This module owns the 2-second rule and how the
// answer is read.
import type Stripe from 'stripe';
import type { EmulatorStore } from '../store.ts';

export const REALTIME_TIMEOUT_MS = 2_000;

export interface AuthorizationRequest {
  /** The account the authorization belongs to (a connected account, or the platform). */
  account: string;
  authorization: Stripe.Issuing.Authorization;
  /** Aborted when the 2 seconds are up. */
  signal: AbortSignal;
}

/**
 * Sends the request event; resolves `undefined` when no endpoint listens for
 * `issuing_authorization.request`, otherwise the endpoint's HTTP answer. Rejects on network errors.
 */
export type AuthorizationRequestSender = (request: AuthorizationRequest) => Promise<{ status: number; body: string } | undefined>;

const SENDER_KEY = 'issuing.authorizationRequestSender';

function slot(store: EmulatorStore): { sender?: AuthorizationRequestSender; timeoutMs?: number } {
  return store.global(SENDER_KEY, () => ({}));
}

/** `timeoutMs` overrides Stripe's 2 seconds (tests of the timeout). */
export function setAuthorizationRequestSender(store: EmulatorStore, sender: AuthorizationRequestSender | undefined, timeoutMs?: number): void {
  slot(store).sender = sender;
  slot(store).timeoutMs = timeoutMs;
}

export type RealtimeOutcome =
  | { kind: 'no_endpoint' }
  | { kind: 'approved'; amount?: number; metadata?: Record<string, string> }
  | { kind: 'declined'; metadata?: Record<string, string> }
  | { kind: 'timeout' }
  | { kind: 'error'; message: string };

function readAnswer(status: number, body: string): RealtimeOutcome {
  if (status < 200 || status >= 300) return { kind: 'error', message: `The webhook endpoint answered HTTP ${status}.` };
  let parsed: unknown;
  try {
    parsed = JSON.parse(body);
  } catch {
    return { kind: 'error', message: 'The webhook response body is not valid JSON.' };
  }
  const answer = parsed as { approved?: unknown; amount?: unknown; metadata?: unknown } | null;
  if (typeof answer !== 'object' || answer === null || typeof answer.approved !== 'boolean') {
    return { kind: 'error', message: 'The webhook response is missing the required boolean `approved`.' };
  }
  if (answer.amount !== undefined && !(Number.isInteger(answer.amount) && (answer.amount as number) > 0)) {
    return { kind: 'error', message: 'The webhook response `amount` must be a positive integer.' };
  }
  const metadata =
    typeof answer.metadata === 'object' && answer.metadata !== null
      ? Object.fromEntries(Object.entries(answer.metadata as Record<string, unknown>).map(([k, v]) => [k, String(v)]))
      : undefined;
  return answer.approved
    ? { kind: 'approved', amount: answer.amount as number | undefined, metadata }
    : { kind: 'declined', metadata };
}

/** Asks the platform, waiting at most REALTIME_TIMEOUT_MS (or the configured override). */
export async function askPlatform(
  store: EmulatorStore,
  account: string,
  authorization: Stripe.Issuing.Authorization,
): Promise<RealtimeOutcome> {
  const { sender, timeoutMs = REALTIME_TIMEOUT_MS } = slot(store);
  if (!sender) return { kind: 'no_endpoint' };
  const controller = new AbortController();
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, timeoutMs);
  });
  try {
    const result = await Promise.race([sender({ account, authorization, signal: controller.signal }), timeout]);
    if (result === 'timeout') return { kind: 'timeout' };
    if (result === undefined) return { kind: 'no_endpoint' };
    return readAnswer(result.status, result.body);
  } catch (error) {
    if (controller.signal.aborted) return { kind: 'timeout' };
    return { kind: 'error', message: `The webhook endpoint could not be reached (${error instanceof Error ? error.message : String(error)}).` };
  } finally {
    clearTimeout(timer);
  }
}
