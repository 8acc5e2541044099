// buildApp(config, deps): the Fastify app, fully registered and not listening. main.ts (and the
// tests) decide where it listens.
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import type Stripe from 'stripe';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { loggerOptions } from './logger.ts';
import clientPlugin from './plugins/app/client.ts';
import configPlugin from './plugins/app/config.ts';
import authPlugin from './plugins/app/auth.ts';
import activity from './plugins/app/activity.ts';
import auditAnchor from './plugins/app/audit-anchor.ts';
import cardIndex from './plugins/app/card-index.ts';
import mirror from './plugins/app/mirror.ts';
import cardMissLimit from './plugins/app/card-miss-limit.ts';
import dbPlugin from './plugins/app/db.ts';
import errorHandler, { frameworkErrors } from './plugins/app/error-handler.ts';
import inputHygiene from './plugins/app/input-hygiene.ts';
import loginThrottle from './plugins/app/login-throttle.ts';
import originCheck from './plugins/app/origin-check.ts';
import requestId, { genReqId } from './plugins/app/request-id.ts';
import routeGuard from './plugins/app/route-guard.ts';
import secondFactorGate from './plugins/app/second-factor-gate.ts';
import routeInventory from './plugins/app/route-inventory.ts';
import stripePlugin from './plugins/app/stripe.ts';
import streamAccess from './plugins/app/stream-access.ts';
import cookie from './plugins/external/cookie.ts';
import helmet from './plugins/external/helmet.ts';
import rateLimit from './plugins/external/rate-limit.ts';
import docsUi, { openApi } from './plugins/external/swagger.ts';
import api from './routes/api/index.ts';
import health from './routes/health.ts';
import webhooks from './routes/webhooks/stripe.ts';

export interface AppDeps {
  /** A database to use instead of opening the configured one (the caller closes it). */
  db?: Database;
  /** A Stripe client to use instead of the configured one. */
  stripe?: Stripe;
  /** pino options, or a stream to write JSON logs to (tests capture them). */
  logger?: FastifyServerOptions['logger'];
  logStream?: NodeJS.WritableStream;
  /** Where the built client lives (default dist/client). */
  clientDir?: string;
  /** The clock of second-factor checks (tests fix it); default Date.now. */
  now?: () => number;
  /** Listener settings main.ts chooses (timeouts, proxy trust). */
  server?: Pick<FastifyServerOptions, 'connectionTimeout' | 'keepAliveTimeout' | 'requestTimeout' | 'trustProxy'>;
}

export async function buildApp(config: Config, deps: AppDeps = {}): Promise<FastifyInstance> {
  const app = Fastify({
    ...deps.server,
    logger: deps.logger ?? loggerOptions(config.logLevel, deps.logStream),
    // Bodies of this API are small JSON objects.
    bodyLimit: 64 * 1024,
    // X-Request-Id honoured when it looks like an id, else a UUID; echoed by requestId below.
    genReqId,
    // Router errors (undecodable URL, over-long path parameter) in our error shape.
    frameworkErrors,
    // The database plugin may have to create a PGlite cluster on a first start (seconds, see
    // server/db/database.ts); the default 10 s would turn a slow disk into a failed start.
    pluginTimeout: 60_000,
    ajv: {
      customOptions: {
        // Unknown fields are an error (400 naming the field), not silently dropped.
        removeAdditional: false,
        coerceTypes: 'array',
        useDefaults: true,
        allErrors: false,
      },
    },
  });

  // First, so that it sees every route the router will answer (the security suites read it).
  await app.register(routeInventory);
  // Tier 1: configuration and third-party plugins.
  await app.register(configPlugin, { config });
  await app.register(requestId);
  await app.register(errorHandler);
  await app.register(cookie);
  await app.register(helmet);
  await app.register(rateLimit);
  // Before any route: collects the route schemas for the OpenAPI document at /docs.
  await app.register(openApi);

  // Tier 2: our services.
  await app.register(dbPlugin, deps.db ? { db: deps.db } : {});
  await app.register(stripePlugin, deps.stripe ? { stripe: deps.stripe } : {});
  await app.register(authPlugin);
  await app.register(originCheck);
  // Before the route guard: an unsettled second factor is refused before any other rule.
  await app.register(secondFactorGate, deps.now ? { now: deps.now } : {});
  await app.register(routeGuard);
  await app.register(inputHygiene);
  await app.register(loginThrottle);
  await app.register(cardIndex);
  await app.register(mirror);
  await app.register(cardMissLimit);
  await app.register(activity);
  await app.register(streamAccess);
  await app.register(auditAnchor);

  // Tier 3: routes.
  await app.register(health);
  await app.register(api, { prefix: '/api' });
  await app.register(webhooks, { prefix: '/webhooks' });
  await app.register(docsUi);
  await app.register(clientPlugin, deps.clientDir ? { clientDir: deps.clientDir } : {});

  return app;
}
