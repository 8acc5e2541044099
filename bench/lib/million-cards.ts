// "A million cards" (issue 14): the app's card index on PostgreSQL holding BENCH_MILLION_CARDS
// cards (default 1,000,000) over 100 cards per connected account, measured at the app:
// - backfill: the app (npm start) on an empty database backfills from the emulator (its own
//   process, holding every card), for at most BENCH_MILLION_BACKFILL_S seconds; cards/s, Stripe
//   calls (counted by the emulator) and elapsed time; when it cannot finish in time, the rate is
//   extrapolated to the whole set, and says so;
// - bulk fill: the index is then emptied and filled with the same cards by the app's own upserts
//   (server/db/card-index.ts) in batches of 10,000, every account marked backfilled;
// - lookups: the app restarted on that index; the support agent by last4 + name, name, email and
//   card id, the platform admin by last4 alone (the support agent may not: too broad); 200 each
//   (BENCH_MILLION_LOOKUPS), sequential, terms drawn at random; p50/p95/p99 (target p99 < 50 ms);
// - the app process's VmRSS idle and at its peak during the lookups (target < 300 MB);
// - EXPLAIN (ANALYZE) of the index query of each lookup, run through the app's own searchIndex.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { openDatabase, type Database, type Queryable } from '../../server/db/database.ts';
import {
  indexCovers,
  searchIndex,
  upsertCardholders,
  upsertCards,
  type IndexSearch,
} from '../../server/db/card-index.ts';
import { migrate } from '../../server/db/migrate.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { apiSignIn } from '../../test/helpers/totp.ts';
import {
  BENCH_EPOCH,
  CARDS_PER_ACCOUNT,
  CARDS_PER_HOLDER,
  HOLDERS_PER_ACCOUNT,
  accountId,
  cardAt,
  cardholderAt,
  millionCards,
} from './million-data.ts';
import { ROOT, firstJsonLine, freePort, startChild, waitFor200, type Child } from './processes.ts';
import { checked, tallyAnswers } from './answers.ts';
import type { BenchSection } from './section.ts';

const TARGET_P99_MS = 50;
const TARGET_RSS_MB = 300;
const BULK_BATCH = 10_000;

type Log = (msg: string) => void;

/** user + system CPU time of a process so far, in ms (/proc/<pid>/stat; 100 ticks per second). */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return 0;
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export interface Percentiles {
  runs: number;
  p50Ms: number;
  p95Ms: number;
  p99Ms: number;
  maxMs: number;
  /** HTTP statuses and how many of each. */
  statuses: Record<string, number>;
  /** Cards per answer: fewest and most. */
  found: { min: number; max: number };
  /** CPU time per lookup of the app's process and of the emulator's (both on this machine's cores). */
  cpuMsPerLookup?: { app: number; emulator: number };
}

export function percentiles(times: number[]): { p50Ms: number; p95Ms: number; p99Ms: number; maxMs: number } {
  const sorted = [...times].sort((a, b) => a - b);
  const at = (q: number) =>
    Math.round(sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil(q * sorted.length) - 1))]! * 10) / 10;
  return { p50Ms: at(0.5), p95Ms: at(0.95), p99Ms: at(0.99), maxMs: at(1) };
}

/** A small fixed-seed generator: the same terms on every run. */
function seeded(seed: number): () => number {
  let s = seed >>> 0;
  return () => {
    s = (s + 0x6d2b79f5) >>> 0;
    let t = s;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/** A database of its own on the server of `url`, for this run; dropped by the returned function. */
async function freshDatabase(url: string): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `bench_million_${process.pid}_${Date.now() % 100_000}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE DATABASE ${name}`);
  } finally {
    await admin.end();
  }
  const own = new URL(url);
  own.pathname = `/${name}`;
  return {
    url: own.toString(),
    async drop() {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      } finally {
        await c.end();
      }
    },
  };
}

async function emulatorRequests(emulatorUrl: string): Promise<Record<string, number>> {
  return (await (await fetch(`${emulatorUrl}/__bench/requests`)).json()) as Record<string, number>;
}

function delta(after: Record<string, number>, before: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {};
  for (const [route, n] of Object.entries(after)) {
    const d = n - (before[route] ?? 0);
    if (d > 0 && !route.includes('/__bench/')) out[route] = d;
  }
  return out;
}

interface AppProcess {
  child: Child;
  appUrl: string;
  startMs: number;
}

async function startApp(env: Record<string, string>): Promise<AppProcess> {
  const port = await freePort();
  const appUrl = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = startChild(['scripts/start.mjs'], {
    PORT: String(port),
    PUBLIC_URL: appUrl,
    LOG_LEVEL: 'warn',
    ...env,
  });
  try {
    return { child, appUrl, startMs: await waitFor200(`${appUrl}/readyz`, started, child, 120_000) };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

// ---------------------------------------------------------------- backfill

export interface BackfillFigures {
  cards: number;
  accounts: number;
  complete: boolean;
  /** From the app's spawn to the last account indexed (or to the time limit). */
  elapsedS: number;
  appStartMs: number;
  cardsPerS: number;
  /** The emulator's count of the Stripe calls the app made meanwhile, per endpoint. */
  stripeCalls: Record<string, number>;
  stripeCallsTotal: number;
  /** Seconds the whole set would take at the measured rate (only when the run stopped early). */
  extrapolatedFullS?: number;
  note?: string;
}

async function measureBackfill(
  env: Record<string, string>,
  db: Database,
  emulatorUrl: string,
  cards: number,
  limitS: number,
  log: Log,
): Promise<BackfillFigures> {
  const accounts = cards / CARDS_PER_ACCOUNT;
  const before = await emulatorRequests(emulatorUrl);
  const spawned = Date.now();
  const app = await startApp(env);
  let complete = false;
  try {
    let lastLog = 0;
    while ((Date.now() - spawned) / 1000 < limitS) {
      const [row] = await db.query<{ done: string; listed: string }>(
        `SELECT (SELECT count(*) FROM card_index_accounts WHERE backfilled_at IS NOT NULL) AS done,
                (SELECT count(*) FROM card_index_backfill) AS listed`,
      );
      if (Number(row!.listed) === 1 && Number(row!.done) >= accounts) {
        complete = true;
        break;
      }
      if (Date.now() - lastLog > 15_000) {
        lastLog = Date.now();
        log(`million: backfill ${row!.done}/${accounts} accounts after ${Math.round((Date.now() - spawned) / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, 500));
    }
  } finally {
    // Stopped at once: what it indexed so far stays (its cursor too), as after a deploy.
    await app.child.stop();
  }
  const elapsedS = (Date.now() - spawned) / 1000;
  const stripeCalls = delta(await emulatorRequests(emulatorUrl), before);
  const [count] = await db.query<{ n: string }>('SELECT count(*) AS n FROM card_index');
  const indexed = Number(count!.n);
  const cardsPerS = Math.round(indexed / elapsedS);
  return {
    cards: indexed,
    accounts,
    complete,
    elapsedS: Math.round(elapsedS * 10) / 10,
    appStartMs: app.startMs,
    cardsPerS,
    stripeCalls,
    stripeCallsTotal: Object.values(stripeCalls).reduce((a, b) => a + b, 0),
    ...(complete
      ? {}
      : {
          extrapolatedFullS: cardsPerS > 0 ? Math.round(cards / cardsPerS) : undefined,
          note: `EXTRAPOLATION: the backfill was stopped after ${limitS} s (BENCH_MILLION_BACKFILL_S) with ${indexed} of ${cards} cards indexed; extrapolatedFullS is ${cards} cards at the measured rate, not a measurement.`,
        }),
  };
}

// ---------------------------------------------------------------- bulk fill

/** The whole set into the index through the app's own upserts, every account marked backfilled. */
async function bulkFill(db: Database, cards: number, log: Log): Promise<{ ms: number; cardsPerS: number }> {
  const started = Date.now();
  await db.exec('TRUNCATE card_index, cardholder_index, card_index_accounts, card_index_backfill');
  const version = BENCH_EPOCH;
  for (let from = 0; from < cards; from += BULK_BATCH) {
    const to = Math.min(cards, from + BULK_BATCH);
    const batch = Array.from({ length: to - from }, (_, i) => cardAt(from + i, cards, BENCH_EPOCH));
    const holders = Array.from({ length: (to - from) / CARDS_PER_HOLDER }, (_, i) =>
      cardholderAt(from / CARDS_PER_HOLDER + i),
    );
    await db.transaction(async (tx) => {
      await upsertCardholders(
        tx,
        holders.map((h) => ({ cardholderId: h.id, accountId: h.account, name: h.name, email: h.email, version })),
      );
      await upsertCards(
        tx,
        batch.map((c) => ({
          cardId: c.id,
          accountId: c.account,
          last4: c.last4,
          type: 'virtual',
          status: 'active',
          cardholderId: c.cardholder,
          created: c.created,
          version,
        })),
      );
    });
    if (to % 200_000 === 0) log(`million: bulk fill ${to}/${cards}`);
  }
  const accounts = Array.from({ length: cards / CARDS_PER_ACCOUNT }, (_, a) => accountId(a));
  await db.query(
    `INSERT INTO card_index_accounts (account_id, backfill_started_at, backfilled_at, cards)
     SELECT a, now(), now(), $2 FROM unnest($1::text[]) AS a`,
    [accounts, CARDS_PER_ACCOUNT],
  );
  await db.query('INSERT INTO card_index_backfill (singleton) VALUES (true)');
  // What autovacuum would do soon after such a load: the planner's statistics.
  await db.exec('ANALYZE card_index; ANALYZE cardholder_index; ANALYZE card_index_accounts');
  const ms = Date.now() - started;
  return { ms, cardsPerS: Math.round(cards / (ms / 1000)) };
}

// ---------------------------------------------------------------- lookups

interface Lookup {
  name: string;
  who: 'support' | 'admin';
  /** The query string of GET /api/cards for the n-th run. */
  query: (n: number) => string;
  /** The same lookup as the index query the app makes (for EXPLAIN). */
  search: (n: number) => IndexSearch;
  expect: string;
}

function lookups(cards: number): Lookup[] {
  const random = seeded(14);
  const terms = Array.from({ length: 5000 }, () => Math.floor(random() * cards));
  const card = (n: number) => cardAt(terms[n % terms.length]!, cards, BENCH_EPOCH);
  const holder = (n: number) => cardholderAt(Math.floor(terms[n % terms.length]! / CARDS_PER_HOLDER));
  const q = (text: string) => `q=${encodeURIComponent(text)}`;
  return [
    {
      name: 'byLast4',
      who: 'admin',
      query: (n) => `last4=${card(n).last4}`,
      search: (n) => ({ accounts: null, last4: card(n).last4, limit: 25 }),
      expect: 'platform admin, GET /api/cards?last4=NNNN: the newest 25 of ~100 cards with that last4 (cards / 10,000)',
    },
    {
      name: 'byLast4AndName',
      who: 'support',
      query: (n) => q(`${card(n).last4} ${holder(n).name}`),
      search: (n) => ({ accounts: null, last4: card(n).last4, texts: [holder(n).name], limit: 10 }),
      expect: 'support agent, q="NNNN First Last": that cardholder\'s cards with that last4 (usually 1)',
    },
    {
      name: 'byName',
      who: 'support',
      query: (n) => q(holder(n).name),
      search: (n) => ({ accounts: null, texts: [holder(n).name], limit: 10 }),
      expect: 'support agent, q="First Last": the cardholder\'s 10 cards',
    },
    {
      name: 'byEmail',
      who: 'support',
      query: (n) => q(holder(n).email),
      // The route passes the whole email as an equality too (server/domain/lookup-query.ts).
      search: (n) => ({ accounts: null, email: holder(n).email, texts: [holder(n).email], limit: 10 }),
      expect: "support agent, q=<full email>: the cardholder's 10 cards",
    },
    {
      name: 'byCardId',
      who: 'support',
      query: (n) => q(card(n).id),
      search: (n) => ({ accounts: null, cardId: card(n).id, limit: 10 }),
      expect: 'support agent, q=ic_…: that card',
    },
  ];
}

async function runLookups(
  appUrl: string,
  cookie: string,
  lookup: Lookup,
  runs: number,
  offset: number,
): Promise<Percentiles> {
  const answers: Array<{ status: number; ms: number }> = [];
  let min = Infinity;
  let max = 0;
  const seriesStarted = performance.now();
  for (let i = 0; i < runs; i++) {
    const started = performance.now();
    // Bounded: a lookup that takes 10 s fails the run rather than hanging it.
    const res = await fetch(`${appUrl}/api/cards?${lookup.query(offset + i)}`, {
      headers: { cookie },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { data?: unknown[] };
    answers.push({ status: res.status, ms: performance.now() - started });
    if (res.status !== 200) continue;
    const found = body.data?.length ?? 0;
    min = Math.min(min, found);
    max = Math.max(max, found);
  }
  // Percentiles of the answers 200 only; a series mostly of other answers fails the run (answers.ts).
  const figures = checked(
    tallyAnswers(`million: lookup ${lookup.name}`, answers, (performance.now() - seriesStarted) / 1000),
  );
  const ok = answers.filter((a) => a.status === 200).map((a) => a.ms);
  return {
    runs,
    ...(ok.length ? percentiles(ok) : { p50Ms: NaN, p95Ms: NaN, p99Ms: NaN, maxMs: NaN }),
    statuses: figures.statuses,
    found: { min: ok.length ? min : 0, max },
  };
}

// ---------------------------------------------------------------- EXPLAIN

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  Plans?: PlanNode[];
}

export interface ExplainFigures {
  /** The plan, one node per line, indented (node type, relation, index, actual rows). */
  plan: string[];
  indexesUsed: string[];
  seqScans: string[];
  executionMs: number;
  planningMs: number;
}

function summarize(root: { Plan: PlanNode; 'Execution Time': number; 'Planning Time': number }): ExplainFigures {
  const plan: string[] = [];
  const indexes = new Set<string>();
  const seqScans = new Set<string>();
  const walk = (node: PlanNode, depth: number) => {
    if (node['Index Name']) indexes.add(node['Index Name']);
    if (node['Node Type'] === 'Seq Scan' && node['Relation Name']) seqScans.add(node['Relation Name']);
    const on = [
      node['Relation Name'] && `on ${node['Relation Name']}`,
      node['Index Name'] && `using ${node['Index Name']}`,
    ]
      .filter(Boolean)
      .join(' ');
    plan.push(`${'  '.repeat(depth)}${node['Node Type']}${on ? ` ${on}` : ''} (rows=${node['Actual Rows']})`);
    for (const child of node.Plans ?? []) walk(child, depth + 1);
  };
  walk(root.Plan, 0);
  return {
    plan,
    indexesUsed: [...indexes],
    seqScans: [...seqScans],
    executionMs: Math.round(root['Execution Time'] * 100) / 100,
    planningMs: Math.round(root['Planning Time'] * 100) / 100,
  };
}

/** Runs `fn` with a Queryable that EXPLAINs (ANALYZE) each statement instead of answering it. */
async function explain(db: Database, fn: (q: Queryable) => Promise<unknown>): Promise<ExplainFigures[]> {
  const plans: ExplainFigures[] = [];
  const explaining: Queryable = {
    async query<T>(sql: string, params: unknown[] = []) {
      const [row] = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, FORMAT JSON) ${sql}`, params);
      const json = row!['QUERY PLAN'];
      plans.push(summarize((typeof json === 'string' ? JSON.parse(json) : json)[0]));
      return [] as T[];
    },
    exec: (script) => db.exec(script),
  };
  await fn(explaining).catch(() => undefined);
  return plans;
}

// ---------------------------------------------------------------- the section

export interface MillionReport {
  cards: number;
  accounts: number;
  cardholders: number;
  loadAverage1m: { start: number; end: number };
  emulator: { seededMs: number; rssMb: number | undefined };
  backfill: BackfillFigures | { skipped: string };
  bulkFill: { ms: number; cardsPerS: number };
  app: { restartMs: number; idleRssMb: number | undefined; peakRssMbDuringLookups: number; firstLookupMs: number };
  lookups: Record<string, Percentiles & { who: string; expect: string }>;
  explain: Record<string, ExplainFigures | undefined>;
  targets: Array<{ name: string; target: string; value: number | undefined; met: boolean }>;
  method: Record<string, string>;
}

export async function benchMillion(options: { pgUrl?: string; log: Log }): Promise<MillionReport> {
  const { log } = options;
  const cards = millionCards();
  const runs = Number(process.env.BENCH_MILLION_LOOKUPS ?? 200);
  const backfillLimitS = Number(process.env.BENCH_MILLION_BACKFILL_S ?? 240);
  const load1 = loadavg()[0]!;
  const cleanup: Array<() => Promise<void>> = [];
  try {
    // PostgreSQL: the given server, else a throw-away cluster; a database of its own either way.
    let serverUrl = options.pgUrl ?? process.env.BENCH_DATABASE_URL?.trim();
    if (!serverUrl) {
      const dir = mkdtempSync(join(tmpdir(), 'bench-million-pg-'));
      serverUrl = execFileSync('bash', [join(ROOT, 'scripts/local-postgres.sh'), 'start', dir], {
        encoding: 'utf8',
      }).trim();
      cleanup.push(async () => {
        execFileSync('bash', [join(ROOT, 'scripts/local-postgres.sh'), 'stop', dir]);
        rmSync(dir, { recursive: true, force: true });
      });
    }
    const database = await freshDatabase(serverUrl);
    cleanup.push(database.drop);
    const db = await openDatabase({ kind: 'postgres', url: database.url });
    cleanup.push(() => db.close());
    await migrate(db);

    log(`million: the emulator with ${cards} cards (its own process)`);
    const emulatorPort = await freePort();
    const emulatorChild = startChild(['--max-old-space-size=8192', '--import', 'tsx', 'bench/million-emulator.ts'], {
      CARDS: String(cards),
      EMULATOR_PORT: String(emulatorPort),
    });
    cleanup.push(() => emulatorChild.stop());
    const emulator = await firstJsonLine<{ emulatorUrl: string; seededMs: number }>(emulatorChild, 600_000);
    // The emulator's rate limits are off here: the app's pacing of its Stripe calls too (decision 131).
    const env = {
      DATABASE_URL: database.url,
      EMULATOR_API_URL: emulator.emulatorUrl,
      EMULATOR_PUBLIC_URL: emulator.emulatorUrl,
      STRIPE_MAX_RPS: 'off',
    };

    log(`million: backfill from the emulator (at most ${backfillLimitS} s)`);
    let backfill: MillionReport['backfill'];
    try {
      backfill = await measureBackfill(env, db, emulator.emulatorUrl, cards, backfillLimitS, log);
    } catch (error) {
      backfill = { skipped: (error as Error).message.split('\n')[0]! };
    }

    log(`million: bulk fill of the index (${cards} cards)`);
    const fill = await bulkFill(db, cards, log);

    log('million: the app restarted on the full index');
    const app = await startApp(env);
    cleanup.push(() => app.child.stop());
    await new Promise((r) => setTimeout(r, 3000));
    const idleRssMb = app.child.rssMb();
    const support = await apiSignIn(app.appUrl, 'support@example.com', DEMO_PASSWORD, DEMO_TOTP_SECRET);
    const admin = await apiSignIn(app.appUrl, 'admin@example.com', DEMO_PASSWORD, DEMO_TOTP_SECRET);
    const series = lookups(cards);
    // The first lookup lists the connected accounts for their names (cached a minute): apart.
    const firstStarted = performance.now();
    await fetch(`${app.appUrl}/api/cards?${series[2]!.query(100_000)}`, { headers: { cookie: support } }).then((r) =>
      r.arrayBuffer(),
    );
    const firstLookupMs = Math.round(performance.now() - firstStarted);
    for (const lookup of series)
      await runLookups(app.appUrl, lookup.who === 'admin' ? admin : support, lookup, 5, 50_000);

    let peak = app.child.rssMb() ?? 0;
    const sampler = setInterval(() => (peak = Math.max(peak, app.child.rssMb() ?? 0)), 100);
    const results: MillionReport['lookups'] = {};
    try {
      for (const lookup of series) {
        log(`million: ${runs} lookups ${lookup.name}`);
        const cpu = [cpuMs(app.child.process.pid), cpuMs(emulatorChild.process.pid)] as const;
        const figures = await runLookups(app.appUrl, lookup.who === 'admin' ? admin : support, lookup, runs, 0);
        const per = (now: number, then: number) => Math.round(((now - then) / runs) * 100) / 100;
        const cpuMsPerLookup = {
          app: per(cpuMs(app.child.process.pid), cpu[0]),
          emulator: per(cpuMs(emulatorChild.process.pid), cpu[1]),
        };
        results[lookup.name] = { who: lookup.who, expect: lookup.expect, ...figures, cpuMsPerLookup };
      }
    } finally {
      clearInterval(sampler);
    }

    log('million: EXPLAIN of each lookup query');
    const plans: MillionReport['explain'] = {};
    for (const lookup of series) plans[lookup.name] = (await explain(db, (q) => searchIndex(q, lookup.search(7))))[0];
    plans.indexCovers = (await explain(db, (q) => indexCovers(q, null)))[0];

    const emulatorRss = emulatorChild.rssMb();
    const targets: MillionReport['targets'] = [
      ...Object.entries(results).map(([name, r]) => ({
        name: `${cards.toLocaleString('en')} cards: lookup ${name}, p99 at the app (PostgreSQL)`,
        target: `< ${TARGET_P99_MS} ms`,
        value: r.p99Ms,
        met: r.p99Ms < TARGET_P99_MS && (r.statuses['200'] ?? 0) === r.runs,
      })),
      {
        name: `${cards.toLocaleString('en')} cards: the app process's peak RSS during the lookups`,
        target: `< ${TARGET_RSS_MB} MB`,
        value: peak,
        met: peak < TARGET_RSS_MB,
      },
    ];
    return {
      cards,
      accounts: cards / CARDS_PER_ACCOUNT,
      cardholders: cards / CARDS_PER_HOLDER,
      loadAverage1m: { start: load1, end: loadavg()[0]! },
      emulator: { seededMs: emulator.seededMs, rssMb: emulatorRss },
      backfill,
      bulkFill: fill,
      app: { restartMs: app.startMs, idleRssMb, peakRssMbDuringLookups: peak, firstLookupMs },
      lookups: results,
      explain: plans,
      targets,
      method: {
        data: `${cards} cards, ${CARDS_PER_ACCOUNT} per connected account (${cards / CARDS_PER_ACCOUNT} accounts), ${CARDS_PER_HOLDER} per cardholder (${HOLDERS_PER_ACCOUNT} per account), unique names and emails, last4 spread evenly (bench/lib/million-data.ts)`,
        emulator:
          'its own process (bench/million-emulator.ts), every card written straight into its store (compact: shared nested objects, no secrets), rate limits off; it counts the requests it serves',
        app: "npm start (node scripts/start.mjs) on PostgreSQL (a database of its own for the run, on BENCH_DATABASE_URL's server or a throw-away cluster), EMULATOR_API_URL pointing at that emulator, LOG_LEVEL=warn",
        backfill: `the app on an empty database backfills the index from the emulator at start (server/domain/card-index.ts: accounts listed, then 100 cards per list call, one account at a time); elapsed from spawn to the last account marked backfilled, polled every 0.5 s, at most BENCH_MILLION_BACKFILL_S (${backfillLimitS} s); Stripe calls as the emulator counted them. When stopped early, extrapolatedFullS is an extrapolation at the measured rate`,
        bulkFill: `the index emptied, then the same cards written by the app's own upserts (upsertCardholders, upsertCards: multi-row INSERT … ON CONFLICT from unnest arrays) in transactions of ${BULK_BATCH}, every account marked backfilled, then ANALYZE; not a backfill (no Stripe call)`,
        lookups: `the app restarted on the full index; support@example.com and admin@example.com signed in through the API (password + TOTP); one lookup first (firstLookupMs: the account names cache is cold, one listing of every connected account), 5 warm-up lookups of each kind, then ${runs} sequential GET /api/cards per kind, terms drawn with a fixed seed; each answer is the index query plus each matching card fetched fresh from the emulator`,
        rss: 'VmRSS of the app process (/proc): idle 3 s after ready; peak sampled every 100 ms during the lookups',
        explain:
          "EXPLAIN (ANALYZE, FORMAT JSON) of the statement the app's searchIndex builds for each lookup kind (and indexCovers), on the full index",
      },
    };
  } finally {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  }
}

/** Section `million` of `npm run bench` (bench/lib/section.ts). BENCH_MILLION_CARDS=20000 for a smoke run. */
export const millionSection: BenchSection = {
  name: 'million',
  description: 'a million cards in the card index on PostgreSQL: backfill, bulk fill, restart, lookups, EXPLAIN',
  async run(ctx) {
    const million = await benchMillion({ pgUrl: await ctx.postgresUrl(), log: ctx.log });
    return { figures: { million }, targets: million.targets };
  },
};
