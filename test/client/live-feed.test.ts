// The live feed's connection rules (client/src/features/activity/lib/live-feed.ts), with a fake
// EventSource and fake timers: a planned end reconnects at once and is not a drop; a drop is
// said ("paused") only once it lasts, retried by the browser or by us when it gives up, and the
// page fetches everything again once the feed is back (issue 20, item 4).
import { afterEach, beforeEach, describe, expect, test, vi } from 'vitest';
import {
  followLiveFeed,
  PAUSED_AFTER_MS,
  RETRY_MS,
  type EventSourceLike,
  type LiveState,
} from '../../client/src/features/activity/lib/live-feed.ts';

class FakeSource implements EventSourceLike {
  readyState = 0;
  closed = false;
  onerror: ((event: Event) => void) | null = null;
  private readonly listeners = new Map<string, ((event: MessageEvent<string>) => void)[]>();
  addEventListener(type: string, listener: (event: MessageEvent<string>) => void): void {
    this.listeners.set(type, [...(this.listeners.get(type) ?? []), listener]);
  }
  emit(type: string, data = '{}'): void {
    if (type === 'ready') this.readyState = 1;
    for (const listener of this.listeners.get(type) ?? []) listener({ data } as MessageEvent<string>);
  }
  fail(gaveUp = false): void {
    this.readyState = gaveUp ? 2 : 0;
    this.onerror?.(new Event('error'));
  }
  close(): void {
    this.closed = true;
    this.readyState = 2;
  }
}

let sources: FakeSource[];
let states: LiveState[];
let activity: string[];
let backs: number;
let stop: () => void;

beforeEach(() => {
  vi.useFakeTimers();
  sources = [];
  states = [];
  activity = [];
  backs = 0;
  stop = followLiveFeed({
    open: () => {
      const source = new FakeSource();
      sources.push(source);
      return source;
    },
    onState: (state) => states.push(state),
    onActivity: (data) => activity.push(data),
    onBack: () => (backs += 1),
  });
});
afterEach(() => {
  stop();
  vi.useRealTimers();
});

const last = () => sources.at(-1)!;

describe('the live feed', () => {
  test('is live once the server says ready, and hands on each event', () => {
    expect(states).toEqual(['connecting']);
    last().emit('ready');
    last().emit('activity', '{"type":"issuing_card.updated","card":"ic_1"}');
    expect(states).toEqual(['connecting', 'live']);
    expect(activity).toEqual(['{"type":"issuing_card.updated","card":"ic_1"}']);
  });

  test('a planned end reconnects at once and is never reported as a pause', () => {
    last().emit('ready');
    last().emit('end');
    expect(sources).toHaveLength(2);
    vi.advanceTimersByTime(PAUSED_AFTER_MS * 2);
    last().emit('ready');
    expect(sources[0]!.closed).toBe(true);
    expect(states).toEqual(['connecting', 'live', 'live']);
    expect(backs).toBe(0);
  });

  test('after a planned end, the old connection delivers until the new one is ready: nothing falls between', () => {
    last().emit('ready');
    const old = last();
    old.emit('end');
    old.emit('activity', '{"type":"issuing_authorization.created","card":"ic_1"}');
    expect(activity).toEqual(['{"type":"issuing_authorization.created","card":"ic_1"}']);
    expect(old.closed).toBe(false);
    // The server closes it a few seconds later: not a drop, and never reopened.
    old.fail();
    expect(old.closed).toBe(true);
    vi.advanceTimersByTime(PAUSED_AFTER_MS * 2);
    expect(states).toEqual(['connecting', 'live']);
    last().emit('ready');
    expect(states).toEqual(['connecting', 'live', 'live']);
    expect(sources).toHaveLength(2);
  });

  test('a drop that lasts is said, and clears with a refetch of everything when the feed is back', () => {
    last().emit('ready');
    last().fail(); // the browser retries by itself
    vi.advanceTimersByTime(PAUSED_AFTER_MS - 1);
    expect(states.at(-1)).toBe('live');
    vi.advanceTimersByTime(1);
    expect(states.at(-1)).toBe('paused');
    last().emit('ready');
    expect(states.at(-1)).toBe('live');
    expect(backs).toBe(1);
    expect(sources).toHaveLength(1);
  });

  test('a short drop is not said, but what was missed is fetched again', () => {
    last().emit('ready');
    last().fail();
    vi.advanceTimersByTime(PAUSED_AFTER_MS / 2);
    last().emit('ready');
    vi.advanceTimersByTime(PAUSED_AFTER_MS * 2);
    expect(states).toEqual(['connecting', 'live', 'live']);
    expect(backs).toBe(1);
  });

  test('when the browser gives up, we retry, waiting longer each time', () => {
    last().emit('ready');
    last().fail(true);
    expect(sources).toHaveLength(1);
    vi.advanceTimersByTime(RETRY_MS[0]);
    expect(sources).toHaveLength(2);
    last().fail(true);
    vi.advanceTimersByTime(RETRY_MS[0]);
    expect(sources).toHaveLength(2);
    vi.advanceTimersByTime(RETRY_MS[1] - RETRY_MS[0]);
    expect(sources).toHaveLength(3);
    expect(states.at(-1)).toBe('paused');
    last().emit('ready');
    expect(states.at(-1)).toBe('live');
  });

  test('a first connection that never comes up is reported as a pause', () => {
    vi.advanceTimersByTime(PAUSED_AFTER_MS);
    expect(states).toEqual(['connecting', 'paused']);
  });

  test('stopped, it closes the stream and retries nothing', () => {
    last().fail(true);
    stop();
    vi.advanceTimersByTime(60_000);
    expect(sources).toHaveLength(1);
    expect(sources[0]!.closed).toBe(true);
    expect(states).toEqual(['connecting']);
  });
});
