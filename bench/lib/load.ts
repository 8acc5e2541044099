// autocannon, bounded: every run has a time limit (`maxSeconds`: a duration-based load when no
// `amount` is given) and optionally a request count; only loopback targets are accepted.
import { createRequire } from 'node:module';

export interface LoadResult {
  requests: number;
  rps: number;
  p50Ms: number;
  p99Ms: number;
  errors: number;
  non2xx: number;
  durationS: number;
  /**
   * Answers per status code, per request of the sequence (one entry without a sequence): what
   * `non2xx` cannot tell, e.g. which of a reveal's two Stripe calls failed.
   */
  statuses: Array<Record<string, number>>;
}

interface AutocannonResult {
  requests: { average: number; total: number };
  latency: { p50: number; p99: number };
  errors: number;
  timeouts: number;
  non2xx: number;
  duration: number;
  '2xx': number;
}
type Autocannon = (opts: Record<string, unknown>, cb: (err: Error | null, result: AutocannonResult) => void) => unknown;
const autocannon = createRequire(import.meta.url)('autocannon') as Autocannon;

export interface LoadOptions {
  url: string;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  /** Called once per request with its index: the body (and headers) of that request. */
  request?: (i: number) => { body?: string; headers?: Record<string, string>; path?: string };
  connections?: number;
  /** Stop after this many requests (else the load runs for maxSeconds). */
  amount?: number;
  maxSeconds: number;
  /** A sequence of requests each connection repeats (e.g. the two Stripe calls of one reveal). */
  sequence?: Array<{ method: 'GET' | 'POST'; path: (i: number) => string; body?: (i: number) => string; headers?: (i: number) => Record<string, string> }>;
  /** Fixed overall request rate (requests per second), for latency at a given load. */
  rate?: number;
}

export async function load(opts: LoadOptions): Promise<LoadResult> {
  const target = new URL(opts.url);
  if (!['127.0.0.1', 'localhost', '[::1]'].includes(target.hostname)) throw new Error(`refusing a non-loopback target: ${opts.url}`);
  let i = 0;
  const statuses: Array<Record<string, number>> = (opts.sequence ?? [null]).map(() => ({}));
  const counter = (step: number) => (status: number) => {
    statuses[step]![status] = (statuses[step]![status] ?? 0) + 1;
  };
  const result = await new Promise<AutocannonResult>((resolve, reject) => {
    autocannon(
      {
        url: opts.url,
        method: opts.method ?? 'GET',
        headers: opts.headers ?? {},
        connections: opts.connections ?? 10,
        ...(opts.amount !== undefined ? { amount: opts.amount } : {}),
        duration: opts.maxSeconds,
        ...(opts.rate ? { overallRate: opts.rate } : {}),
        timeout: 10,
        ...(opts.sequence
          ? {
              requests: opts.sequence.map((step, n) => ({
                method: step.method,
                onResponse: counter(n),
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
          : {}),
        ...(opts.request
          ? {
              requests: [
                {
                  method: opts.method ?? 'GET',
                  onResponse: counter(0),
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
          : opts.sequence
            ? {}
            : { requests: [{ method: opts.method ?? 'GET', onResponse: counter(0) }] }),
      },
      (err, res) => (err ? reject(err) : resolve(res)),
    );
  });
  return {
    requests: result.requests.total,
    rps: Math.round(result.requests.average),
    p50Ms: result.latency.p50,
    p99Ms: result.latency.p99,
    errors: result.errors + result.timeouts,
    non2xx: result.non2xx,
    durationS: result.duration,
    statuses,
  };
}
