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
// - 403 without a code from a restricted key (rk_…) that lacks a permission: "If a restricted API
//   key doesn't have the correct permissions to complete an API request, Stripe returns a
//   permission error" (https://docs.stripe.com/keys/restricted-api-keys). Its message, as
//   stripe/stripe-node#2246 shows it: "The provided key 'rk_test_***…' does not have the required
//   permissions for this endpoint on account 'acct_…'. Having the 'rak_accounts_kyc_id_numbers_read'
//   permission would allow this request to continue." (type invalid_request_error, code undefined);
//   variants end "This is a restricted API key, but the required permissions are not available for
//   use by restricted keys." (invertase/stripe-firebase-extensions#314), or say "You passed a
//   restricted API key with the Stripe-Account header, but the restricted API key does not have
//   any Connect permissions." (stripe/stripe-mirakl-connector#33). Any other 403 is a feature
//   Stripe has not enabled for the platform (Issuing Elements on connected accounts, whose refusal
//   Stripe documents by its status only: https://docs.stripe.com/issuing/elements).
// - Idempotency (https://docs.stripe.com/api/idempotent_requests, /error-codes): a key reused with
//   other parameters (or another endpoint) is a 400 `idempotency_error` ("Keys for idempotent
//   requests can only be used with the same parameters they were first used with…", stripe-ruby#503);
//   a retry while the first request still runs is a 409 `idempotency_key_in_use`.
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
  /** The platform may not do this (a 403 other than account_invalid and a restricted key's missing permission): a feature Stripe has not enabled. */
  | 'not_permitted'
  /** The app's restricted key (rk_…) lacks a permission the request needs (403 without a code, Stripe's message says so). */
  | 'key_lacks_permission'
  /** A card payment was declined (402 card_error). */
  | 'card_declined'
  /** Another request with the same Idempotency-Key is still running (409 `idempotency_key_in_use`). */
  | 'idempotency'
  /** The Idempotency-Key was used before with other parameters or another endpoint (400 idempotency_error). */
  | 'idempotency_mismatch'
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
  /** For `key_lacks_permission`: the permission Stripe names (`rak_issuing_card_write`), when it names one. */
  permission?: string;
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

/** Stripe's words for a restricted key's missing permission (the header comment quotes them). */
const RESTRICTED_KEY_REFUSAL = /does not have the required permissions|restricted API key/i;
/** The permission Stripe names ("Having the 'rak_…' permission would allow this request to continue"). */
const NAMED_PERMISSION = /Having the ['‘](rak_[a-z0-9_]{1,80})['’] permission/;

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
  // 409 first: whatever its type, it is a request still running with the same key.
  if (status === 409) return 'idempotency';
  if (e instanceof Stripe.errors.StripeIdempotencyError || e.type === 'StripeIdempotencyError')
    return 'idempotency_mismatch';
  if (e instanceof Stripe.errors.StripeAuthenticationError || status === 401) return 'authentication';
  if (status === 403) {
    if (e.code === 'account_invalid') return 'account_inaccessible';
    return RESTRICTED_KEY_REFUSAL.test(e.message) ? 'key_lacks_permission' : 'not_permitted';
  }
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
  if (failure.kind === 'key_lacks_permission') {
    const permission = NAMED_PERMISSION.exec(error.message)?.[1];
    if (permission) failure.permission = permission;
  }
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
 * What an operator needs to hear when the app's restricted key lacks a permission: which one, when
 * Stripe names it, and where to grant it. Never the key (Stripe's message quotes part of it) nor
 * the account.
 */
function keyPermissionMessage(failure: StripeFailure): string {
  const lead = "Stripe refused this because the app's Stripe API key (a restricted key) lacks a permission";
  const fix =
    "An administrator must grant it to the app's key at https://dashboard.stripe.com/apikeys (or configure the app with a key that has it).";
  if (failure.permission) return `${lead}: ${failure.permission}. ${fix}`;
  if (/not available for use by restricted keys/i.test(failure.message))
    return "Stripe refused this because the app's Stripe API key is a restricted key, and Stripe does not let restricted keys make this request. Configure the app with a secret key (sk_…).";
  if (/does not have any Connect permissions/i.test(failure.message))
    return `${lead}: it has no Connect permissions, which every request on a connected account needs. ${fix}`;
  return `${lead} this request needs. ${fix}`;
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
    case 'key_lacks_permission':
      return {
        status: 502,
        body: { error: { code: 'stripe_key_lacks_permission', message: keyPermissionMessage(failure) } },
      };
    case 'idempotency':
      return {
        status: 409,
        body: {
          error: { code: 'duplicate_request', message: 'This request is already being processed. Reload in a moment.' },
        },
      };
    case 'idempotency_mismatch':
      return {
        status: 409,
        body: {
          error: {
            code: 'idempotency_key_reused',
            message:
              'Stripe did not carry out this request: it reused an idempotency key that an earlier request used with different parameters. Nothing was changed by it; reload and make the change again.',
          },
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
