// Stripe's rate limits in test mode, on by default, so that code which bursts past them fails
// here as it would on Stripe (https://docs.stripe.com/rate-limits): "rate limits are measured in
// API requests per second, per Stripe account"; sandbox (test mode) global limit **25** requests
// per second; "Individual API endpoints (unless otherwise noted): 25 requests per second", each
// named operation its own endpoint ("POST /v1/payment_intents" vs "GET /v1/payment_intents/{id}");
// Search API 20 read operations per second (stripe.com/docs/rate-limits, older page).
// A request over a limit is answered 429 with code `rate_limit` (the testmode wording quoted in
// https://github.com/lukasaron/terraform-provider-stripe/issues/40) and the
// `Stripe-Rate-Limited-Reason` header (`global-rate` / `endpoint-rate`); no `Stripe-Should-Retry`
// (stripe-node then does not retry a 429).
// Account creation is limited apart: "Sorry, you're creating accounts too quickly. You should
// limit your requests to less than 5 creation attempts per second with a test key" - and Stripe
// answers it with HTTP **400**, not 429 (https://github.com/stripe/stripe-node/issues/2223).
//
// Which account a request made with `Stripe-Account` counts against is NOT documented: the page
// says only "per Stripe account". `scope` chooses the reading (issue 18, docs/decisions/149):
//   'platform' (the default, the strict reading): every request made with the platform's keys
//     (secret, publishable, and the ephemeral keys and session tokens it mints), with
//     `Stripe-Account` or not, counts against the platform's one budget, global and per endpoint:
//     a platform's whole dashboard shares 25 requests a second in test mode;
//   'account': a request counts against the account acted on (the connected account of
//     `Stripe-Account`, else the platform), the reading the emulator had before; each connected
//     account then has a budget of its own.
// If Stripe counts per connected account, code that passes under 'platform' passes there too;
// the reverse does not hold. Windows are sliding one-second windows of wall-clock time (not the
// emulator's clock, which tests move by hand).
//
// Configurable and switchable off (load tests, the benchmark) the way faults are: the start
// option `rateLimits` (false = off, or numbers and `scope`), EMULATOR_RATE_LIMITS (`off` or a
// JSON object, e.g. `{"scope":"account"}`), `GET|POST /_emulator/rate_limits` (JSON), or
// `emulator.emulator.rateLimits.configure(…)`.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StripeApiError } from './errors.ts';
import type { ApiContext, RequestHook } from './router.ts';

/** Whose budget a request counts against: the platform's (every request) or the account acted on. */
export type RateLimitScope = 'platform' | 'account';
const SCOPES: readonly RateLimitScope[] = ['platform', 'account'];

export interface RateLimitSettings {
  enabled: boolean;
  /** Whose budget a request made with `Stripe-Account` counts against (see above); default 'platform'. */
  scope: RateLimitScope;
  /** Requests per second per budget (platform, or account), all endpoints together (test mode: 25). */
  global: number;
  /** Requests per second per budget and endpoint (method + route) (25). */
  endpoint: number;
  /** Search endpoints (`…/search`) per second per budget (20). */
  search: number;
  /** `POST /v1/accounts` per second (test keys: "less than 5", so 4). */
  accountCreations: number;
}

export const STRIPE_TEST_MODE_LIMITS: RateLimitSettings = {
  enabled: true,
  scope: 'platform',
  global: 25,
  endpoint: 25,
  search: 20,
  accountCreations: 4,
};

const WINDOW_MS = 1000;
const NUMBER_FIELDS = ['global', 'endpoint', 'search', 'accountCreations'] as const;

export class RateLimitSettingsError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
  }
}

/** `off`, `false`, or a JSON object of settings (EMULATOR_RATE_LIMITS, the HTTP body). Throws naming the field. */
export function parseRateLimitSettings(input: unknown): Partial<RateLimitSettings> {
  if (input === false || input === 'off') return { enabled: false };
  if (input === true || input === 'on') return { enabled: true };
  if (typeof input !== 'object' || input === null || Array.isArray(input)) {
    throw new RateLimitSettingsError('rate limits must be "off", "on" or a JSON object', 'rate_limits');
  }
  const out: Partial<RateLimitSettings> = {};
  for (const [key, value] of Object.entries(input)) {
    if (key === 'enabled') {
      if (typeof value !== 'boolean') throw new RateLimitSettingsError('enabled must be a boolean', key);
      out.enabled = value;
    } else if (key === 'scope') {
      if (!SCOPES.includes(value as RateLimitScope))
        throw new RateLimitSettingsError('scope must be "platform" or "account"', key);
      out.scope = value as RateLimitScope;
    } else if ((NUMBER_FIELDS as readonly string[]).includes(key)) {
      if (typeof value !== 'number' || !Number.isInteger(value) || value < 1 || value > 100_000) {
        throw new RateLimitSettingsError(`${key} must be an integer from 1 to 100000 (requests per second)`, key);
      }
      out[key as (typeof NUMBER_FIELDS)[number]] = value;
    } else {
      throw new RateLimitSettingsError(`unknown field "${key}"`, key);
    }
  }
  return out;
}

/** EMULATOR_RATE_LIMITS: `off`, `on`, or a JSON object. Throws an Error naming the variable. */
export function parseRateLimitsEnv(text: string | undefined): Partial<RateLimitSettings> | undefined {
  if (text === undefined || text.trim() === '') return undefined;
  const trimmed = text.trim();
  try {
    return parseRateLimitSettings(trimmed === 'off' || trimmed === 'on' ? trimmed : JSON.parse(trimmed));
  } catch (error) {
    throw new Error(
      `EMULATOR_RATE_LIMITS must be "off", "on" or a JSON object of limits: ${(error as Error).message}`,
      { cause: error },
    );
  }
}

/** Sliding one-second windows of admitted requests, per key. */
export class RateLimiter {
  #settings: RateLimitSettings;
  readonly #windows = new Map<string, number[]>();
  readonly #now: () => number;

  constructor(settings: Partial<RateLimitSettings> | false = {}, now: () => number = () => performance.now()) {
    this.#settings = { ...STRIPE_TEST_MODE_LIMITS, ...(settings === false ? { enabled: false } : settings) };
    this.#now = now;
  }

  get settings(): RateLimitSettings {
    return { ...this.#settings };
  }

  /** Changes some settings (validated); the windows start afresh. */
  configure(change: Partial<RateLimitSettings> | false): RateLimitSettings {
    this.#settings = { ...this.#settings, ...parseRateLimitSettings(change === false ? false : change) };
    this.#windows.clear();
    return this.settings;
  }

  #recent(key: string, now: number): number[] {
    let window = this.#windows.get(key);
    if (!window) {
      window = [];
      this.#windows.set(key, window);
    }
    while (window.length > 0 && now - window[0]! >= WINDOW_MS) window.shift();
    return window;
  }

  /**
   * Admits a request (recording it) or says which limit it exceeds. Refused requests are not
   * recorded, so a client that backs off gets through once the window has moved.
   */
  take(account: string, method: string, route: string): 'ok' | 'global-rate' | 'endpoint-rate' | 'account-creation' {
    const s = this.#settings;
    if (!s.enabled) return 'ok';
    const now = this.#now();
    // Platform scope: one budget for every request, whichever account it acts on.
    const budget = s.scope === 'platform' ? 'platform' : account;
    const isAccountCreation = method === 'POST' && route === '/v1/accounts';
    // The most specific limit is named first.
    const checks: Array<[string, number, 'global-rate' | 'endpoint-rate' | 'account-creation']> = [
      [
        `endpoint ${budget} ${method} ${route}`,
        /\/search$/.test(route) ? Math.min(s.search, s.endpoint) : s.endpoint,
        'endpoint-rate',
      ],
      [`global ${budget}`, s.global, 'global-rate'],
    ];
    // Account creations count against the platform that creates them, whatever Stripe-Account says.
    if (isAccountCreation) checks.push(['accounts', s.accountCreations, 'account-creation']);
    const windows = checks.map(([key]) => this.#recent(key, now));
    for (let i = 0; i < checks.length; i++) {
      if (windows[i]!.length >= checks[i]![1]) return checks[i]![2];
    }
    for (const window of windows) window.push(now);
    return 'ok';
  }
}

/** Stripe's testmode 429 (code `rate_limit`), with the reason header. */
export function testModeRateLimitError(reason: 'global-rate' | 'endpoint-rate'): StripeApiError {
  return new StripeApiError(
    429,
    'Testmode request rate limit exceeded, the rate limits in testmode are lower than livemode. You can learn more about rate limits here https://stripe.com/docs/rate-limits.',
    {
      code: 'rate_limit',
      idempotent: false,
      headers: { 'stripe-rate-limited-reason': reason },
    },
  );
}

/** Stripe's answer to a sixth account creation within a second with a test key: a 400, no code. */
export function accountCreationRateError(): StripeApiError {
  return new StripeApiError(
    400,
    "Sorry, you're creating accounts too quickly. You should limit your requests to less than 5 creation attempts per second with a test key, or less than 30 with a live key.",
    { idempotent: false },
  );
}

/** The request hook (after faults): counts the request against its budget, or answers Stripe's refusal. */
export function rateLimitHook(limiter: RateLimiter): RequestHook {
  return (ctx: ApiContext, reply: FastifyReply) => {
    const route = ctx.request.routeOptions.url ?? ctx.path;
    const verdict = limiter.take(ctx.account, ctx.method, route);
    if (verdict === 'ok') return;
    const error = verdict === 'account-creation' ? accountCreationRateError() : testModeRateLimitError(verdict);
    reply
      .code(error.statusCode)
      .headers(error.headers)
      .header('content-type', 'application/json; charset=utf-8')
      .send(JSON.stringify(error.toJSON()));
  };
}

/** GET / POST /_emulator/rate_limits (JSON), emulator only. */
export function registerRateLimitRoutes(app: FastifyInstance, limiter: RateLimiter): void {
  app.get('/_emulator/rate_limits', async () => ({ object: 'emulator.rate_limits', ...limiter.settings }));
  app.post('/_emulator/rate_limits', async (request, reply) => {
    try {
      return { object: 'emulator.rate_limits', ...limiter.configure(parseRateLimitSettings(request.body)) };
    } catch (error) {
      if (!(error instanceof RateLimitSettingsError)) throw error;
      return reply.code(400).send({
        error: {
          type: 'invalid_request_error',
          message: `Invalid rate limits: ${error.message}`,
          param: error.field,
        },
      });
    }
  });
}
