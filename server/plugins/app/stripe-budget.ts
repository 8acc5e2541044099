// The Stripe call budget: every request the app's Stripe client sends passes through one HTTP
// client that (1) limits how many are in flight at once, (2) limits how many are sent per second,
// in all and per Stripe endpoint, for the whole deployment: each send takes a slot in the
// database shared by every instance (docs/decisions/131, 149), (3) retries a 429 after an
// exponential backoff unless Stripe says `Stripe-Should-Retry: false`, and (4) counts calls per
// app route.
// Why: a platform's instances share one Stripe rate limit (100 requests/s live, 25 in test mode)
// and a concurrency limiter ("We have several limiters in the API, including a rate limiter and
// a concurrency limiter", https://docs.stripe.com/rate-limits), and stripe-node does not retry a
// plain 429 (it honours only `Stripe-Should-Retry`, stripe-node src/RequestSender.ts
// `_shouldRetry`). Stripe's errors are mapped to the app's elsewhere; this only paces and counts.
import { AsyncLocalStorage } from 'node:async_hooks';
import pLimit, { type LimitFunction } from 'p-limit';
import pThrottle from 'p-throttle';
import Stripe from 'stripe';

/** Requests to Stripe in flight at once, per instance (queued beyond that). */
export const STRIPE_MAX_CONCURRENCY = 16;
/** 429s retried per request before the 429 is returned to the caller. */
export const STRIPE_429_RETRIES = 3;
/** First backoff after a 429; doubled each time, with jitter, at most 4 s. */
export const STRIPE_429_BACKOFF_MS = 500;
const MAX_BACKOFF_MS = 4_000;
/**
 * A request counts against its second for this long after it leaves: Stripe (and the emulator)
 * count arrivals in a one-second window, and a request may arrive a few ms later than it left
 * while the next one arrives at once, so a window of exactly 1,000 ms here could let the limit's
 * worth of requests reach Stripe within slightly less than a second.
 */
export const STRIPE_RATE_WINDOW_MS = 1_050;
/** A slot the database has not given within this long is taken from the instance's own pacing. */
export const SHARED_PACING_TIMEOUT_MS = 2_000;
/** Slots a call takes at most when each came too late to be used; then it is sent in the last. */
export const SHARED_PACING_ATTEMPTS = 4;
/** Round trips to the database longer than this are not used to estimate its clock's offset. */
const CLOCK_SAMPLE_MAX_MS = 5;
/** After the database failed to pace a call, the instance paces alone this long before asking it again. */
export const SHARED_PACING_RETRY_MS = 5_000;

/** The route a Stripe call is made for (the app route's URL pattern), while its request runs. */
interface CallScope {
  route: string;
  calls: number;
}
const scope = new AsyncLocalStorage<CallScope>();

/** Runs `fn` with its Stripe calls attributed to `route` (the app's onRequest hook does this). */
export function withStripeScope<T>(route: string, fn: () => T): T {
  return scope.run({ route, calls: 0 }, fn);
}

/** Stripe calls made so far by the request running now (0 outside a request). */
export function stripeCallsOfThisRequest(): number {
  return scope.getStore()?.calls ?? 0;
}

/** `/v1/issuing/cards/ic_123/…` → `/v1/issuing/cards/:id/…`: endpoints, not objects. */
export function endpointOf(method: string, path: string): string {
  const bare = path.split('?')[0]!;
  // An id is a lowercase prefix, `_`, then letters and digits with at least one digit or capital
  // (ic_1Ab…, acct_1…); resource names (ephemeral_keys, test_helpers) have neither.
  return `${method} ${bare.replace(/\/[a-z]+_[A-Za-z0-9]*[A-Z0-9][A-Za-z0-9]*(?=\/|$)/g, '/:id')}`;
}

export interface StripeBudgetStats {
  /** Calls per app route ("GET /api/cards/:id"; "(background)" outside a request, e.g. the backfill). */
  byRoute: Record<string, number>;
  /** Calls per Stripe endpoint ("GET /v1/issuing/cards/:id"). */
  byEndpoint: Record<string, number>;
  total: number;
  /** 429s received, and how many of them were retried. */
  rateLimited: number;
  retried: number;
  /** Most requests in flight at once so far. */
  peakInFlight: number;
  /** Most requests sent within any one second so far (a sliding window). */
  peakPerSecond: number;
  /** Requests that waited for the rate limit before they were sent. */
  rateDelayed: number;
}

export interface BudgetOptions {
  concurrency?: number;
  retries429?: number;
  backoffMs?: number;
  /** Requests sent per second at most (undefined: no rate limit, only the concurrency limit). */
  maxPerSecond?: number;
  /** Requests sent per second to one Stripe endpoint at most (shared pacing only; undefined: not limited apart). */
  maxPerSecondPerEndpoint?: number;
}

/**
 * The deployment's budget (server/db/stripe-pacing.ts, through the app's database): takes a send
 * to `endpoint` in a slot of `slotMs` and says when the slot starts by the budget's clock
 * (undefined: nothing free soon, ask again), with the budget's clock at the time. Throws when it
 * cannot answer.
 */
export interface SharedPacing {
  take(
    endpoint: string,
    limits: { global: number; endpoint: number | undefined },
  ): Promise<{ startsAt: number | undefined; databaseNow: number }>;
  slotMs: number;
  /** A send later than this after its slot's end takes another slot: it would bunch with the next window's. */
  lateMs: number;
  /** Told once when the shared budget stops answering (the instance then paces alone), and when it answers again. */
  onUnavailable?(error: unknown): void;
  onRecovered?(): void;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Wraps an SDK HTTP client (Node's by default) with the budget. */
export class BudgetHttpClient extends Stripe.HttpClient {
  readonly stats: StripeBudgetStats = {
    byRoute: {},
    byEndpoint: {},
    total: 0,
    rateLimited: 0,
    retried: 0,
    peakInFlight: 0,
    peakPerSecond: 0,
    rateDelayed: 0,
  };
  private readonly limit: LimitFunction;
  /**
   * The instance's own pacing, without a shared budget or while the database cannot be reached:
   * runs a send once the last `maxPerSecond` sends are a window apart (p-throttle, strict: a
   * sliding window). The full rate, not a share of it: a call is better sent than failed.
   * The send runs inside the throttled function, at the moment p-throttle records for it: a send
   * made after awaiting a "your turn" promise instead left later, after whatever else ran in
   * between (on PGlite, database work of this thread: 11 ms and more), while its window was
   * counted from the turn, so the next second's sends reached Stripe inside the window.
   */
  private readonly localPaced: (<T>(send: () => Promise<T>) => Promise<T>) | undefined;
  private readonly maxPerSecond: number | undefined;
  private readonly maxPerSecondPerEndpoint: number | undefined;
  private shared: SharedPacing | undefined;
  /** Until when (performance.now()) the shared budget is not asked, after it failed; and whether it is down. */
  private sharedRetryAt = 0;
  private sharedDown = false;
  /**
   * The budget's clock minus this process's (Date.now()), from the quickest answer of the last
   * ten minutes (NTP's estimate: the database read its clock about midway through the round
   * trip), and only from answers quicker than CLOCK_SAMPLE_MAX_MS: a slow one (queued behind
   * other queries) says little about where in it the clock was read. Until such an answer the
   * clocks are taken to agree (hosts kept by NTP). Slots are kept by the clock, not by how long
   * an answer took, so a slow answer does not shift a send.
   */
  private clockOffset: { offset: number; roundTrip: number; at: number } | undefined;
  /** The shared budget's questions, one at a time (takeInTurn). */
  private takeQueue: Promise<void> = Promise.resolve();
  /** When the requests of the last second were sent, for `peakPerSecond`. */
  private readonly sentAt: number[] = [];
  private readonly retries: number;
  private readonly backoffMs: number;

  constructor(
    private readonly inner: Stripe.HttpClient = Stripe.createNodeHttpClient(),
    options: BudgetOptions = {},
  ) {
    super();
    this.limit = pLimit(options.concurrency ?? STRIPE_MAX_CONCURRENCY);
    this.retries = options.retries429 ?? STRIPE_429_RETRIES;
    this.backoffMs = options.backoffMs ?? STRIPE_429_BACKOFF_MS;
    this.maxPerSecond = options.maxPerSecond;
    this.maxPerSecondPerEndpoint = options.maxPerSecondPerEndpoint;
    if (options.maxPerSecond !== undefined) {
      const throttle = pThrottle({
        limit: options.maxPerSecond,
        interval: STRIPE_RATE_WINDOW_MS,
        strict: true,
        // With a weight, p-throttle's strict mode is an exact sliding window: a call waits only
        // while the window holds `limit` calls. Without one it also spaces calls interval/limit
        // apart once the window has been full (42 ms at 25/s), which held back 70 % of a support
        // team's calls at 10/s (test/server/support-team.test.ts).
        weight: () => 1,
        onDelay: () => void this.stats.rateDelayed++,
      });
      this.localPaced = throttle((send: () => Promise<unknown>) => send()) as <T>(send: () => Promise<T>) => Promise<T>;
    }
  }

  /**
   * Paces every send of this client through the deployment's budget (the app's database), or,
   * with undefined, through the instance's own pacing again (the app closing its database).
   */
  sharePacing(shared: SharedPacing | undefined): void {
    this.shared = shared;
    this.sharedRetryAt = 0;
    this.sharedDown = false;
    this.clockOffset = undefined;
  }

  private sampleClock(databaseNow: number, askedAt: number, answeredAt: number): number {
    const roundTrip = answeredAt - askedAt;
    const best = this.clockOffset;
    if (roundTrip <= CLOCK_SAMPLE_MAX_MS && (!best || roundTrip <= best.roundTrip || answeredAt - best.at > 600_000)) {
      this.clockOffset = { offset: databaseNow - (askedAt + answeredAt) / 2, roundTrip, at: answeredAt };
    }
    return this.clockOffset?.offset ?? 0;
  }

  /**
   * Asks the shared budget for a slot, one question at a time per instance, with a turn of the
   * event loop before each: a burst's questions then do not queue up together in the database
   * (PGlite runs each on this thread, and 30 of them back to back held the sockets of the calls
   * already given their slots for half a second, so that those reached Stripe bunched together).
   */
  private takeInTurn(
    shared: SharedPacing,
    endpoint: string,
  ): Promise<{ slot: { startsAt: number | undefined; databaseNow: number }; askedAt: number }> {
    const turn = this.takeQueue.then(async () => {
      await new Promise((resolve) => setImmediate(resolve));
      const askedAt = Date.now();
      return {
        slot: await shared.take(endpoint, { global: this.maxPerSecond!, endpoint: this.maxPerSecondPerEndpoint }),
        askedAt,
      };
    });
    this.takeQueue = turn.then(
      () => undefined,
      () => undefined,
    );
    return turn;
  }

  /**
   * Sends in this send's turn: a slot of the deployment's budget, else the instance's own pace.
   * `send` is called in the same turn of the event loop as the check that its slot is not late
   * (no await between them), so nothing else on this thread runs between the two.
   */
  private async paced<T>(endpoint: string, send: () => Promise<T>): Promise<T> {
    if (this.maxPerSecond === undefined) return send();
    const shared = this.shared;
    if (shared && performance.now() >= this.sharedRetryAt) {
      let onTime = false;
      try {
        for (let attempt = 1, delayed = false; ; attempt++) {
          let timer: NodeJS.Timeout | undefined;
          const { slot, askedAt } = await Promise.race([
            this.takeInTurn(shared, endpoint),
            new Promise<never>((_, reject) => {
              timer = setTimeout(
                () => reject(new Error(`no slot from the database within ${SHARED_PACING_TIMEOUT_MS} ms`)),
                SHARED_PACING_TIMEOUT_MS,
              );
            }),
          ]).finally(() => clearTimeout(timer));
          const offset = this.sampleClock(slot.databaseNow, askedAt, Date.now());
          if (this.sharedDown) {
            this.sharedDown = false;
            shared.onRecovered?.();
          }
          if (slot.startsAt === undefined) {
            // Nothing free in the next 30 s (a backlog far beyond the concurrency limits): ask again.
            if (!delayed) this.stats.rateDelayed++;
            delayed = true;
            await sleep(1_000);
            continue;
          }
          const startsAt = slot.startsAt - offset;
          if (startsAt > Date.now()) {
            if (!delayed) this.stats.rateDelayed++;
            delayed = true;
            await sleep(startsAt - Date.now());
          }
          // An answer or a timer that came too late (a busy event loop) would send this call with
          // the next window's: its slot is left unused and it takes another (a few times at most).
          if (Date.now() <= startsAt + shared.slotMs + shared.lateMs || attempt >= SHARED_PACING_ATTEMPTS) {
            onTime = true;
            break;
          }
        }
      } catch (error) {
        this.sharedRetryAt = performance.now() + SHARED_PACING_RETRY_MS;
        if (!this.sharedDown) {
          this.sharedDown = true;
          shared.onUnavailable?.(error);
        }
      }
      // Outside the try: a failed send is Stripe's failure, not the database's.
      if (onTime) return send();
    }
    return this.localPaced!(send);
  }

  /** Records a send for `peakPerSecond`. */
  private countSend(): void {
    const now = performance.now();
    this.sentAt.push(now);
    while (this.sentAt.length > 0 && now - this.sentAt[0]! >= 1_000) this.sentAt.shift();
    this.stats.peakPerSecond = Math.max(this.stats.peakPerSecond, this.sentAt.length);
  }

  override getClientName(): string {
    return this.inner.getClientName();
  }

  resetStats(): void {
    Object.assign(this.stats, {
      byRoute: {},
      byEndpoint: {},
      total: 0,
      rateLimited: 0,
      retried: 0,
      peakInFlight: 0,
      peakPerSecond: 0,
      rateDelayed: 0,
    });
    this.sentAt.length = 0;
  }

  override async makeRequest(
    ...args: Parameters<Stripe.HttpClient['makeRequest']>
  ): Promise<Stripe.HttpClientResponse> {
    const [, , path, method] = args;
    const current = scope.getStore();
    const route = current?.route ?? '(background)';
    const endpoint = endpointOf(method, path);
    for (let attempt = 0; ; attempt++) {
      if (current) current.calls++;
      this.stats.total++;
      this.stats.byRoute[route] = (this.stats.byRoute[route] ?? 0) + 1;
      this.stats.byEndpoint[endpoint] = (this.stats.byEndpoint[endpoint] ?? 0) + 1;
      // The rate is taken inside the concurrency slot, right before the send: a request that
      // got its turn in the second and then waited for a slot could otherwise bunch up with the
      // next second's.
      const response = await this.limit(() => {
        this.stats.peakInFlight = Math.max(this.stats.peakInFlight, this.limit.activeCount);
        // A retried POST carries the same headers, so the same Idempotency-Key: Stripe replays
        // rather than executes twice (https://docs.stripe.com/api/idempotent_requests).
        return this.paced(endpoint, () => {
          this.countSend();
          return this.inner.makeRequest(...args);
        });
      });
      if (response.getStatusCode() !== 429) return response;
      this.stats.rateLimited++;
      const shouldRetry = response.getHeaders()['stripe-should-retry'];
      if (shouldRetry === 'false' || attempt >= this.retries) return response;
      // The 429's body is not needed: drain it so its connection can be reused.
      (response.getRawResponse() as { resume?: () => void }).resume?.();
      this.stats.retried++;
      const delay = Math.min(this.backoffMs * 2 ** attempt, MAX_BACKOFF_MS) * (0.5 + Math.random() / 2);
      await new Promise((resolve) => setTimeout(resolve, delay));
    }
  }
}
