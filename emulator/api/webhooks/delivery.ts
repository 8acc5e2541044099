// Asynchronous, signed delivery of events to webhook endpoints, with retries.
//
// Stripe POSTs the event JSON with `Stripe-Signature`, counts any 2xx as delivered and retries
// anything else (non-2xx, redirect, timeout, network error) with backoff and a fresh timestamp and
// signature on each attempt (docs.stripe.com/webhooks#retries). Stripe spreads test-mode retries
// over hours; the emulator compresses them into seconds (`retryDelaysMs`) so tests see them.
import { signatureHeader } from './signature.ts';

export interface DeliveryTarget {
  endpointId: string;
  url: string;
  secret: string;
}

export interface DeliveryAttempt {
  eventId: string;
  eventType: string;
  endpointId: string;
  url: string;
  attempt: number;
  /** HTTP status, or undefined when the request failed (network error, timeout). */
  status?: number;
  error?: string;
  ok: boolean;
  at: number;
}

export interface DispatcherOptions {
  /** Waits before each retry; attempts = length + 1. Default [1000, 4000]: 3 tries over 5 s. */
  retryDelaysMs?: readonly number[];
  /** Per-attempt timeout. Default 10 s. */
  timeoutMs?: number;
  log?: (attempt: DeliveryAttempt) => void;
}

export const DEFAULT_RETRY_DELAYS_MS = [1000, 4000] as const;
const ATTEMPT_LOG_SIZE = 500;

// What Stripe's webhook sender sends besides the signature.
export const DELIVERY_HEADERS = {
  'content-type': 'application/json; charset=utf-8',
  'user-agent': 'Stripe/1.0 (+https://stripe.com/docs/webhooks)',
  'cache-control': 'no-cache',
  accept: '*/*; q=0.5, application/xml',
};

export class WebhookDispatcher {
  readonly #options: Required<Omit<DispatcherOptions, 'log'>> & DispatcherOptions;
  readonly #timers = new Set<NodeJS.Timeout>();
  readonly #running = new Set<Promise<void>>();
  readonly #abort = new AbortController();
  readonly #idleWaiters: Array<() => void> = [];
  /** The last attempts, newest last (for tests and debugging). */
  readonly attempts: DeliveryAttempt[] = [];
  #closed = false;

  constructor(options: DispatcherOptions = {}) {
    this.#options = { retryDelaysMs: DEFAULT_RETRY_DELAYS_MS, timeoutMs: 10_000, ...options };
  }

  /**
   * Schedules the delivery of one event to one endpoint. `render` gives the body of each attempt
   * (so that `pending_webhooks` is current); `onDelivered` runs once it got a 2xx.
   */
  deliver(
    target: DeliveryTarget,
    event: { id: string; type: string },
    render: () => string,
    onDelivered?: () => void,
  ): void {
    if (this.#closed) return;
    this.#schedule(0, () => this.#attempt(target, event, render, onDelivered, 1));
  }

  /** Resolves once nothing is scheduled or in flight. */
  idle(): Promise<void> {
    if (this.#timers.size === 0 && this.#running.size === 0) return Promise.resolve();
    return new Promise((resolve) => this.#idleWaiters.push(resolve));
  }

  close(): void {
    this.#closed = true;
    for (const timer of this.#timers) clearTimeout(timer);
    this.#timers.clear();
    this.#abort.abort();
    this.#checkIdle();
  }

  #schedule(delayMs: number, run: () => Promise<void>): void {
    const timer = setTimeout(() => {
      this.#timers.delete(timer);
      const task = run().finally(() => {
        this.#running.delete(task);
        this.#checkIdle();
      });
      this.#running.add(task);
    }, delayMs);
    // A pending retry must not keep a process (a CLI run, a test worker) alive.
    timer.unref();
    this.#timers.add(timer);
  }

  #checkIdle(): void {
    if (this.#timers.size > 0 || this.#running.size > 0) return;
    for (const resolve of this.#idleWaiters.splice(0)) resolve();
  }

  async #attempt(
    target: DeliveryTarget,
    event: { id: string; type: string },
    render: () => string,
    onDelivered: (() => void) | undefined,
    attempt: number,
  ): Promise<void> {
    if (this.#closed) return;
    const body = render();
    const timestamp = Math.floor(Date.now() / 1000);
    const record: DeliveryAttempt = {
      eventId: event.id,
      eventType: event.type,
      endpointId: target.endpointId,
      url: target.url,
      attempt,
      ok: false,
      at: Date.now(),
    };
    try {
      const response = await fetch(target.url, {
        method: 'POST',
        headers: { ...DELIVERY_HEADERS, 'stripe-signature': signatureHeader(target.secret, timestamp, body) },
        body,
        redirect: 'manual',
        signal: AbortSignal.any([this.#abort.signal, AbortSignal.timeout(this.#options.timeoutMs)]),
      });
      record.status = response.status;
      record.ok = response.status >= 200 && response.status < 300;
      // Stripe ignores the body; read it so that the connection can be reused.
      await response.arrayBuffer().catch(() => undefined);
    } catch (error) {
      record.error =
        error instanceof Error ? (error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    }
    this.#record(record);
    if (record.ok) {
      onDelivered?.();
      return;
    }
    const delay = this.#options.retryDelaysMs[attempt - 1];
    if (delay !== undefined && !this.#closed) {
      this.#schedule(delay, () => this.#attempt(target, event, render, onDelivered, attempt + 1));
    }
  }

  #record(attempt: DeliveryAttempt): void {
    this.attempts.push(attempt);
    if (this.attempts.length > ATTEMPT_LOG_SIZE) this.attempts.splice(0, this.attempts.length - ATTEMPT_LOG_SIZE);
    this.#options.log?.(attempt);
  }
}
