// Who is calling, and on which account.
//
// Stripe accepts the key as a Bearer token or as the user of HTTP basic auth. Secret keys may
// call everything; publishable keys only the few browser endpoints; an ephemeral key secret only
// reads its own object; the emulator's Connect session token (emcs_…) stands in for Stripe's
// internal session auth of embedded components (see docs/architecture.md).

import { StripeApiError, redactKey } from './errors.ts';
import type { ConnectTokenRecord, EmulatorStore, EphemeralKeyRecord } from './store.ts';

export type Principal =
  | { kind: 'secret'; key: string }
  | { kind: 'publishable'; key: string }
  | { kind: 'ephemeral'; key: string; record: EphemeralKeyRecord }
  | { kind: 'connect'; key: string; record: ConnectTokenRecord };

const NO_KEY_MESSAGE =
  "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY'). See https://stripe.com/docs/api#authentication for details, or we can help at https://support.stripe.com/.";

function authError(message: string): StripeApiError {
  return new StripeApiError(401, message, {
    idempotent: false,
    headers: { 'www-authenticate': 'Basic realm="Stripe"' },
  });
}

export function invalidKey(key: string): StripeApiError {
  return authError(`Invalid API Key provided: ${redactKey(key)}`);
}

/** The key from `Authorization: Bearer <key>` or `Authorization: Basic base64(<key>:)`. */
export function extractKey(authorization: string | undefined): string | undefined {
  if (!authorization) return undefined;
  const [scheme, value = ''] = authorization.trim().split(/\s+/, 2);
  if (/^bearer$/i.test(scheme ?? '')) return value;
  if (/^basic$/i.test(scheme ?? '')) {
    const decoded = Buffer.from(value, 'base64').toString('utf8');
    return decoded.split(':')[0] ?? '';
  }
  return authorization.trim();
}

const KEY_BODY = /^[A-Za-z0-9_]+$/;

export function authenticate(store: EmulatorStore, nowMs: number, authorization: string | undefined): Principal {
  const key = extractKey(authorization);
  if (key === undefined || key === '') throw authError(NO_KEY_MESSAGE);

  const sk = /^sk_test_(.+)$/.exec(key);
  if (sk && KEY_BODY.test(sk[1] ?? '')) return { kind: 'secret', key };
  const pk = /^pk_test_(.+)$/.exec(key);
  if (pk && KEY_BODY.test(pk[1] ?? '')) return { kind: 'publishable', key };

  if (key.startsWith('ek_test_')) {
    const record = store.ephemeralKeysBySecret.get(key);
    if (!record || record.deleted || record.expires * 1000 <= nowMs) throw invalidKey(key);
    return { kind: 'ephemeral', key, record };
  }
  if (key.startsWith('emcs_')) {
    const record = store.connectTokens.get(key);
    if (!record || record.revoked || record.expiresAt * 1000 <= nowMs) {
      throw authError('Invalid Connect session token: it has expired or was revoked. Claim a new account session.');
    }
    return { kind: 'connect', key, record };
  }
  // Live keys, restricted keys and anything malformed: the emulator is test mode only.
  throw invalidKey(key);
}

/**
 * The account a request names, from `Stripe-Context` or `Stripe-Account` (empty counts as absent).
 *
 * "The Stripe-Context header supersedes the Stripe-Account header, which facilitates performing API
 * operations on connected accounts" (https://docs.stripe.com/context); for a connected account of
 * the platform its format is the "Connected account ID: acct_…", the same value. Longer paths
 * (`acct_…/acct_…`, organisation keys, v2 recipients) name accounts the emulator does not hold, so
 * they are refused as unknown accounts by resolveAccount.
 *
 * Both headers at once: Stripe's page does not say. stripe-node refuses to send both from one
 * request's options ("Can't specify both stripeAccount and stripeContext.", esm/utils.js) and its
 * changelog (v19) warns "The server may reject a request with both of these headers, so if you're
 * sending both, remove any reference to stripeAccount (since the headers are identical, but
 * context is preferred)". The emulator takes the strict reading: both headers, whatever their
 * values, are a 400 naming them (docs/decisions/159), so code that passes here cannot depend on
 * Stripe accepting the pair.
 */
export function requestedAccount(
  stripeAccount: string | undefined,
  stripeContext: string | undefined,
): string | undefined {
  const account = stripeAccount?.trim() || undefined;
  const context = stripeContext?.trim() || undefined;
  if (account !== undefined && context !== undefined) {
    throw new StripeApiError(
      400,
      'You cannot send both the Stripe-Account and the Stripe-Context header: Stripe-Context supersedes Stripe-Account (https://docs.stripe.com/context). Send only Stripe-Context.',
      { idempotent: false },
    );
  }
  return context ?? account;
}

/**
 * The account a request acts on. Secret and publishable keys act on the platform unless
 * `Stripe-Context` or `Stripe-Account` names a connected account; ephemeral keys and Connect
 * tokens are bound to the account they were created for.
 */
export function resolveAccount(store: EmulatorStore, principal: Principal, stripeAccount: string | undefined): string {
  const requested = stripeAccount?.trim() || undefined;
  const noAccess = (account: string): StripeApiError =>
    new StripeApiError(
      403,
      `The provided key '${redactKey(principal.key)}' does not have access to account '${account}' (or that account does not exist). Application access may have been revoked.`,
      { code: 'account_invalid', idempotent: false },
    );
  switch (principal.kind) {
    case 'secret':
    case 'publishable':
      if (requested === undefined) return store.platformAccountId;
      if (!store.hasAccount(requested)) throw noAccess(requested);
      return requested;
    case 'ephemeral':
      if (requested !== undefined && requested !== principal.record.account) throw noAccess(requested);
      return principal.record.account;
    case 'connect':
      if (requested !== undefined && requested !== principal.record.account) throw noAccess(requested);
      return principal.record.account;
  }
}

export function publishableKeyRefused(): StripeApiError {
  return authError(
    'This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.',
  );
}

export function ephemeralKeyRefused(): StripeApiError {
  return new StripeApiError(403, 'The provided ephemeral key does not have access to this resource.', {
    idempotent: false,
  });
}

export function connectRefused(detail: string): StripeApiError {
  return new StripeApiError(403, `This Connect embedded component session cannot make this request: ${detail}`, {
    idempotent: false,
  });
}

/** Features of the session's enabled Issuing components (issuing_card and issuing_cards_list). */
export function connectHasFeature(record: ConnectTokenRecord, feature: string): boolean {
  return ['issuing_card', 'issuing_cards_list'].some((name) => {
    const component = record.components[name];
    return component?.enabled === true && component.features[feature] === true;
  });
}

export function connectHasIssuingComponent(record: ConnectTokenRecord): boolean {
  return ['issuing_card', 'issuing_cards_list'].some((name) => record.components[name]?.enabled === true);
}
