import fp from 'fastify-plugin';
import Stripe from 'stripe';
import type { Config } from '../../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    stripe: Stripe;
  }
}

/**
 * How long one attempt may take, and how often a failed one is retried. The SDK retries
 * connection errors, timeouts, 409s and 5xx with exponential backoff (0.5 s, 1 s, …), and sends
 * an `Idempotency-Key` with every POST so that a retry of a request Stripe did execute is
 * replayed, not executed twice. Stripe's API answers in well under a second; 8 s per attempt and
 * two retries keep the worst case (~26 s) below the app server's request timeout (60 s) and a
 * user's patience, instead of the SDK's default 80 s per attempt.
 */
export const STRIPE_TIMEOUT_MS = 8_000;
export const STRIPE_MAX_NETWORK_RETRIES = 2;

export interface StripeClientOptions {
  /** Per-attempt timeout (tests shorten it to exercise timeouts quickly). */
  timeout?: number;
  maxNetworkRetries?: number;
}

/** The SDK client for the configured mode: real Stripe, or the emulator over plain HTTP. */
export function createStripeClient(config: Config, options: StripeClientOptions = {}): Stripe {
  return new Stripe(config.stripe.secretKey, {
    // The API version is the one this SDK release pins (Stripe.API_VERSION).
    maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
    timeout: options.timeout ?? STRIPE_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'connect-issuing-dashboard' },
    ...(config.emulator ? { host: config.emulator.apiHost, port: config.emulator.port, protocol: 'http' as const } : {}),
  });
}

export default fp<{ stripe?: Stripe }>(async (app, opts) => {
  app.decorate('stripe', opts.stripe ?? createStripeClient(app.config));
}, { name: 'stripe', dependencies: ['config'] });
