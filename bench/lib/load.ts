// autocannon, bounded: every run has a time limit (`maxSeconds`) and, where each request needs
// an input prepared beforehand (a nonce), at most `inputs` requests: the load ends when they are
// used up rather than sending requests that can only be refused. Only loopback targets.
//
// Answers are counted per status as they arrive (bench/lib/answers.ts): throughput and latency
// are of the answers 200 only, every other answer is counted apart, and a load whose answers
// are mostly not 200 is marked failed (`failed`), which makes `npm run bench` exit non-zero.
// autocannon's own figures are not used: its `requests.average` counts every answer and its
// latency histogram includes non-2xx answers.
import { createRequire } from 'node:module';
import { AnswerTally, checked, NO_ANSWER, type AnswerFigures, type TallyOptions } from './answers.ts';

export interface LoadResult extends AnswerFigures {
  /** Requests sent (answered or not). */
  requests: number;
  /** Connection errors and timeouts (also counted in `statuses` as `error`). */
  errors: number;
  /** Why the load ended: its duration, or its prepared inputs used up (`inputs`). */
  ended: 'duration' | 'inputs';
  /**
   * A sequence's steps, each counted like a load of its own (e.g. a reveal's two Stripe calls:
   * which of them failed). The load's own figures are those of its last step.
   */
  steps?: AnswerFigures[];
}

interface AutocannonResult {
  requests: { total: number };
  errors: number;
  timeouts: number;
}
interface Tracker {
  on(
    event: 'response',
    fn: (
      client: { requestIterator?: { currentRequestIndex?: number } },
      status: number,
      bytes: number,
      ms: number,
    ) => void,
  ): void;
  on(event: 'reqError' | 'start', fn: () => void): void;
  stop(): void;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => Tracker;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadOptions {
  /** What the load measures, as a failure names it: "postgres: POST /api/ephemeral-keys". */
  section: string;
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Called once per request with its index: the body (and headers) of that request. */
  request?: (i: number) => { body?: string; headers?: Record<string, string>; path?: string };
  connections?: number;
  /**
   * Requests (sequences, with `sequence`) that have an input prepared: the load sends no more
   * than these, and ends early when they are used up (`ended: 'inputs'`).
   */
  inputs?: number;
  maxSeconds: number;
  /** A sequence of requests each connection repeats (e.g. the two Stripe calls of one reveal). */
  sequence?: Array<{
    method: 'GET' | 'POST';
    path: (i: number) => string;
    body?: (i: number) => string;
    headers?: (i: number) => Record<string, string>;
  }>;
  /** Fixed overall request rate (requests per second), for latency at a given load. */
  rate?: number;
  /** How many answers other than 200 the load tolerates (answers.ts). */
  tally?: TallyOptions;
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const target = new URL(opts.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname))
    throw new Error(`refusing a non-loopback target: ${opts.url}`);
  // autocannon reads `amount: 0` as no amount at all (a load of unbounded requests).
  if (opts.inputs !== undefined && opts.inputs < 1) throw new Error(`${opts.section}: no inputs prepared`);
  const stepCount = opts.sequence?.length ?? 1;
  const tallies = Array.from(
    { length: stepCount },
    (_, n) =>
      new AnswerTally(stepCount > 1 ? `${opts.section} (step ${n + 1} of ${stepCount})` : opts.section, opts.tally),
  );
  let i = 0;
  const connections = Math.max(1, Math.min(opts.connections ?? 10, opts.inputs ?? Infinity));
  // autocannon's `amount` ends the load after that many requests (spread over the connections);
  // it ignores the duration, so the duration is enforced by stopping it below.
  const amount = opts.inputs !== undefined ? opts.inputs * stepCount : undefined;
  let startedAt = performance.now();
  let lastAnswerAt = startedAt;
  let durationReached = false;
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    let timer: NodeJS.Timeout | undefined;
    const tracker = autocannon(
      {
        url: opts.url,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        connections,
        ...(amount !== undefined ? { amount } : {}),
        duration: opts.maxSeconds,
        ...(opts.rate ? { overallRate: opts.rate } : {}),
        timeout: 10,
        ...(opts.sequence
          ? {
              requests: opts.sequence.map((step) => ({
                method: step.method,
                setupRequest: (req: { headers?: Record<string, string> }) => {
                  const n = i++;
                  return {
                    ...req,
                    path: step.path(n),
                    ...(step.body ? { body: step.body(n) } : {}),
                    ...(step.headers ? { headers: { ...req.headers, ...step.headers(n) } } : {}),
                  };
                },
              })),
            }
          : opts.request
            ? {
                requests: [
                  {
                    method: opts.method ?? 'GET',
                    setupRequest: (req: { headers: Record<string, string>; path: string }) => {
                      const extra = opts.request!(i++);
                      return {
                        ...req,
                        ...(extra.path ? { path: extra.path } : {}),
                        ...(extra.body !== undefined ? { body: extra.body } : {}),
                        headers: { ...req.headers, ...(extra.headers ?? {}) },
                      };
                    },
                  },
                ],
              }
            : {}),
      },
      (err, res) => {
        clearTimeout(timer);
        if (err) reject(err);
        else resolve(res);
      },
    );
    tracker.on('start', () => {
      startedAt = performance.now();
      if (amount !== undefined) {
        timer = setTimeout(() => {
          durationReached = true;
          tracker.stop();
        }, opts.maxSeconds * 1000);
      }
    });
    // The client has not moved on to its next request when it reports an answer: its current
    // request index is the step answered.
    tracker.on('response', (client, status, _bytes, ms) => {
      lastAnswerAt = performance.now();
      tallies[stepCount > 1 ? (client.requestIterator?.currentRequestIndex ?? 0) : 0]!.record(status, ms);
    });
    tracker.on('reqError', () => tallies.at(-1)!.record(NO_ANSWER, 0));
  });
  const ended: LoadResult['ended'] = amount !== undefined && !durationReached ? 'inputs' : 'duration';
  // A load that ran its time: the time it ran (answers still arriving after it count, and the
  // time with them). A load that used up its inputs: up to its last answer (autocannon's own
  // duration runs to its next one-second tick, idle time by then).
  const answeredS = Math.round(lastAnswerAt - startedAt) / 1000;
  const durationS = Math.max(0.001, ended === 'inputs' ? answeredS : Math.max(opts.maxSeconds, answeredS));
  const steps = tallies.map((t) => t.figures(durationS));
  const last = steps.at(-1)!;
  // A sequence fails when any of its steps does.
  const failed =
    steps
      .map((s) => s.failed)
      .filter(Boolean)
      .join('; ') || null;
  return checked<LoadResult>({
    ...last,
    section: opts.section,
    failed,
    requests: result.requests.total,
    errors: result.errors + result.timeouts,
    ended,
    ...(stepCount > 1 ? { steps } : {}),
  });
}
