// What Stripe's errors mean to the dashboard, in one place. Routes used to decide for themselves
// what a 403 or a 404 from Stripe meant (not found, not on this account, or an outage); now they
// ask this module, and the error handler uses it for whatever a route left unhandled.
//
// Stripe's error model (https://docs.stripe.com/api/errors, https://docs.stripe.com/error-handling):
// - `type`: api_error (Stripe's side), card_error (a decline, 402), idempotency_error,
//   invalid_request_error (the request was wrong: 400 with `param`, 404 `resource_missing`),
//   and in stripe-node's classes also authentication (401), permission (403), rate limit (429),
//   connection (no answer) errors (stripe-node src/Error.ts).
// - 403 with `code: account_invalid`: "The provided key … does not have access to account …"
//   (the connected account is unknown or disconnected) - for the dashboard: not on this account.
// - 429 (or, before API 2015-09-18, 400) with `code: rate_limit`; 429 `lock_timeout` when another
//   request holds the object (https://docs.stripe.com/rate-limits, ../../docs/decisions/011).
// - `Stripe-Should-Retry` response header: Stripe's own word on whether the same request may
//   succeed if repeated; stripe-node honours it before anything else (src/RequestSender.ts
//   `_shouldRetry`). When Stripe says "true" the failure is temporary (503, try again); "false"
//   means repeating is pointless.
// - A connected account without an active `card_payments` capability cannot take a payment:
//   "You cannot create a charge on a connected account without the `card_payments` capability
//   enabled." (quoted in https://github.com/Subscribie/subscribie/issues/408).
import Stripe from 'stripe';
import type { ErrorBody } from '../../shared/api.ts';
import { STRIPE_UNREACHABLE } from '../../shared/mirror-api.ts';
import { HttpError } from '../errors.ts';

export type StripeErrorKind =
  /** The object is not on this account (404 `resource_missing`). */
  | 'not_found'
  /** The connected account is unknown to the platform, or no longer connected (403 `account_invalid`). */
  | 'account_inaccessible'
  /** Stripe refused a parameter of the request (400 invalid_request_error). */
  | 'invalid_request'
  /** A connected account lacks an active capability the request needs (e.g. `card_payments`). */
  | 'capability_inactive'
  /** The platform's key may not do this (403 permission_error other than account_invalid): a feature Stripe has not enabled. */
  | 'not_permitted'
  /** A card payment was declined (402 card_error). */
  | 'card_declined'
  /** The same Idempotency-Key with other parameters, or still in use (400 idempotency_error / 409). */
  | 'idempotency'
  /** Stripe is limiting the platform's requests (429 `rate_limit`, `lock_timeout`). */
  | 'rate_limited'
  /** The platform's key is wrong or revoked (401): a deployment problem, not the user's. */
  | 'authentication'
  /** No answer in time. */
  | 'timeout'
  /** Stripe failed or could not be reached (5xx, dropped connection, an unusable answer). */
  | 'unavailable';

export interface StripeFailure {
  kind: StripeErrorKind;
  /** Stripe's HTTP status, when it answered. */
  status?: number;
  /** Stripe's error code (`resource_missing`, `account_invalid`, `rate_limit`, …). */
  code?: string;
  /** The parameter Stripe named, in the dashboard's dotted form (`spending_controls.spending_limits.0.amount`). */
  field?: string;
  /** Stripe's `Stripe-Should-Retry` header: true / false when sent. */
  shouldRetry?: boolean;
  /** Stripe's message: for the log, and for 4xx answers where it describes the user's input. */
  message: string;
}

function header(error: Stripe.errors.StripeError, name: string): string | undefined {
  const headers = (error.headers ?? {}) as Record<string, string | string[] | undefined>;
  const value = headers[name] ?? headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** `spending_controls[spending_limits][0][amount]` → `spending_controls.spending_limits.0.amount`. */
export function dottedParam(param: string | undefined): string | undefined {
  if (!param) return undefined;
  return param.replace(/\[/g, '.').replace(/\]/g, '');
}

function kindOf(e: Stripe.errors.StripeError): StripeErrorKind {
  const status = e.statusCode;
  if (e instanceof Stripe.errors.StripeCardError || e.type === 'StripeCardError') return 'card_declined';
  if (
    e instanceof Stripe.errors.StripeRateLimitError ||
    status === 429 ||
    e.code === 'rate_limit' ||
    e.code === 'lock_timeout'
  )
    return 'rate_limited';
  // Account creation over Stripe's limit comes as a 400 without a code (stripe/stripe-node#2223).
  if (status === 400 && /creating accounts too quickly/i.test(e.message)) return 'rate_limited';
  if (e instanceof Stripe.errors.StripeIdempotencyError || e.type === 'StripeIdempotencyError' || status === 409)
    return 'idempotency';
  if (e instanceof Stripe.errors.StripeAuthenticationError || status === 401) return 'authentication';
  if (status === 403) return e.code === 'account_invalid' ? 'account_inaccessible' : 'not_permitted';
  if (e instanceof Stripe.errors.StripeConnectionError || e.type === 'StripeConnectionError') {
    return /timed? ?out/i.test(e.message) ? 'timeout' : 'unavailable';
  }
  if (status === 404) return 'not_found';
  if (
    status === 400 &&
    (e instanceof Stripe.errors.StripeInvalidRequestError || e.type === 'StripeInvalidRequestError')
  ) {
    if (/`?card_payments`? capability/i.test(e.message) || e.code === 'capability_not_active')
      return 'capability_inactive';
    if (e.code === 'resource_missing') return 'not_found';
    return 'invalid_request';
  }
  return 'unavailable';
}

/** What a thrown value means, when it is a Stripe error; undefined for anything else. */
export function stripeFailure(error: unknown): StripeFailure | undefined {
  if (!(error instanceof Stripe.errors.StripeError)) return undefined;
  const shouldRetry = header(error, 'stripe-should-retry');
  const failure: StripeFailure = { kind: kindOf(error), message: error.message };
  if (error.statusCode !== undefined) failure.status = error.statusCode;
  if (error.code) failure.code = error.code;
  const field = dottedParam(error.param);
  if (field) failure.field = field;
  if (shouldRetry === 'true' || shouldRetry === 'false') failure.shouldRetry = shouldRetry === 'true';
  return failure;
}

/** The kind of a Stripe error, or undefined when the value is not one. */
export function stripeErrorKind(error: unknown): StripeErrorKind | undefined {
  return stripeFailure(error)?.kind;
}

/** Stripe says the object (or its whole account) is not there for this platform: for the dashboard, "not found". */
export function isNotOnAccount(error: unknown): boolean {
  const kind = stripeErrorKind(error);
  return kind === 'not_found' || kind === 'account_inaccessible';
}

/**
 * A refusal of the user's input as our 400 naming the field (Stripe's text: it describes the
 * parameter, never a secret of ours); undefined for anything that is not about the input.
 */
export function inputError(error: unknown, fallbackField?: string): HttpError | undefined {
  const failure = stripeFailure(error);
  if (!failure || (failure.kind !== 'invalid_request' && failure.kind !== 'not_found')) return undefined;
  if (failure.kind === 'not_found' && failure.field === undefined && fallbackField === undefined) return undefined;
  return new HttpError(
    400,
    failure.kind === 'not_found' ? 'not_found' : 'invalid_request',
    failure.message || 'Stripe refused this request.',
    failure.field ?? fallbackField,
  );
}

/** Stripe did not answer at all, or answered with a 5xx: it cannot be reached (decision 152). */
export function isStripeUnreachable(failure: StripeFailure | undefined): boolean {
  if (!failure) return false;
  return (
    failure.kind === 'timeout' ||
    (failure.kind === 'unavailable' && (failure.status === undefined || failure.status >= 500))
  );
}

/**
 * What the browser is told for a Stripe failure no route handled (the SDK has already retried
 * what may be retried). Never a 500, never Stripe's text for a 5xx (docs/decisions/011).
 * `changes`: the request asked to change something, or for a key (any method but GET/HEAD): when
 * Stripe cannot be reached it is refused with the one message that says so (503
 * `stripe_unreachable`, decision 152); a read keeps 502 `stripe_unavailable` / 504 `stripe_timeout`.
 */
export function stripeFailureResponse(
  failure: StripeFailure,
  context: { changes?: boolean } = {},
): { status: number; body: ErrorBody; retryAfter?: number } {
  if (context.changes && isStripeUnreachable(failure)) {
    return {
      status: 503,
      retryAfter: 60,
      body: { error: { code: STRIPE_UNREACHABLE.code, message: STRIPE_UNREACHABLE.message } },
    };
  }
  switch (failure.kind) {
    case 'rate_limited':
      return {
        status: 503,
        retryAfter: 5,
        body: {
          error: {
            code: 'stripe_rate_limited',
            message: 'Stripe is limiting requests right now. Try again in a few seconds.',
          },
        },
      };
    case 'timeout':
      return {
        status: 504,
        body: { error: { code: 'stripe_timeout', message: 'Stripe did not answer in time. Try again in a moment.' } },
      };
    case 'not_found':
    case 'account_inaccessible':
      return {
        status: 404,
        body: { error: { code: 'not_found', message: 'Stripe has no such object on this account.' } },
      };
    case 'capability_inactive':
      return {
        status: 409,
        body: {
          error: {
            code: 'capability_inactive',
            message: 'This connected account cannot do this yet: a capability it needs is not active on Stripe.',
          },
        },
      };
    case 'not_permitted':
      return {
        status: 502,
        body: {
          error: {
            code: 'stripe_not_permitted',
            message:
              'Stripe refused this for the platform: a Stripe feature it needs may not be enabled for this account. Contact Stripe.',
          },
        },
      };
    case 'idempotency':
      return {
        status: 409,
        body: {
          error: { code: 'duplicate_request', message: 'This request is already being processed. Reload in a moment.' },
        },
      };
    default:
      if (failure.shouldRetry === true) {
        return {
          status: 503,
          retryAfter: 2,
          body: {
            error: {
              code: 'stripe_retry',
              message: 'Stripe could not complete this right now. Try again in a moment.',
            },
          },
        };
      }
      return {
        status: 502,
        body: {
          error: { code: 'stripe_unavailable', message: 'Stripe did not answer as expected. Try again in a moment.' },
        },
      };
  }
}
