// The live feed's connection, apart from React so that its rules can be tested with a fake
// EventSource and fake timers (test/client/live-feed.test.ts). The server's stream
// (server/routes/api/events.ts) sends `ready` once following, `activity` per event, and `end`
// a few seconds before it closes a connection on purpose (every minute or so): the page opens the
// next connection then, and lets the old one go once the new one follows, so that no event falls
// between the two (one arriving on both is handled twice, which only refetches twice).

/**
 * - `connecting`: not following yet (the first connection);
 * - `live`: following; what the page shows follows Stripe's events;
 * - `paused`: the feed dropped and has not come back within a few seconds; retrying. What the
 *   page shows may be out of date until it reconnects (then it is fetched again).
 */
export type LiveState = 'connecting' | 'live' | 'paused';

/** What the feed needs of an EventSource (the browser's, or a test's). */
export interface EventSourceLike {
  readonly readyState: number;
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void;
  onerror: ((event: Event) => void) | null;
  close(): void;
}

/** EventSource.CLOSED: the browser gave up and will not reconnect by itself. */
const CLOSED = 2;

/** How long a drop may last before the page says so: EventSource's own retry is 2 s (the server's `retry`). */
export const PAUSED_AFTER_MS = 3_000;
/** Our own retries when the browser gives up on the stream (a refused or failed response): 2 s, doubling, at most 30 s. */
export const RETRY_MS = [2_000, 4_000, 8_000, 16_000, 30_000] as const;

export interface LiveFeedHandlers {
  /** A new connection to the stream. */
  open(): EventSourceLike;
  onState(state: LiveState): void;
  /** An `activity` event's data. */
  onActivity(data: string): void;
  /** Following again after a drop: events may have been missed, everything is fetched again. */
  onBack(): void;
}

/**
 * Follows the stream until the returned stop is called. A planned end is followed by a new
 * connection at once (no pause), the old one kept until the new one is ready; a drop (network, server) is retried (by the browser, or by us
 * when it gives up) and reported as `paused` once it lasts PAUSED_AFTER_MS; the first `ready`
 * after a drop calls onBack.
 */
export function followLiveFeed(handlers: LiveFeedHandlers): () => void {
  let source: EventSourceLike | undefined;
  /** Connections that said `end`, still delivering until the next one is ready. */
  const retiring = new Set<EventSourceLike>();
  let stopped = false;
  let dropped = false;
  let retries = 0;
  let pauseTimer: ReturnType<typeof setTimeout> | undefined;
  let retryTimer: ReturnType<typeof setTimeout> | undefined;

  const notePause = () => {
    if (pauseTimer !== undefined) return;
    pauseTimer = setTimeout(() => {
      if (!stopped) handlers.onState('paused');
    }, PAUSED_AFTER_MS);
  };
  const open = () => {
    if (stopped) return;
    const current = handlers.open();
    source = current;
    current.addEventListener('ready', () => {
      for (const old of retiring) old.close();
      retiring.clear();
      clearTimeout(pauseTimer);
      pauseTimer = undefined;
      retries = 0;
      if (dropped) handlers.onBack();
      dropped = false;
      handlers.onState('live');
    });
    current.addEventListener('activity', (message) => handlers.onActivity(message.data));
    current.addEventListener('end', () => {
      // Its close (by the server, in a few seconds) is not a drop; the browser must not reopen it.
      current.onerror = () => current.close();
      retiring.add(current);
      open();
    });
    current.onerror = () => {
      dropped = true;
      notePause();
      // Still connecting: the browser retries by itself. Closed: it gave up; we retry.
      if (current.readyState === CLOSED) {
        current.close();
        const delay = RETRY_MS[Math.min(retries, RETRY_MS.length - 1)]!;
        retries += 1;
        retryTimer = setTimeout(open, delay);
      }
    };
  };

  handlers.onState('connecting');
  open();
  // A first connection that does not come up is reported as a pause too.
  notePause();
  return () => {
    stopped = true;
    clearTimeout(pauseTimer);
    clearTimeout(retryTimer);
    source?.close();
    for (const old of retiring) old.close();
  };
}
