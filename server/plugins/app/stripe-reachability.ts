// Whether Stripe can be reached, as every Stripe call of the app finds out (issue 18, item 9;
// docs/decisions/152-stripe-unreachable.md). One place sees every attempt: an HTTP client
// around the SDK's, under the call budget (so each retry counts, not only the SDK's final
// verdict). A connection error, a timeout or a 5xx says "unreachable"; any other answer (a 4xx
// included: Stripe answered) says "reachable"; a 429 says neither (Stripe answers, but the
// platform is over its rate: not what the pages' banner is about).
//
// What it finds is written to `mirror_status` (recordStripeContact) for every instance and the
// status endpoint to read, at most once a second per instance: not one database write per call.
import Stripe from 'stripe';

export type ContactListener = (reachable: boolean) => void;

/** Wraps an SDK HTTP client (Node's by default) and tells its listener how each attempt went. */
export class ReachabilityHttpClient extends Stripe.HttpClient {
  private listener: ContactListener | undefined;

  constructor(private readonly inner: Stripe.HttpClient = Stripe.createNodeHttpClient()) {
    super();
  }

  /** The one listener (the app's recorder), or undefined to stop telling. */
  listen(listener: ContactListener | undefined): void {
    this.listener = listener;
  }

  override getClientName(): string {
    return this.inner.getClientName();
  }

  override async makeRequest(
    ...args: Parameters<Stripe.HttpClient['makeRequest']>
  ): Promise<Stripe.HttpClientResponse> {
    let response: Stripe.HttpClientResponse;
    try {
      response = await this.inner.makeRequest(...args);
    } catch (error) {
      // No answer: refused, reset, timed out (the SDK retries and then throws StripeConnectionError).
      this.tell(false);
      throw error;
    }
    const status = response.getStatusCode();
    if (status !== 429) this.tell(status < 500);
    return response;
  }

  private tell(reachable: boolean): void {
    try {
      this.listener?.(reachable);
    } catch {
      // Recording is best effort: a Stripe call never fails because of it.
    }
  }
}

/** At most one write of the contact state per this many ms (per instance). */
export const CONTACT_WRITE_INTERVAL_MS = 1_000;

/**
 * Debounces what the calls find into writes of `mirror_status`: the newest finding is written at
 * most once per `intervalMs` (the first after a quiet spell at once). Findings the same as the
 * last one written are written too, at that pace: they refresh `stripe_ok_at` and clear a mark
 * another instance or the reconciler left. `flush()` writes the newest finding now when it differs
 * from the last one written (the error handler, so that the page asking for the status right
 * after a refusal already sees it).
 */
export class StripeContactRecorder {
  private latest: boolean | undefined;
  /** A finding arrived since the last write. */
  private pending = false;
  private written: boolean | undefined;
  private writtenAt = Number.NEGATIVE_INFINITY;
  private timer: NodeJS.Timeout | undefined;
  private writing: Promise<void> | undefined;
  private stopped = false;

  constructor(
    private readonly write: (reachable: boolean) => Promise<void>,
    private readonly onWriteError: (error: unknown) => void = () => {},
    private readonly intervalMs = CONTACT_WRITE_INTERVAL_MS,
    private readonly now: () => number = () => performance.now(),
  ) {}

  report(reachable: boolean): void {
    if (this.stopped) return;
    this.latest = reachable;
    this.pending = true;
    this.schedule();
  }

  /** Writes the newest finding at once when it is not the one written last; resolves once written. */
  async flush(): Promise<void> {
    await this.writing;
    if (this.stopped || !this.pending || this.latest === this.written) return;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writeNow();
  }

  /** No more writes (the app closing); waits for one in flight. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearTimeout(this.timer);
    this.timer = undefined;
    await this.writing;
  }

  private schedule(): void {
    // A write in flight or one already timed takes the newest finding when it comes.
    if (this.stopped || this.timer || this.writing) return;
    this.timer = setTimeout(
      () => {
        this.timer = undefined;
        if (!this.stopped && this.pending) void this.writeNow();
      },
      Math.max(0, this.writtenAt + this.intervalMs - this.now()),
    );
    this.timer.unref();
  }

  private writeNow(): Promise<void> {
    const value = this.latest!;
    this.pending = false;
    this.written = value;
    this.writtenAt = this.now();
    this.writing = this.write(value)
      .catch((error: unknown) => {
        // Unknown again: the next finding is written whatever it is.
        this.written = undefined;
        this.onWriteError(error);
      })
      .finally(() => {
        this.writing = undefined;
        if (this.pending) this.schedule();
      });
    return this.writing;
  }
}
