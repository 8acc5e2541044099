// Real-time authorizations (https://docs.stripe.com/issuing/controls/real-time-authorizations):
// before approving, Stripe sends `issuing_authorization.request` to the endpoint set in the
// platform's Issuing settings (./settings.ts) and honours the answer Stripe documents there:
// status 200, header `Stripe-Version` (required), `Content-Type` application/json ("the only
// content type accepted"), body `{approved, amount?, metadata?}` (`approved` a required Boolean;
// `amount` a positive integer), received within 2 seconds; no answer in time -> `webhook_timeout`,
// anything else -> `webhook_error` with the detail in `reason_message` (spec/node). Without an
// endpoint Stripe approves without asking.
//
// Delivery (signing, the endpoint) belongs to the webhooks module; it plugs in here with
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
export type AuthorizationRequestSender = (request: AuthorizationRequest) => Promise<AuthorizationAnswer | undefined>;

export interface AuthorizationAnswer {
  status: number;
  body: string;
  stripeVersion?: string;
  contentType?: string;
}

const SENDER_KEY = 'issuing.authorizationRequestSender';

function slot(store: EmulatorStore): { sender?: AuthorizationRequestSender; timeoutMs?: number } {
  return store.global(SENDER_KEY, () => ({}));
}

/** `timeoutMs` overrides Stripe's 2 seconds (tests of the timeout). */
export function setAuthorizationRequestSender(
  store: EmulatorStore,
  sender: AuthorizationRequestSender | undefined,
  timeoutMs?: number,
): void {
  slot(store).sender = sender;
  slot(store).timeoutMs = timeoutMs;
}

export type RealtimeOutcome =
  | { kind: 'no_endpoint' }
  | { kind: 'approved'; amount?: number; metadata?: Record<string, string> }
  | { kind: 'declined'; metadata?: Record<string, string> }
  | { kind: 'timeout' }
  | { kind: 'error'; message: string };

const VERSION_FORMAT = /^\d{4}-\d{2}-\d{2}(\.[a-z]+)?(\s*;\s*[a-z0-9_]+=v\d+)*$/;

function readAnswer({ status, body, stripeVersion, contentType }: AuthorizationAnswer): RealtimeOutcome {
  if (status !== 200)
    return {
      kind: 'error',
      message: `The webhook endpoint answered HTTP ${status}; Stripe reads an answer with status 200 only.`,
    };
  if (stripeVersion === undefined || !VERSION_FORMAT.test(stripeVersion.trim())) {
    return {
      kind: 'error',
      message:
        'The webhook response is missing the required Stripe-Version header (an API version such as 2026-10-28.endive).',
    };
  }
  if (contentType !== undefined && !/^application\/json\s*(;|$)/i.test(contentType)) {
    return {
      kind: 'error',
      message: `The webhook response must be application/json, not ${contentType.split(';')[0]}.`,
    };
  }
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
    return readAnswer(result);
  } catch (error) {
    if (controller.signal.aborted) return { kind: 'timeout' };
    return {
      kind: 'error',
      message: `The webhook endpoint could not be reached (${error instanceof Error ? error.message : String(error)}).`,
    };
  } finally {
    clearTimeout(timer);
  }
}
