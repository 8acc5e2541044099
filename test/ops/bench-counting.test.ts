// `npm run bench` measures what it names (issue 18): a load's throughput and latency are of its
// answers 200 only, other answers are counted apart by status, a load whose answers are mostly
// refusals is reported as failed (the run then exits non-zero naming it), and a load whose
// requests each need a prepared input (a nonce) sends no request past them. Exercised against a
// small HTTP server on loopback that refuses most requests with 429, as the app refused a
// PostgreSQL section's reveals once its bench users and nonces ran out.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { load } from '../../bench/lib/load.ts';

/** Milliseconds an answer 200 takes; a 429 is answered at once. */
const OK_DELAY_MS = 40;

let server: Server;
let url: string;
/** What the server answered, by status, since the last reset. */
let served: Record<number, number> = {};
/** One request in `okEvery` is answered 200 (after OK_DELAY_MS), the others 429. */
let okEvery = 10;
let seen = 0;

beforeAll(async () => {
  server = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      const status = ++seen % okEvery === 0 ? 200 : 429;
      const answer = () => {
        served[status] = (served[status] ?? 0) + 1;
        res
          .writeHead(status, { 'content-type': 'application/json' })
          .end(status === 200 ? '{"ok":true}' : '{"error":{"code":"rate_limited"}}');
      };
      if (status === 200) setTimeout(answer, OK_DELAY_MS);
      else answer();
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/api/ephemeral-keys`;
});

afterAll(async () => {
  await new Promise<void>((resolve) => server.close(() => resolve()));
});

/**
 * A duration-bounded load abandons the requests in flight when its time is up (the server may
 * still answer them): wait for those before counting afresh.
 */
async function reset(every: number) {
  await new Promise((r) => setTimeout(r, OK_DELAY_MS * 3));
  served = {};
  seen = 0;
  okEvery = every;
}

describe('bench load counting', () => {
  it('a load whose answers are mostly 429 is reported as failed, naming its section, and its figures exclude the 429s', async () => {
    await reset(10);
    const result = await load({
      section: 'postgres: POST /api/ephemeral-keys',
      url,
      method: 'POST',
      connections: 4,
      maxSeconds: 1,
    });

    // Latency is of the answers 200 only: each took OK_DELAY_MS, the 429s next to nothing.
    expect(result.p50Ms).toBeGreaterThanOrEqual(OK_DELAY_MS - 5);
    expect(result.p99Ms).toBeGreaterThanOrEqual(OK_DELAY_MS - 5);
    expect(result).toMatchObject({ notOk: { '429': expect.any(Number) } });
    // The server's counts, less what was in flight when the load's second was up.
    const refused = result.notOk['429']!;
    expect(refused).toBeGreaterThan(result.ok * 5);
    expect(result.ok).toBeGreaterThan(0);
    expect(result.ok).toBeLessThanOrEqual(served[200]!);
    expect(result.ok + refused).toBeGreaterThanOrEqual((served[200] ?? 0) + (served[429] ?? 0) - 4);
    // Refusals dominate: the load is failed, and the message says which section and why.
    expect(result).toMatchObject({
      statuses: { '200': result.ok, '429': refused },
      failed: expect.stringMatching(/^postgres: POST \/api\/ephemeral-keys: .*429/),
    });
    // Throughput counts answers 200 only.
    expect(result.okPerS).toBe(Math.round(result.ok / result.durationS));
    expect(result.okPerS).toBeLessThan(refused / result.durationS / 5);
  });

  it('a load answered 200 throughout is not failed', async () => {
    await reset(1);
    const result = await load({
      section: 'pglite: POST /api/account-sessions',
      url,
      method: 'POST',
      connections: 2,
      maxSeconds: 1,
    });
    expect(result).toMatchObject({ failed: null, notOk: {} });
    expect(result.ok).toBeGreaterThan(0);
    expect(result.ok).toBeGreaterThanOrEqual(served[200]! - 2);
    expect(result.p50Ms).toBeGreaterThanOrEqual(OK_DELAY_MS - 5);
  });

  it('a few refusals (no more than 5 %) are counted apart without failing the load', async () => {
    await reset(1);
    // 1 in 25 answered 429 (4 %): every 25th request.
    okEvery = 1;
    const original = server.listeners('request')[0] as (...a: unknown[]) => void;
    server.removeAllListeners('request');
    let n = 0;
    server.on('request', (req, res) => {
      if (++n % 25 === 0) {
        req.resume();
        served[429] = (served[429] ?? 0) + 1;
        res.writeHead(429).end();
        return;
      }
      original(req, res);
    });
    try {
      const result = await load({
        section: 'a mostly healthy load',
        url,
        method: 'POST',
        connections: 2,
        maxSeconds: 1,
      });
      expect(result).toMatchObject({ failed: null, notOk: { '429': expect.any(Number) } });
      expect(result.notOk['429']).toBeGreaterThan(0);
      expect(result.notOk['429']).toBeLessThanOrEqual(served[429]!);
      expect(result.ok).toBeGreaterThanOrEqual(served[200]! - 2);
      expect(result.notOk['429']! / (result.ok + result.notOk['429']!)).toBeLessThanOrEqual(0.05);
      expect(result.failed).toBeNull();
    } finally {
      server.removeAllListeners('request');
      server.on('request', original);
    }
  });

  it('a load with prepared inputs sends no request past them and says it ended early', async () => {
    await reset(1);
    const nonces = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5', 'n6'];
    const used: string[] = [];
    const result = await load({
      section: 'pglite: POST /api/ephemeral-keys',
      url,
      method: 'POST',
      connections: 3,
      maxSeconds: 3,
      inputs: nonces.length,
      request: (i) => {
        used.push(nonces[i] ?? 'past the prepared nonces');
        return { body: JSON.stringify({ nonce: nonces[i] }) };
      },
    });
    expect(served[200]).toBe(nonces.length);
    expect(used).toEqual(nonces);
    expect(result).toMatchObject({ ok: nonces.length, ended: 'inputs', failed: null });
    // The rate is over the time the answers took, not the 3 s the load was allowed.
    expect(result.durationS).toBeLessThan(1.5);
  });

  it("the issue's PostgreSQL section (6,456 of 8,829 answers 429) is failed, and the run's failures name every failed load", async () => {
    // Imported here so the tests above still run (and fail by assertion) on code without it.
    const { benchFailures, tallyAnswers } = await import('../../bench/lib/answers.ts');
    const answers = [
      ...Array.from({ length: 2_373 }, () => ({ status: 200, ms: 30 })),
      ...Array.from({ length: 6_456 }, () => ({ status: 429, ms: 1 })),
    ];
    const figures = tallyAnswers('postgres: POST /api/ephemeral-keys', answers, 10);
    expect(figures).toMatchObject({
      answers: 8_829,
      ok: 2_373,
      okPerS: 237,
      p50Ms: 30,
      p99Ms: 30,
      notOk: { '429': 6_456 },
    });
    expect(figures.failed).toContain('6,456 of 8,829 answers were not 200 (429: 6,456)');
    // What bench/run.ts reads at the end to exit 1: the failed load of the first test, by name.
    expect(benchFailures().some((f) => f.startsWith('postgres: POST /api/ephemeral-keys: '))).toBe(true);
    expect(benchFailures().some((f) => f.startsWith('pglite: POST /api/account-sessions'))).toBe(false);
  });
});
