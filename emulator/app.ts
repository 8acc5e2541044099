// The Stripe emulator as a Fastify app, built but not listening (main.ts listens; tests listen on
// port 0). State lives in the store passed in, or a new one seeded with the demo data.
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { registerBrowserStatic } from './api/browser-static.ts';
import { registerConnectClaim } from './api/connect-claim.ts';
import { StripeApiError, unrecognizedUrl } from './api/errors.ts';
import { parseForm } from './api/form.ts';
import { resources } from './api/resources.ts';
import { registerResources, type EmulatorRuntime, type RequestHook } from './api/router.ts';
import { EmulatorStore, systemClock, type Clock } from './api/store.ts';
import { buildAccount } from './api/resources/accounts.ts';
import { seedStore } from './seed.ts';

export interface BuildEmulatorOptions {
  /** State to serve; a new store when omitted. */
  store?: EmulatorStore;
  /** Load the deterministic demo data (emulator/seed.ts) into an empty store. Default true. */
  seed?: boolean;
  /** The emulator's origin as the browser sees it. Default http://localhost:12111. */
  publicUrl?: string;
  /** Fastify logger options (pino), or false. Default false. */
  logger?: FastifyServerOptions['logger'];
  /** Time source; tests pass `manualClock()` to move past expiries. */
  clock?: Clock;
  /** Per-request hooks run for every /v1 call before its handler (fault injection goes here). */
  requestHooks?: RequestHook[];
  /** Directory of the browser stand-ins; default emulator/browser/public. */
  browserRoot?: string;
}

/** Query strings can carry secrets (payment intent client secrets): log paths only, never auth headers. */
function loggerOptions(logger: BuildEmulatorOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  return {
    ...(typeof logger === 'object' ? logger : {}),
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({ method: req.method, url: req.url.split('?')[0], id: req.id }),
    },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  };
}

export type EmulatorApp = FastifyInstance & { store: EmulatorStore; emulator: EmulatorRuntime };

// Headers a browser may send to the emulator and read back (Stripe's API is CORS-open too).
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'Stripe-Account', 'Stripe-Version', 'Idempotency-Key'];
const EXPOSED_HEADERS = ['Request-Id', 'Stripe-Version', 'Idempotency-Key', 'Idempotent-Replayed', 'Original-Request'];

export async function buildEmulator(options: BuildEmulatorOptions = {}): Promise<EmulatorApp> {
  const store = options.store ?? new EmulatorStore();
  const clock = options.clock ?? systemClock;
  store.platformAccount ??= buildAccount({
    id: store.platformAccountId,
    created: Date.UTC(2024, 0, 2) / 1000,
    type: 'standard',
    country: 'US',
    email: 'platform@example.com',
    business_profile: { name: 'Emulator Platform' },
    capabilities: { card_issuing: { requested: true }, card_payments: { requested: true }, transfers: { requested: true } },
  });
  if ((options.seed ?? true) && store.accounts.size === 0) seedStore(store, clock);

  const app = Fastify({
    logger: loggerOptions(options.logger),
    routerOptions: { querystringParser: parseForm },
  });

  const runtime: EmulatorRuntime = {
    store,
    clock,
    publicUrl: options.publicUrl ?? 'http://localhost:12111',
    requestHooks: [...(options.requestHooks ?? [])],
    eventListeners: [],
    expanders: new Map(),
  };
  app.decorate('store', store);
  app.decorate('emulator', runtime);

  app.addContentTypeParser('application/x-www-form-urlencoded', { parseAs: 'string' }, (_request, body, done) => {
    done(null, parseForm(body as string));
  });

  await app.register(cors, {
    origin: '*',
    methods: ['GET', 'POST', 'DELETE', 'OPTIONS'],
    allowedHeaders: ALLOWED_HEADERS,
    exposedHeaders: EXPOSED_HEADERS,
    maxAge: 600,
  });

  app.setErrorHandler((error, request, reply) => {
    if (error instanceof StripeApiError) {
      return reply.code(error.statusCode).headers(error.headers).send(error.toJSON());
    }
    const statusCode = (error as { statusCode?: number }).statusCode;
    if (statusCode !== undefined && statusCode >= 400 && statusCode < 500) {
      // Fastify's own client errors (unparsable body, body too large, unsupported media type).
      const message = error instanceof Error ? error.message : String(error);
      return reply.code(statusCode).send(new StripeApiError(statusCode, `Invalid request: ${message}`).toJSON());
    }
    request.log.error({ err: error, method: request.method, url: request.url.split('?')[0] }, 'emulator error');
    // Never show internals in a 5xx.
    return reply
      .code(500)
      .send(new StripeApiError(500, 'An unknown error occurred in the Stripe emulator.', { type: 'api_error' }).toJSON());
  });

  app.setNotFoundHandler((request, reply) => {
    const error = unrecognizedUrl(request.method, request.url);
    return reply.code(error.statusCode).send(error.toJSON());
  });

  registerResources(app, runtime, resources);
  registerConnectClaim(app, runtime);
  await registerBrowserStatic(app, options.browserRoot);

  return app as unknown as EmulatorApp;
}
