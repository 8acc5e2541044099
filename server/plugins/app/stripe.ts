import fp from 'fastify-plugin';
import Stripe from 'stripe';
import type { Config } from '../../config.ts';

declare module 'fastify' {
  interface FastifyInstance {
    stripe: Stripe;
  }
}

/** The SDK client for the configured mode: real Stripe, or the emulator over plain HTTP. */
export function createStripeClient(config: Config): Stripe {
  return new Stripe(config.stripe.secretKey, {
    // The API version is the one this SDK release pins (Stripe.API_VERSION).
    maxNetworkRetries: 2,
    timeout: 20_000,
    telemetry: false,
    appInfo: { name: 'connect-issuing-dashboard' },
    ...(config.emulator ? { host: config.emulator.apiHost, port: config.emulator.port, protocol: 'http' as const } : {}),
  });
}

export default fp<{ stripe?: Stripe }>(async (app, opts) => {
  app.decorate('stripe', opts.stripe ?? createStripeClient(app.config));
}, { name: 'stripe', dependencies: ['config'] });
