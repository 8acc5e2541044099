// The Stripe emulator as a Fastify app, built but not listening (main.ts listens; tests listen on
// port 0). State lives in the store passed in, or a new one seeded with the demo data.
import cors from '@fastify/cors';
import Fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import { refuseSecretKeysFromWebPages } from './api/browser-origin.ts';
import { registerBrowserStatic } from './api/browser-static.ts';
import { registerConnectClaim } from './api/connect-claim.ts';
import { registerHostedOnboarding, withoutLinkSecret } from './api/hosted-onboarding.ts';
import { StripeApiError, unrecognizedUrl } from './api/errors.ts';
import { parseForm } from './api/form.ts';
import { resources } from './api/resources.ts';
import { registerResources, type EmulatorRuntime, type RequestHook } from './api/router.ts';
import { EmulatorStore, systemClock, type Clock } from './api/store.ts';
import { setCapabilityActivationDelay } from './api/account-onboarding.ts';
import { buildAccount } from './api/resources/accounts.ts';
import { FaultRegistry, faultHook, parseFaultsEnv, registerFaultRoutes, type FaultRule } from './api/faults.ts';
import { loadStateFile, StatePersistence } from './api/persistence.ts';
import {
  parseRateLimitsEnv,
  rateLimitHook,
  RateLimiter,
  registerRateLimitRoutes,
  type RateLimitSettings,
} from './api/rate-limits.ts';
import { attachWebhooks, type WebhookService, type WebhookSettings } from './api/webhooks/service.ts';
import { authorizationRequestSender } from './api/webhooks/realtime.ts';
import { setAuthorizationRequestSender } from './api/issuing/realtime.ts';
import { registerIssuingKey } from './api/issuing/pin-key.ts';
import { registerIssuingSettings, setAuthorizationEndpoint } from './api/issuing/settings.ts';
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
  /** Fault rules active from the start (EMULATOR_FAULTS). */
  faults?: FaultRule[];
  /**
   * Stripe's test-mode rate limits (api/rate-limits.ts), on by default: `false` switches them off
   * (load tests, the benchmark), an object changes numbers (EMULATOR_RATE_LIMITS).
   */
  rateLimits?: Partial<RateLimitSettings> | false;
  /** Save the state to this JSON file and load it at start (EMULATOR_STATE_FILE). */
  stateFile?: string;
  /** Longest wait between a change and its write to `stateFile`. Default 100 ms. */
  stateDebounceMs?: number;
  /** Register webhook endpoints for this URL at start, for the platform's and connected accounts' events (EMULATOR_WEBHOOK_URL). */
  webhookUrl?: string;
  /** Their secret (EMULATOR_WEBHOOK_SECRET, `whsec_…`); generated when omitted. */
  webhookSecret?: string;
  /** Connected accounts (ids, or `*`) on which Issuing Elements are not enabled: their ephemeral keys are refused as Stripe refuses them (EMULATOR_ISSUING_ELEMENTS_DISABLED). */
  issuingElementsDisabled?: string[];
  /** Delivery retries and timeouts; defaults: retries after 1 s and 4 s, 10 s per attempt, 2 s for issuing_authorization.request. */
  webhooks?: WebhookSettings;
  /** How long a connected account's capability stays `pending` once nothing is due (EMULATOR_CAPABILITY_ACTIVATION_MS); default 0. */
  capabilityActivationMs?: number;
  /**
   * The real-time authorization endpoint of the platform's Issuing settings (EMULATOR_AUTHORIZATION_WEBHOOK_URL):
   * where `issuing_authorization.request` goes, as on Stripe (not a webhook endpoint of the API).
   */
  authorizationWebhookUrl?: string;
  /** Its signing secret (EMULATOR_AUTHORIZATION_WEBHOOK_SECRET, `whsec_…`); `webhookSecret` when omitted, else generated. */
  authorizationWebhookSecret?: string;
}

/** The options the environment sets: EMULATOR_FAULTS, EMULATOR_STATE_FILE, EMULATOR_WEBHOOK_URL, EMULATOR_WEBHOOK_SECRET, EMULATOR_ISSUING_ELEMENTS_DISABLED. Throws naming a bad variable. */
export function emulatorOptionsFromEnv(env: NodeJS.ProcessEnv = process.env): BuildEmulatorOptions {
  const options: BuildEmulatorOptions = {};
  const faults = parseFaultsEnv(env.EMULATOR_FAULTS);
  if (faults.length > 0) options.faults = faults;
  const rateLimits = parseRateLimitsEnv(env.EMULATOR_RATE_LIMITS);
  if (rateLimits) options.rateLimits = rateLimits;
  if (env.EMULATOR_STATE_FILE) options.stateFile = env.EMULATOR_STATE_FILE;
  if (env.EMULATOR_CAPABILITY_ACTIVATION_MS) {
    const ms = Number(env.EMULATOR_CAPABILITY_ACTIVATION_MS);
    if (!/^\d+$/.test(env.EMULATOR_CAPABILITY_ACTIVATION_MS) || ms > 3_600_000) {
      throw new Error(
        `EMULATOR_CAPABILITY_ACTIVATION_MS must be a whole number of milliseconds (0-3600000), got "${env.EMULATOR_CAPABILITY_ACTIVATION_MS}"`,
      );
    }
    options.capabilityActivationMs = ms;
  }
  if (env.EMULATOR_ISSUING_ELEMENTS_DISABLED) {
    const accounts = env.EMULATOR_ISSUING_ELEMENTS_DISABLED.split(',')
      .map((a) => a.trim())
      .filter(Boolean);
    const bad = accounts.find((a) => a !== '*' && !/^acct_\w+$/.test(a));
    if (bad) throw new Error(`EMULATOR_ISSUING_ELEMENTS_DISABLED must list account ids (acct_…) or *, got "${bad}"`);
    options.issuingElementsDisabled = accounts;
  }
  if (env.EMULATOR_WEBHOOK_URL) {
    try {
      new URL(env.EMULATOR_WEBHOOK_URL);
    } catch {
      throw new Error(`EMULATOR_WEBHOOK_URL must be a URL, got "${env.EMULATOR_WEBHOOK_URL}"`);
    }
    options.webhookUrl = env.EMULATOR_WEBHOOK_URL;
  }
  if (env.EMULATOR_WEBHOOK_SECRET) {
    if (!/^whsec_[A-Za-z0-9_]+$/.test(env.EMULATOR_WEBHOOK_SECRET))
      throw new Error('EMULATOR_WEBHOOK_SECRET must look like whsec_…');
    options.webhookSecret = env.EMULATOR_WEBHOOK_SECRET;
  }
  if (env.EMULATOR_AUTHORIZATION_WEBHOOK_URL) {
    if (
      !/^https?:\/\//.test(env.EMULATOR_AUTHORIZATION_WEBHOOK_URL) ||
      !URL.canParse(env.EMULATOR_AUTHORIZATION_WEBHOOK_URL)
    ) {
      throw new Error(
        `EMULATOR_AUTHORIZATION_WEBHOOK_URL must be an http(s) URL, got "${env.EMULATOR_AUTHORIZATION_WEBHOOK_URL}"`,
      );
    }
    options.authorizationWebhookUrl = env.EMULATOR_AUTHORIZATION_WEBHOOK_URL;
  }
  if (env.EMULATOR_AUTHORIZATION_WEBHOOK_SECRET) {
    if (!/^whsec_[A-Za-z0-9_]+$/.test(env.EMULATOR_AUTHORIZATION_WEBHOOK_SECRET)) {
      throw new Error('EMULATOR_AUTHORIZATION_WEBHOOK_SECRET must look like whsec_…');
    }
    options.authorizationWebhookSecret = env.EMULATOR_AUTHORIZATION_WEBHOOK_SECRET;
  }
  return options;
}

/** Query strings can carry secrets (payment intent client secrets): log paths only, never auth headers. */
function loggerOptions(logger: BuildEmulatorOptions['logger']): FastifyServerOptions['logger'] {
  if (!logger) return false;
  return {
    ...(typeof logger === 'object' ? logger : {}),
    serializers: {
      req: (req: { method: string; url: string; id: string }) => ({
        method: req.method,
        url: withoutLinkSecret(req.url.split('?')[0] ?? ''),
        id: req.id,
      }),
    },
    redact: ['req.headers.authorization', 'req.headers.cookie'],
  };
}

export interface EmulatorControls {
  /** Fault rules: `add(rule)`, `clear()`, `list()`. */
  faults: FaultRegistry;
  /** Stripe's rate limits: `configure(false)` switches them off, `settings` shows them. */
  rateLimits: RateLimiter;
  /** Events and webhook delivery (`webhooks.dispatcher.idle()` waits for deliveries in flight). */
  webhooks: WebhookService;
  /** Set when a state file is used. */
  persistence?: StatePersistence;
  /** The endpoints registered from `webhookUrl`, with their secret. */
  startupWebhook?: { url: string; secret: string; endpointIds: string[] };
}

export type EmulatorApp = FastifyInstance & { store: EmulatorStore; emulator: EmulatorRuntime & EmulatorControls };

// Headers a browser may send to the emulator and read back (Stripe's API is CORS-open too).
const ALLOWED_HEADERS = [
  'Authorization',
  'Content-Type',
  'Stripe-Account',
  'Stripe-Context',
  'Stripe-Version',
  'Idempotency-Key',
  'Emulator-Fault',
];
const EXPOSED_HEADERS = ['Request-Id', 'Stripe-Version', 'Idempotency-Key', 'Idempotent-Replayed', 'Original-Request'];

export async function buildEmulator(options: BuildEmulatorOptions = {}): Promise<EmulatorApp> {
  const store = options.store ?? new EmulatorStore();
  const clock = options.clock ?? systemClock;
  const stateLoaded = options.stateFile ? loadStateFile(store, options.stateFile) : false;
  store.platformAccount ??= buildAccount({
    id: store.platformAccountId,
    created: Date.UTC(2024, 0, 2) / 1000,
    type: 'standard',
    country: 'US',
    email: 'platform@example.com',
    business_profile: { name: 'Emulator Platform' },
    capabilities: {
      card_issuing: { requested: true },
      card_payments: { requested: true },
      transfers: { requested: true },
    },
    onboarded: true,
  });
  if ((options.seed ?? true) && store.accounts.size === 0) seedStore(store, clock);
  // After the seed: the demo accounts are active from the start.
  setCapabilityActivationDelay(store, options.capabilityActivationMs ?? 0);
  for (const account of options.issuingElementsDisabled ?? []) store.issuingElementsDisabled.add(account);

  const app = Fastify({
    logger: loggerOptions(options.logger),
    routerOptions: { querystringParser: parseForm },
  });

  const faults = new FaultRegistry(options.faults ?? []);
  const rateLimits = new RateLimiter(options.rateLimits ?? {});
  const runtime = {
    store,
    clock,
    publicUrl: options.publicUrl ?? 'http://localhost:12111',
    requestHooks: [faultHook(faults), rateLimitHook(rateLimits), ...(options.requestHooks ?? [])],
    eventListeners: [],
    expanders: new Map(),
    faults,
    rateLimits,
  } as unknown as EmulatorRuntime & EmulatorControls;
  runtime.webhooks = attachWebhooks(runtime, options.webhooks);
  setAuthorizationRequestSender(store, authorizationRequestSender(runtime), runtime.webhooks.realtimeTimeoutMs);
  if (options.webhookUrl) {
    const secret = options.webhookSecret;
    const account = runtime.webhooks.registerEndpoint({
      url: options.webhookUrl,
      secret,
      connect: false,
      description: 'EMULATOR_WEBHOOK_URL',
    });
    const connect = runtime.webhooks.registerEndpoint({
      url: options.webhookUrl,
      secret: account.secret,
      connect: true,
      description: 'EMULATOR_WEBHOOK_URL (connected accounts)',
    });
    runtime.startupWebhook = { url: options.webhookUrl, secret: account.secret, endpointIds: [account.id, connect.id] };
  }
  if (options.authorizationWebhookUrl) {
    const secret = options.authorizationWebhookSecret ?? options.webhookSecret ?? runtime.startupWebhook?.secret;
    setAuthorizationEndpoint(store, { url: options.authorizationWebhookUrl, ...(secret ? { secret } : {}) });
  }
  if (options.stateFile) {
    const persistence = new StatePersistence(store, options.stateFile, {
      debounceMs: options.stateDebounceMs,
      onError: (error) => app.log.error({ err: error }, 'could not save the emulator state file'),
    });
    runtime.persistence = persistence;
    runtime.webhooks.onChange = () => persistence.markDirty();
    // Any request but a read may change the state.
    app.addHook('onResponse', async (request) => {
      if (request.method !== 'GET' && request.method !== 'HEAD' && request.method !== 'OPTIONS')
        persistence.markDirty();
    });
    if (!stateLoaded) persistence.markDirty();
  }
  app.addHook('onClose', async () => {
    runtime.webhooks.dispatcher.close();
    await runtime.persistence?.close();
  });
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
  // ...but never for secret-key requests from web pages (nor the fault controls): refused unanswered.
  refuseSecretKeysFromWebPages(app);

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
      .send(
        new StripeApiError(500, 'An unknown error occurred in the Stripe emulator.', { type: 'api_error' }).toJSON(),
      );
  });

  app.setNotFoundHandler((request, reply) => {
    const error = unrecognizedUrl(request.method, request.url);
    return reply.code(error.statusCode).send(error.toJSON());
  });

  registerResources(app, runtime, resources);
  registerConnectClaim(app, runtime);
  registerHostedOnboarding(app, runtime, () => runtime.persistence?.markDirty());
  registerIssuingKey(app, runtime);
  registerIssuingSettings(app, store, () => runtime.persistence?.markDirty());
  registerFaultRoutes(app, faults);
  registerRateLimitRoutes(app, rateLimits);
  await registerBrowserStatic(app, options.browserRoot);

  return app as unknown as EmulatorApp;
}
