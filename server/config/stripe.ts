// Stripe: the keys (which decide the mode: both set is stripe mode, neither is the emulator),
// the webhook signing secrets, and how fast the deployment may call Stripe.
import type { Mode } from '../config.ts';
import { ConfigError, read, wholeNumber, type Env } from './read.ts';

interface StripeKeys {
  mode: Mode;
  secretKey: string | undefined;
  publishableKey: string | undefined;
  webhookSecret: string | undefined;
  authorizationWebhookSecret: string | undefined;
}

export function stripeKeysFrom(env: Env): StripeKeys {
  const secretKey = read(env, 'STRIPE_SECRET_KEY');
  const publishableKey = read(env, 'STRIPE_PUBLISHABLE_KEY');
  if ((secretKey === undefined) !== (publishableKey === undefined)) {
    const missing = secretKey === undefined ? 'STRIPE_SECRET_KEY' : 'STRIPE_PUBLISHABLE_KEY';
    throw new ConfigError(
      missing,
      'set both STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY (stripe mode) or neither (emulator mode)',
    );
  }
  if (secretKey !== undefined && !/^(sk|rk)_(test|live)_\w+$/.test(secretKey)) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'must be a Stripe secret or restricted key (sk_… / rk_…)');
  }
  if (publishableKey !== undefined && !/^pk_(test|live)_\w+$/.test(publishableKey)) {
    throw new ConfigError('STRIPE_PUBLISHABLE_KEY', 'must be a Stripe publishable key (pk_…)');
  }
  return {
    mode: secretKey === undefined ? 'emulator' : 'stripe',
    secretKey,
    publishableKey,
    webhookSecret: webhookSecretFrom(env, 'STRIPE_WEBHOOK_SECRET'),
    authorizationWebhookSecret: webhookSecretFrom(env, 'STRIPE_AUTHORIZATION_WEBHOOK_SECRET'),
  };
}

function webhookSecretFrom(env: Env, name: string): string | undefined {
  const secret = read(env, name);
  if (secret !== undefined && !secret.startsWith('whsec_')) throw new ConfigError(name, 'must start with whsec_');
  return secret;
}

/** STRIPE_MAX_RPS and STRIPE_MAX_RPS_PER_ENDPOINT: a number, `off`, or unset. */
function requestsPerSecond(env: Env, name: string): number | 'off' | undefined {
  if (read(env, name) === 'off') return 'off';
  return wholeNumber(env, name, {
    min: 1,
    max: 10_000,
    what: 'a whole number of Stripe requests per second',
    orOff: true,
  });
}

/**
 * Stripe's global rate limit per account: 100 requests/s live, 25 in test mode
 * (https://docs.stripe.com/rate-limits), of which the app takes 80 %: the browsers' own calls
 * to Stripe (Stripe.js nonces, the embedded components) count against the same account in the
 * emulator and may on Stripe. One budget for the deployment: the instances share it through the
 * database (decisions 131, 149).
 * In emulator mode with the emulator's limits switched off (EMULATOR_RATE_LIMITS=off, the
 * benchmark's load tests) there is nothing to pace to.
 */
export function stripePacingFrom(
  env: Env,
  secretKey: string | undefined,
): { maxRequestsPerSecond: number | undefined; maxRequestsPerSecondPerEndpoint: number | undefined } {
  let maxRequestsPerSecond: number | undefined = secretKey !== undefined && /^(sk|rk)_live_/.test(secretKey) ? 80 : 20;
  if (secretKey === undefined && read(env, 'EMULATOR_RATE_LIMITS') === 'off') maxRequestsPerSecond = undefined;
  const global = requestsPerSecond(env, 'STRIPE_MAX_RPS');
  if (global !== undefined) maxRequestsPerSecond = global === 'off' ? undefined : global;
  // Stripe's "Individual API endpoints (unless otherwise noted): 25 requests per second" (the same
  // page), for the deployment; only while there is pacing at all.
  let maxRequestsPerSecondPerEndpoint: number | undefined = maxRequestsPerSecond === undefined ? undefined : 25;
  const perEndpoint = requestsPerSecond(env, 'STRIPE_MAX_RPS_PER_ENDPOINT');
  if (perEndpoint !== undefined) maxRequestsPerSecondPerEndpoint = perEndpoint === 'off' ? undefined : perEndpoint;
  return { maxRequestsPerSecond, maxRequestsPerSecondPerEndpoint };
}
