import fp from 'fastify-plugin';
import Stripe from 'stripe';
import type { Config } from '../../config.ts';
import { PACING_LATE_MS, PACING_SLOT_MS, takeStripeSlot } from '../../db/stripe-pacing.ts';
import { recordStripeContact } from '../../db/mirror.ts';
import { BudgetHttpClient, stripeCallsOfThisRequest, withStripeScope, type BudgetOptions } from './stripe-budget.ts';
import { ReachabilityHttpClient, StripeContactRecorder } from './stripe-reachability.ts';

declare module 'fastify' {
  interface FastifyInstance {
    stripe: Stripe;
    /**
     * The Stripe call budget of this instance's client (server/plugins/app/stripe-budget.ts):
     * calls per app route and per Stripe endpoint, 429s and retries. Undefined when the app was
     * given a client built elsewhere.
     */
    stripeBudget: BudgetHttpClient | undefined;
    /**
     * Whether Stripe answers, as the app's calls find it, written to `mirror_status` at most once
     * a second (server/plugins/app/stripe-reachability.ts). Undefined when the app was given a
     * client built elsewhere.
     */
    stripeContact: StripeContactRecorder | undefined;
  }
}

/** The budget each client made by createStripeClient sends its requests through. */
const budgets = new WeakMap<Stripe, BudgetHttpClient>();
export const budgetOf = (stripe: Stripe): BudgetHttpClient | undefined => budgets.get(stripe);
/** What each client made by createStripeClient finds about Stripe answering (issue 18, item 9). */
const reachability = new WeakMap<Stripe, ReachabilityHttpClient>();

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
  /** Concurrency and 429 handling of the call budget (tests shorten the backoff). */
  budget?: BudgetOptions;
  /** The HTTP client the budget sends through (default the SDK's Node client; tests record sends). */
  httpClient?: Stripe.HttpClient;
}

/** The SDK client for the configured mode: real Stripe, or the emulator over plain HTTP. */
export function createStripeClient(config: Config, options: StripeClientOptions = {}): Stripe {
  const { maxRequestsPerSecond, maxRequestsPerSecondPerEndpoint } = config.stripe;
  // Under the budget, so that every attempt (each retry too) says whether Stripe answered.
  const observed = new ReachabilityHttpClient(options.httpClient ?? Stripe.createNodeHttpClient());
  const budget = new BudgetHttpClient(observed, {
    ...(maxRequestsPerSecond !== undefined ? { maxPerSecond: maxRequestsPerSecond } : {}),
    ...(maxRequestsPerSecondPerEndpoint !== undefined
      ? { maxPerSecondPerEndpoint: maxRequestsPerSecondPerEndpoint }
      : {}),
    ...options.budget,
  });
  const stripe = new Stripe(config.stripe.secretKey, {
    httpClient: budget,
    // The API version is the one this SDK release pins (Stripe.API_VERSION).
    maxNetworkRetries: options.maxNetworkRetries ?? STRIPE_MAX_NETWORK_RETRIES,
    timeout: options.timeout ?? STRIPE_TIMEOUT_MS,
    telemetry: false,
    appInfo: { name: 'connect-issuing-dashboard' },
    ...(config.emulator
      ? { host: config.emulator.apiHost, port: config.emulator.port, protocol: 'http' as const }
      : {}),
  });
  budgets.set(stripe, budget);
  reachability.set(stripe, observed);
  return stripe;
}

const INFO_OR_LOWER = new Set(['info', 'debug', 'trace']);

export default fp<{ stripe?: Stripe }>(
  async (app, opts) => {
    const stripe = opts.stripe ?? createStripeClient(app.config);
    app.decorate('stripe', stripe);
    const budget = budgetOf(stripe);
    app.decorate('stripeBudget', budget);
    // Stripe unreachable (decision 152): what the calls find goes to mirror_status, debounced.
    const observed = reachability.get(stripe);
    const contact = observed
      ? new StripeContactRecorder(
          (reachable) => recordStripeContact(app.db, reachable),
          (error) => app.log.warn({ err: error }, 'could not record whether Stripe answers'),
        )
      : undefined;
    app.decorate('stripeContact', contact);
    if (observed && contact) {
      observed.listen((reachable) => contact.report(reachable));
      app.addHook('preClose', async () => {
        observed.listen(undefined);
        await contact.stop();
      });
    }
    // One budget for the deployment (decision 149): every instance on this database takes its
    // Stripe calls' slots from the same table, so together they send no more than STRIPE_MAX_RPS.
    if (budget) {
      budget.sharePacing({
        take: (endpoint, limits) => takeStripeSlot(app.db, endpoint, limits),
        slotMs: PACING_SLOT_MS,
        lateMs: PACING_LATE_MS,
        onUnavailable: (error) =>
          app.log.warn(
            { err: error },
            'the database cannot pace Stripe calls: this instance paces its own at the full rate until it can',
          ),
        onRecovered: () => app.log.info('the database paces Stripe calls again'),
      });
      app.addHook('onClose', async () => budget.sharePacing(undefined));
    }
    // Each request's Stripe calls are counted against its route, and the count goes on the
    // request's "request completed" log line (`stripeCalls`), so the calls per user action can be
    // read from the logs (bench/README.md).
    app.addHook('onRequest', (request, _reply, done) => {
      withStripeScope(`${request.method} ${request.routeOptions.url ?? '(no route)'}`, done);
    });
    app.addHook('onSend', async (_request, reply, payload) => {
      const calls = stripeCallsOfThisRequest();
      // A child logger costs a serialisation per request: only when its line is written.
      if (calls > 0 && INFO_OR_LOWER.has(app.log.level)) reply.log = reply.log.child({ stripeCalls: calls });
      return payload;
    });
  },
  { name: 'stripe', dependencies: ['config', 'db'] },
);
