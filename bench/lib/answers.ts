// Counting a load's answers so that its figures are of what the section names. A load meant to
// measure successes (a reveal, a lookup) reports throughput and latency of its answers 200 only;
// every other answer is counted apart, by status. When answers other than 200 are more than a
// small share, the figures are of refusals (a bench user over the app's per-user limit, a rate
// limit, nonces run out), not of the work: the section is marked failed, and `npm run bench`
// ends non-zero naming it (issue 18: a PostgreSQL section once reported 6,456 answers 429 of
// 8,829 as its throughput).

/** Share of answers other than 200 above which a load meant to measure successes has failed. */
export const MAX_NOT_OK_SHARE = 0.05;

/** Status recorded for a request that got no HTTP answer (connection error, timeout). */
export const NO_ANSWER = 'error';

export interface AnswerFigures {
  /** The section and load, as the failure message names it. */
  section: string;
  /** Seconds the answers were collected over. */
  durationS: number;
  /** Every answer, whatever its status (and requests that got none). */
  answers: number;
  /** Answers 200: the only ones in the figures below. */
  ok: number;
  okPerS: number;
  /** Latency of the answers 200 (null when there were none). */
  p50Ms: number | null;
  p95Ms: number | null;
  p99Ms: number | null;
  maxMs: number | null;
  /** Answers by status, 200 included (`error`: no answer). */
  statuses: Record<string, number>;
  /** Answers other than 200, by status: not in the figures above. */
  notOk: Record<string, number>;
  /** notOk's share of all answers (0-1). */
  notOkShare: number;
  /** Why the figures do not measure the section (null: they do). */
  failed: string | null;
}

export interface TallyOptions {
  /** Largest share of answers other than 200 that still measures successes (MAX_NOT_OK_SHARE). */
  maxNotOkShare?: number;
  /** A load must have at least one answer 200 (true unless said otherwise). */
  requireOk?: boolean;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

/** The q-quantile (nearest rank) of sorted values. */
function quantile(sorted: number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]!;
}

/**
 * Counts answers as they arrive (`record`), then gives the figures of the answers 200
 * (`figures`). Latencies of other answers are not kept: a 429 answered in 0.3 ms says nothing
 * about the route's latency.
 */
export class AnswerTally {
  private readonly okMs: number[] = [];
  private readonly statuses: Record<string, number> = {};

  constructor(
    readonly section: string,
    private readonly options: TallyOptions = {},
  ) {}

  /** One answer: its HTTP status (or NO_ANSWER) and how long it took. */
  record(status: number | typeof NO_ANSWER, ms: number): void {
    const key = String(status);
    this.statuses[key] = (this.statuses[key] ?? 0) + 1;
    if (status === 200) this.okMs.push(ms);
  }

  figures(durationS: number): AnswerFigures {
    const sorted = [...this.okMs].sort((a, b) => a - b);
    const ok = sorted.length;
    const answers = Object.values(this.statuses).reduce((a, b) => a + b, 0);
    const notOk = Object.fromEntries(Object.entries(this.statuses).filter(([status]) => status !== '200'));
    const notOkCount = answers - ok;
    const notOkShare = answers ? notOkCount / answers : 0;
    const max = this.options.maxNotOkShare ?? MAX_NOT_OK_SHARE;
    const at = (q: number) => (ok ? round1(quantile(sorted, q)) : null);
    let failed: string | null = null;
    if (answers === 0) {
      failed = `${this.section}: no answers at all`;
    } else if (notOkShare > max) {
      failed =
        `${this.section}: ${notOkCount.toLocaleString('en')} of ${answers.toLocaleString('en')} answers were not 200 ` +
        `(${Object.entries(notOk)
          .map(([s, n]) => `${s}: ${n.toLocaleString('en')}`)
          .join(', ')}), more than ${Math.round(max * 100)} %: ` +
        'its figures would be of refusals, not of the work it names';
    } else if (ok === 0 && this.options.requireOk !== false) {
      failed = `${this.section}: no answer 200`;
    }
    return {
      section: this.section,
      durationS,
      answers,
      ok,
      okPerS: durationS > 0 ? Math.round(ok / durationS) : 0,
      p50Ms: at(0.5),
      p95Ms: at(0.95),
      p99Ms: at(0.99),
      maxMs: at(1),
      statuses: { ...this.statuses },
      notOk,
      notOkShare: Math.round(notOkShare * 10_000) / 10_000,
      failed,
    };
  }
}

/** The figures of a list of answers already collected (a sequential series). */
export function tallyAnswers(
  section: string,
  answers: Array<{ status: number | typeof NO_ANSWER; ms: number }>,
  durationS: number,
  options?: TallyOptions,
): AnswerFigures {
  const tally = new AnswerTally(section, options);
  for (const a of answers) tally.record(a.status, a.ms);
  return tally.figures(durationS);
}

// Every load of the run reports here; bench/run.ts asks at the end and exits non-zero when any
// section's figures are of refusals, after writing the JSON (which lists them in `failures`).
const failures: string[] = [];

/** Notes a load's figures; returns them. A failed load is remembered for `benchFailures`. */
export function checked<T extends { failed: string | null }>(figures: T): T {
  if (figures.failed) failures.push(figures.failed);
  return figures;
}

/** A failure that is not a load's (e.g. a section that could not run at all when asked to). */
export function noteFailure(message: string): void {
  failures.push(message);
}

/** The failures noted so far in this process. */
export function benchFailures(): string[] {
  return [...failures];
}
