// One Stripe budget for the deployment (issue 18, item 5; docs/decisions/149-one-stripe-budget.md).
// Two app instances on one database burst Stripe calls at the same moment against one emulator
// whose rate limits are on with their default, platform-wide scope (every request made with the
// platform's key counts against one budget, whichever connected account it acts on). The
// instances take their send slots from the database, so: no 429 reaches either, and together they
// never send more than the configured budget (STRIPE_MAX_RPS, 20 in test mode) within any second,
// globally or per endpoint (sends are recorded where the app hands them to Node's HTTP client;
// the emulator's arrivals, which a busy test process delays by tens of ms, are printed and stay
// under Stripe's 25). Each instance pacing alone at the full rate (before) sends twice the budget
// and meets 429s.
// PGlite cannot be opened by two processes: there the instances share one Database object, and
// the PostgreSQL run (TEST_DATABASE_URL) gives each instance a connection pool of its own.
import { Writable } from 'node:stream';
import type { AddressInfo } from 'node:net';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { createStripeClient } from '../../server/plugins/app/stripe.ts';
import { endpointOf } from '../../server/plugins/app/stripe-budget.ts';
import { createPostgresDatabase, TEST_DATABASE_URL } from '../ops/databases.ts';

const say = (line: string) => console.log(`[shared pacing] ${line}`);

/** A request sent by an instance, or admitted by the emulator (after its rate limiter), by endpoint. */
interface Arrival {
  at: number;
  endpoint: string;
}

/** Node's HTTP client for Stripe, recording when each request leaves (after the budget's pacing). */
class RecordingHttpClient extends Stripe.HttpClient {
  readonly #inner = Stripe.createNodeHttpClient();
  constructor(private readonly sends: Arrival[]) {
    super();
  }
  override getClientName(): string {
    return this.#inner.getClientName();
  }
  override makeRequest(...args: Parameters<Stripe.HttpClient['makeRequest']>): Promise<Stripe.HttpClientResponse> {
    this.sends.push({ at: performance.now(), endpoint: endpointOf(args[3], args[2]) });
    return this.#inner.makeRequest(...args);
  }
}

/** The most arrivals within any 1,000 ms (Stripe's window), optionally of one endpoint. */
function busiestSecond(arrivals: Arrival[], endpoint?: string): number {
  const times = arrivals
    .filter((a) => endpoint === undefined || a.endpoint === endpoint)
    .map((a) => a.at)
    .sort((a, b) => a - b);
  let best = 0;
  for (let i = 0, j = 0; j < times.length; j++) {
    while (times[j]! - times[i]! >= 1000) i++;
    best = Math.max(best, j - i + 1);
  }
  return best;
}

interface Instance {
  app: FastifyInstance;
  logs: string[];
}

interface Deployment {
  emulator: EmulatorApp;
  emulatorUrl: string;
  arrivals: Arrival[];
  /** Requests sent by both instances (background work included: it is in the budget too). */
  sends: Arrival[];
  instances: Instance[];
  accounts: string[];
  close(): Promise<void>;
}

/** One emulator (limits on, default scope) and two app instances, each given its database by `dbFor`. */
async function startDeployment(
  dbFor: (i: number) => Promise<Database>,
  env: Record<string, string> = {},
): Promise<Deployment> {
  const arrivals: Arrival[] = [];
  const sends: Arrival[] = [];
  const emulator = await buildEmulator({
    logger: false,
    requestHooks: [
      (ctx) => void arrivals.push({ at: performance.now(), endpoint: `${ctx.method} ${ctx.request.routeOptions.url}` }),
    ],
  });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const emulatorUrl = `http://127.0.0.1:${(emulator.server.address() as AddressInfo).port}`;
  const instances: Instance[] = [];
  const databases: Database[] = [];
  try {
    for (let i = 0; i < 2; i++) {
      const config = loadConfig({
        HOST: '127.0.0.1',
        PORT: '3000',
        PUBLIC_URL: 'http://127.0.0.1:3000',
        EMULATOR_API_URL: emulatorUrl,
        EMULATOR_PUBLIC_URL: emulatorUrl,
        LOG_LEVEL: 'info',
        ...env,
      });
      const db = await dbFor(i);
      databases.push(db);
      const logs: string[] = [];
      const logStream = new Writable({
        write(chunk, _encoding, callback) {
          logs.push(String(chunk));
          callback();
        },
      });
      const stripe = createStripeClient(config, {
        budget: { backoffMs: 50 },
        httpClient: new RecordingHttpClient(sends),
      });
      const app = await buildApp(config, { db, stripe, logStream });
      instances.push({ app, logs });
      // Listening, as a serving instance: its background work (the backfill) starts.
      await app.listen({ port: 0, host: '127.0.0.1' });
    }
    // The deployment's start-up calls (the backfill, paced too) are over before the bursts.
    await Promise.all(instances.map(({ app }) => app.cardIndex.whenBackfilled()));
    const accounts = (await instances[0]!.app.stripe.accounts.list({ limit: 10 })).data.map((a) => a.id);
    return {
      emulator,
      emulatorUrl,
      arrivals,
      sends,
      instances,
      accounts,
      async close() {
        for (const { app } of instances) await app.close();
        for (const db of new Set(databases)) await db.close();
        await emulator.close();
      },
    };
  } catch (error) {
    for (const { app } of instances) await app.close();
    await emulator.close();
    throw error;
  }
}

/** Starts `perInstance` calls on every instance at once, mixing the platform's own and connected accounts'. */
async function burst(
  deployment: Deployment,
  perInstance: number,
  kind: 'mixed' | 'one endpoint' = 'mixed',
): Promise<{ ok: number; failed: string[]; ms: number }> {
  const started = performance.now();
  const calls = deployment.instances.flatMap(({ app }) =>
    Array.from({ length: perInstance }, (_, i) => {
      const account = deployment.accounts[i % deployment.accounts.length]!;
      if (kind === 'one endpoint') return () => app.stripe.accounts.retrieve(account);
      switch (i % 3) {
        case 0:
          return () => app.stripe.balance.retrieve();
        case 1:
          return () => app.stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account });
        default:
          return () => app.stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: account });
      }
    }),
  );
  const results = await Promise.allSettled(calls.map((call) => call()));
  const failed = results
    .filter((r): r is PromiseRejectedResult => r.status === 'rejected')
    .map((r) => String(r.reason?.message ?? r.reason));
  return { ok: results.length - failed.length, failed, ms: Math.round(performance.now() - started) };
}

function resetCounts(deployment: Deployment): void {
  deployment.arrivals.length = 0;
  deployment.sends.length = 0;
  for (const { app } of deployment.instances) app.stripeBudget!.resetStats();
}

const backends: Array<{
  name: string;
  dbFor: () => Promise<{ dbFor: (i: number) => Promise<Database>; drop(): Promise<void> }>;
}> = [
  {
    name: 'PGlite, one Database object for both instances',
    async dbFor() {
      const db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
      return { dbFor: async () => db, drop: async () => {} };
    },
  },
  ...(TEST_DATABASE_URL
    ? [
        {
          name: 'PostgreSQL, a connection pool per instance',
          async dbFor() {
            const created = await createPostgresDatabase();
            return { dbFor: () => openDatabase({ kind: 'postgres', url: created.url }), drop: () => created.drop() };
          },
        },
      ]
    : []),
];

describe.each(backends)('two instances, $name', ({ dbFor }) => {
  let deployment: Deployment;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    const made = await dbFor();
    drop = made.drop;
    deployment = await startDeployment(made.dbFor);
  }, 120_000);

  afterAll(async () => {
    await deployment?.close();
    await drop?.();
  });

  test('a burst of 40 calls on each instance at once: the deployment sends at most its 20 a second, no 429 reaches either instance', async () => {
    const budget = deployment.instances[0]!.app.config.stripe.maxRequestsPerSecond!;
    expect(budget).toBe(20);
    resetCounts(deployment);
    const result = await burst(deployment, 40);
    const stats = deployment.instances.map(({ app }) => app.stripeBudget!.stats);
    const busiestSent = busiestSecond(deployment.sends);
    const busiestArrived = busiestSecond(deployment.arrivals);
    say(
      `80 calls from 2 instances: ${result.ok} answered in ${result.ms} ms; busiest second: ${busiestSent} sent (budget ${budget}), ${busiestArrived} at the emulator (Stripe's limit 25); ` +
        `429s per instance ${stats.map((s) => s.rateLimited).join(', ')}; calls held back ${stats.map((s) => s.rateDelayed).join(', ')}`,
    );
    expect(result.failed).toEqual([]);
    expect(stats.map((s) => s.rateLimited)).toEqual([0, 0]);
    expect(busiestArrived).toBeLessThanOrEqual(25);
    expect(deployment.sends.length).toBeGreaterThanOrEqual(80);
    expect(busiestSent).toBeLessThanOrEqual(budget);
    // The call counts are unchanged by the pacing: 40 per instance (and any background call), by endpoint.
    expect(stats.map((s) => s.total >= 40)).toEqual([true, true]);
    expect(stats.map((s) => s.byEndpoint['GET /v1/balance'])).toEqual([14, 14]);
  }, 60_000);

  test('the slots table keeps only the last window: older slots are deleted by the next call', async () => {
    const db = deployment.instances[0]!.app.db;
    await deployment.instances[0]!.app.stripe.balance.retrieve();
    await new Promise((resolve) => setTimeout(resolve, 1_300));
    await deployment.instances[1]!.app.stripe.balance.retrieve();
    const [row] = await db.query<{ old: number | string; all: number | string }>(
      `SELECT count(*) FILTER (WHERE slot < floor(extract(epoch FROM clock_timestamp()) * 1000 / 25) - 44) AS old, count(*) AS all FROM stripe_pacing_slots`,
    );
    say(`slots table after a quiet second: ${row!.all} rows, ${row!.old} older than the window`);
    expect(Number(row!.old)).toBe(0);
  });
});

describe('the per-endpoint budget, shared', () => {
  let deployment: Deployment;

  beforeAll(async () => {
    const db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
    // Live mode's numbers scaled down: a global budget above one endpoint's.
    deployment = await startDeployment(async () => db, { STRIPE_MAX_RPS: '40', STRIPE_MAX_RPS_PER_ENDPOINT: '8' });
    // Stripe's endpoint limit above the budget by half: the budget counts sends, the emulator
    // arrivals in a sliding second, and on a loaded two-core machine an event-loop stall can
    // flush sends spread over a second into fewer milliseconds (CI once saw one 429 at 10).
    deployment.emulator.emulator.rateLimits.configure({ global: 50, endpoint: 12 });
  }, 120_000);

  afterAll(() => deployment?.close());

  test('30 retrievals of one endpoint on each instance at once: at most 8 a second reach it, no 429', async () => {
    resetCounts(deployment);
    const result = await burst(deployment, 30, 'one endpoint');
    const stats = deployment.instances.map(({ app }) => app.stripeBudget!.stats);
    const busiest = busiestSecond(deployment.sends, 'GET /v1/accounts/:id');
    say(
      `60 retrievals of GET /v1/accounts/:id from 2 instances: ${result.ok} answered in ${result.ms} ms; busiest second ${busiest} sent (endpoint budget 8); 429s ${stats.map((s) => s.rateLimited).join(', ')}`,
    );
    expect(result.failed).toEqual([]);
    expect(stats.map((s) => s.rateLimited)).toEqual([0, 0]);
    expect(deployment.sends.filter((s) => s.endpoint === 'GET /v1/accounts/:id')).toHaveLength(60);
    expect(busiest).toBeLessThanOrEqual(8);
  }, 60_000);
});

test("STRIPE_MAX_RPS_PER_ENDPOINT: Stripe's 25 by default, off with the pacing, a bad value named", () => {
  expect(loadConfig({}).stripe.maxRequestsPerSecondPerEndpoint).toBe(25);
  expect(loadConfig({ STRIPE_MAX_RPS_PER_ENDPOINT: '10' }).stripe.maxRequestsPerSecondPerEndpoint).toBe(10);
  expect(loadConfig({ STRIPE_MAX_RPS_PER_ENDPOINT: 'off' }).stripe.maxRequestsPerSecondPerEndpoint).toBeUndefined();
  expect(loadConfig({ STRIPE_MAX_RPS: 'off' }).stripe.maxRequestsPerSecondPerEndpoint).toBeUndefined();
  expect(() => loadConfig({ STRIPE_MAX_RPS_PER_ENDPOINT: '0' })).toThrow(/STRIPE_MAX_RPS_PER_ENDPOINT/);
});

describe('the database cannot pace', () => {
  let deployment: Deployment;
  let broken = false;

  beforeAll(async () => {
    const db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
    // The database stops answering the pacing's statement (as a PostgreSQL that went away would).
    const failing: Database = {
      ...db,
      query: (sql, params) =>
        broken && sql.includes('stripe_pacing')
          ? Promise.reject(new Error('connect ECONNREFUSED 127.0.0.1:5432'))
          : db.query(sql, params),
      exec: (script) => db.exec(script),
      transaction: (fn) => db.transaction(fn),
      tryAdvisoryLock: (key) => db.tryAdvisoryLock(key),
      close: () => db.close(),
    };
    deployment = await startDeployment(async () => failing);
  }, 120_000);

  afterAll(() => deployment?.close());

  test('each instance paces alone at the full rate: every call answered, one warning, back to the database when it answers', async () => {
    resetCounts(deployment);
    broken = true;
    const [one] = deployment.instances;
    const result = await Promise.allSettled(Array.from({ length: 12 }, () => one!.app.stripe.balance.retrieve()));
    const warnings = () => one!.logs.filter((l) => l.includes('cannot pace Stripe calls'));
    say(
      `12 calls with the database down: ${result.filter((r) => r.status === 'fulfilled').length} answered; warnings logged ${warnings().length}`,
    );
    expect(result.every((r) => r.status === 'fulfilled')).toBe(true);
    expect(warnings()).toHaveLength(1);
    expect(JSON.parse(warnings()[0]!)).toMatchObject({ level: 40 });
    // Paced alone at the full rate: at most 20 in any second from this instance.
    expect(one!.app.stripeBudget!.stats.peakPerSecond).toBeLessThanOrEqual(20);
    broken = false;
    // The instance asks the database again 5 s after it failed (server/plugins/app/stripe-budget.ts).
    await new Promise((resolve) => setTimeout(resolve, 5_100));
    await one!.app.stripe.balance.retrieve();
    expect(one!.logs.filter((l) => l.includes('paces Stripe calls again'))).toHaveLength(1);
  }, 60_000);
});
