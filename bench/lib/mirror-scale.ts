// "The mirror at scale" (issue 18 item 7; alone: `npm run bench -- mirror`, written to
// bench/results/mirror.json): the mirror on PostgreSQL holding 10,000 accounts, 1,000,000 cards
// and 10,000,000 authorizations (~7.2 M transactions), generated in the database
// (bench/lib/mirror-data.ts), measured at the app (`npm start`, the production build, over HTTP
// with a signed-in platform admin):
// - reads, sequential, p50/p95/p99 of the answers 200 (target p99 < 50 ms): a card's remaining
//   limits (card and cardholder limits with history in their windows), a card's page of
//   authorizations (25; with a status filter and a date range) and an account's page;
// - webhook ingest: signed events POSTed to /webhooks/stripe at the run's concurrency, answers
//   200 per second (target >= 500), each one a new authorization, its capture or its update;
// - disk: table, TOAST and index sizes of the mirror's tables, per million rows;
// - EXPLAIN (ANALYZE, BUFFERS) of the read queries (server/db/mirror-reads.ts) on the full set.
// BENCH_MIRROR_AUTHORIZATIONS / BENCH_MIRROR_CARDS shrink it (a smoke run); BENCH_MIRROR_DATABASE_URL
// names a database to keep the generated set in and reuse (generation takes long at 10 M).
import { createHmac, randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import pg from 'pg';
import { openDatabase, type Database, type Queryable } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import {
  mirroredAuthorizations,
  mirroredSpend,
  mirroredSpendTotals,
  transactionsOf,
  type SpendWindow,
} from '../../server/db/mirror-reads.ts';
import { windowStart } from '../../shared/spending-windows.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { apiSignIn } from '../../test/helpers/totp.ts';
import { checked, tallyAnswers, type AnswerFigures } from './answers.ts';
import { load, type LoadResult } from './load.ts';
import { BUSY_CARDS, generateMirror, mirrorSizes, type GenerationFigures, type MirrorSizes } from './mirror-data.ts';
import { CARDS_PER_ACCOUNT, CARDS_PER_HOLDER, accountId, cardId } from './million-data.ts';
import { firstJsonLine, freePort, startChild, waitFor200, type Child } from './processes.ts';
import type { BenchContext, BenchSection, Target } from './section.ts';

const TARGET_P99_MS = 50;
const TARGET_EVENTS_PER_S = 500;
// Made per run: a signing secret, even a bench's, is never written into the source.
const WEBHOOK_SECRET = `whsec_${randomBytes(24).toString('base64url')}`;
const DAY = 86_400;
type Log = (msg: string) => void;

/** A small fixed-seed generator: the same cards and accounts on every run. */
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

// ---------------------------------------------------------------- CPU

/** user + system CPU time of a process so far, in ms (/proc/<pid>/stat; 100 ticks per second). */
function cpuMs(pid: number): number {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return 0; // gone
  }
}

/**
 * CPU of the app's process and of the PostgreSQL server's (the postmaster's children: the app's
 * pooled connections among them) over a measurement: the work behind each answer, which other
 * load on the machine slows but does not change. The machine is shared (see loadAverage1m).
 */
class CpuMeter {
  private constructor(
    private readonly app: number,
    private readonly postmaster: number,
  ) {}

  static async create(db: Database, appPid: number): Promise<CpuMeter> {
    const [row] = await db.query<{ pid: number }>('SELECT pg_backend_pid() AS pid');
    const ppid = Number(readFileSync(`/proc/${row!.pid}/stat`, 'utf8').split(') ')[1]!.split(' ')[1]);
    return new CpuMeter(appPid, ppid);
  }

  private postgres(): number {
    let total = 0;
    for (const entry of readdirSync('/proc')) {
      if (!/^\d+$/.test(entry)) continue;
      try {
        const fields = readFileSync(`/proc/${entry}/stat`, 'utf8').split(') ')[1]!.split(' ');
        if (Number(fields[1]) === this.postmaster) total += (Number(fields[11]) + Number(fields[12])) * 10;
      } catch {
        /* exited */
      }
    }
    return total;
  }

  /** Starts a measurement; the returned function gives the CPU ms per unit since. */
  start(): (units: number) => { app: number; postgres: number } {
    const app = cpuMs(this.app);
    const pg = this.postgres();
    return (units) => ({
      app: Math.round(((cpuMs(this.app) - app) / Math.max(1, units)) * 100) / 100,
      postgres: Math.round(((this.postgres() - pg) / Math.max(1, units)) * 100) / 100,
    });
  }
}

/** Requests the emulator (Stripe) served so far, all routes together. */
async function stripeRequests(emulatorUrl: string): Promise<number> {
  const served = (await (await fetch(`${emulatorUrl}/__bench/requests`)).json()) as Record<string, number>;
  return Object.entries(served).reduce((sum, [route, n]) => sum + (route.includes('/__bench/') ? 0 : n), 0);
}

// ---------------------------------------------------------------- the database

/** The database: BENCH_MIRROR_DATABASE_URL (kept, generated once), else one of its own for the run, dropped after. */
async function mirrorDatabase(
  serverUrl: string,
  cleanup: Array<() => Promise<void>>,
): Promise<{ url: string; kept: boolean }> {
  const given = process.env.BENCH_MIRROR_DATABASE_URL?.trim();
  const url = given ? new URL(given) : new URL(serverUrl);
  const name = given ? url.pathname.slice(1) : `bench_mirror_${process.pid}`;
  url.pathname = '/postgres';
  const admin = new pg.Client({ connectionString: url.toString() });
  await admin.connect();
  try {
    const exists = (await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [name])).rowCount;
    if (!exists) await admin.query(`CREATE DATABASE ${pg.escapeIdentifier(name)}`);
  } finally {
    await admin.end();
  }
  if (!given) {
    cleanup.push(async () => {
      const c = new pg.Client({ connectionString: url.toString() });
      await c.connect();
      await c.query(`DROP DATABASE IF EXISTS ${pg.escapeIdentifier(name)} WITH (FORCE)`).finally(() => c.end());
    });
  }
  url.pathname = `/${name}`;
  return { url: url.toString(), kept: Boolean(given) };
}

/** The set generated in this database before (a kept database), if it is the size asked for. */
async function generatedBefore(
  db: Database,
  sizes: MirrorSizes,
): Promise<(GenerationFigures & { at: string }) | undefined> {
  await db.exec(
    'CREATE TABLE IF NOT EXISTS bench_mirror_generated (sizes jsonb NOT NULL, figures jsonb NOT NULL, at timestamptz NOT NULL DEFAULT now())',
  );
  const [row] = await db.query<{ sizes: MirrorSizes; figures: GenerationFigures; at: Date }>(
    'SELECT sizes, figures, at FROM bench_mirror_generated',
  );
  if (!row) return undefined;
  if ((Object.keys(sizes) as Array<keyof MirrorSizes>).some((k) => row.sizes[k] !== sizes[k]))
    throw new Error(
      `BENCH_MIRROR_DATABASE_URL holds another set (${JSON.stringify(row.sizes)}): name an empty database`,
    );
  return { ...row.figures, at: row.at.toISOString() };
}

// ---------------------------------------------------------------- the app

interface App {
  child: Child;
  url: string;
  startMs: number;
}

async function startApp(env: Record<string, string>): Promise<App> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const started = Date.now();
  const child = startChild(['scripts/start.mjs'], { PORT: String(port), PUBLIC_URL: url, LOG_LEVEL: 'warn', ...env });
  try {
    return { child, url, startMs: await waitFor200(`${url}/readyz`, started, child, 180_000) };
  } catch (error) {
    await child.stop();
    throw error;
  }
}

// ---------------------------------------------------------------- reads

interface Read {
  name: string;
  expect: string;
  path: (n: number) => string;
}

function reads(sizes: MirrorSizes, now: number): Read[] {
  const random = seeded(18);
  const picks = Array.from({ length: 5000 }, () => random());
  const pick = (n: number, count: number) => Math.floor(picks[n % picks.length]! * count);
  const anyCard = (n: number) => cardId(BUSY_CARDS + pick(n, sizes.cards - BUSY_CARDS));
  const busyCard = (n: number) => cardId(pick(n, BUSY_CARDS));
  // Account 0 holds the busy cards: the other accounts are the usual ones.
  const anyAccount = (n: number) => accountId(1 + pick(n, sizes.accounts - 1));
  const iso = (s: number) => encodeURIComponent(new Date(s * 1000).toISOString());
  const range = (days: number) => `from=${iso(now - days * DAY)}&to=${iso(now)}`;
  const perCard = Math.round(sizes.authorizations / sizes.cards);
  return [
    {
      name: 'limits',
      expect: `GET /api/cards/:id/limits, a usual card (~${perCard} authorizations in a year; cardholder ~${perCard * CARDS_PER_HOLDER}): daily and monthly card limits, weekly and yearly cardholder limits`,
      path: (n) => `/api/cards/${anyCard(n)}/limits`,
    },
    {
      name: 'limitsBusyCard',
      expect: `the same for a busy card (~${perCard + 1000} authorizations in a year; its cardholder ~${(perCard + 1000) * CARDS_PER_HOLDER})`,
      path: (n) => `/api/cards/${busyCard(n)}/limits`,
    },
    {
      name: 'cardPage',
      expect: 'GET /api/cards/:id/authorizations?limit=25, a busy card: its newest 25 (declines explained)',
      path: (n) => `/api/cards/${busyCard(n)}/authorizations?limit=25`,
    },
    {
      name: 'cardPageFiltered',
      expect: 'a busy card, status=closed and the last 90 days, 25',
      path: (n) => `/api/cards/${busyCard(n)}/authorizations?limit=25&status=closed&${range(90)}`,
    },
    {
      name: 'cardPageUsual',
      expect: `a usual card's page (all of its ~${perCard})`,
      path: (n) => `/api/cards/${anyCard(n)}/authorizations?limit=25`,
    },
    {
      name: 'accountPage',
      expect: `GET /api/accounts/:account/authorizations?limit=25, a usual account (~${perCard * CARDS_PER_ACCOUNT} authorizations)`,
      path: (n) => `/api/accounts/${anyAccount(n)}/authorizations?limit=25`,
    },
    {
      name: 'accountPageFiltered',
      expect: 'a usual account, status=reversed and the last 30 days, 25',
      path: (n) => `/api/accounts/${anyAccount(n)}/authorizations?limit=25&status=reversed&${range(30)}`,
    },
    {
      name: 'accountPageBusy',
      expect: `account 0 (the busy cards: ~${(BUSY_CARDS * (perCard + 1000)).toLocaleString('en')} authorizations), status=expired and the last 180 days, 25`,
      path: () => `/api/accounts/${accountId(0)}/authorizations?limit=25&status=expired&${range(180)}`,
    },
  ];
}

export interface ReadFigures extends Pick<AnswerFigures, 'p50Ms' | 'p95Ms' | 'p99Ms' | 'maxMs' | 'statuses'> {
  runs: number;
  expect: string;
  /** Rows per answer (authorizations of a page, limits of a card): fewest and most. */
  rows: { min: number; max: number };
  /** CPU ms per answer of the app's process and of PostgreSQL's (see CpuMeter). */
  cpuMsPerRead?: { app: number; postgres: number };
  /** Requests the emulator (Stripe) served during the series: the mirror answers alone when 0. */
  stripeCalls?: number;
}

async function runReads(
  appUrl: string,
  cookie: string,
  read: Read,
  runs: number,
  offset: number,
): Promise<ReadFigures> {
  const answers: Array<{ status: number; ms: number }> = [];
  let min = Infinity;
  let max = 0;
  const started = performance.now();
  for (let i = 0; i < runs; i++) {
    const t = performance.now();
    const res = await fetch(`${appUrl}${read.path(offset + i)}`, {
      headers: { cookie },
      signal: AbortSignal.timeout(10_000),
    });
    const body = (await res.json()) as { data?: unknown[]; limits?: unknown[] };
    answers.push({ status: res.status, ms: performance.now() - t });
    if (res.status !== 200) continue;
    const rows = (body.data ?? body.limits ?? []).length;
    min = Math.min(min, rows);
    max = Math.max(max, rows);
  }
  const f = checked(tallyAnswers(`mirror: ${read.name}`, answers, (performance.now() - started) / 1000));
  return {
    runs,
    expect: read.expect,
    p50Ms: f.p50Ms,
    p95Ms: f.p95Ms,
    p99Ms: f.p99Ms,
    maxMs: f.maxMs,
    statuses: f.statuses,
    rows: { min: f.ok ? min : 0, max },
  };
}

// ---------------------------------------------------------------- EXPLAIN

interface PlanNode {
  'Node Type': string;
  'Index Name'?: string;
  'Relation Name'?: string;
  'Actual Rows'?: number;
  'Actual Loops'?: number;
  'Shared Hit Blocks'?: number;
  'Shared Read Blocks'?: number;
  Plans?: PlanNode[];
}

export interface ExplainFigures {
  statement: string;
  /** The plan, one node per line (node, relation, index, actual rows x loops). */
  plan: string[];
  indexesUsed: string[];
  seqScans: string[];
  /** Shared buffers of the whole statement: found in PostgreSQL's cache, read from the OS. */
  buffers: { hit: number; read: number };
  executionMs: number;
  planningMs: number;
}

/** Runs `fn` with a Queryable that EXPLAINs (ANALYZE, BUFFERS) each statement instead of answering it. */
async function explain(db: Database, fn: (q: Queryable) => Promise<unknown>): Promise<ExplainFigures[]> {
  const plans: ExplainFigures[] = [];
  const explaining: Queryable = {
    async query<T>(sql: string, params: unknown[] = []) {
      const [row] = await db.query<{ 'QUERY PLAN': unknown }>(`EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) ${sql}`, params);
      const json = row!['QUERY PLAN'];
      const root = (typeof json === 'string' ? JSON.parse(json) : json)[0] as {
        Plan: PlanNode;
        'Execution Time': number;
        'Planning Time': number;
      };
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
        plan.push(
          `${'  '.repeat(depth)}${node['Node Type']}${on ? ` ${on}` : ''} (rows=${node['Actual Rows']} loops=${node['Actual Loops']})`,
        );
        for (const child of node.Plans ?? []) walk(child, depth + 1);
      };
      walk(root.Plan, 0);
      plans.push({
        statement: sql.replace(/\s+/g, ' ').trim().slice(0, 300),
        plan,
        indexesUsed: [...indexes],
        seqScans: [...seqScans],
        buffers: { hit: root.Plan['Shared Hit Blocks'] ?? 0, read: root.Plan['Shared Read Blocks'] ?? 0 },
        executionMs: Math.round(root['Execution Time'] * 100) / 100,
        planningMs: Math.round(root['Planning Time'] * 100) / 100,
      });
      return [] as T[];
    },
    exec: (script) => db.exec(script),
  };
  await fn(explaining);
  return plans;
}

/** The statements behind the pages measured, on the cards and accounts they were measured on. */
async function explainReads(db: Database, sizes: MirrorSizes, now: number): Promise<Record<string, ExplainFigures[]>> {
  const usualCard = cardId(BUSY_CARDS + 4242);
  const usualAccount = accountId(Math.floor((BUSY_CARDS + 4242) / CARDS_PER_ACCOUNT));
  const busyCard = cardId(7);
  const busy = accountId(0);
  const holderOf = (card: string) =>
    `ich_1MBench${String(Math.floor(Number(card.slice(-17)) / CARDS_PER_HOLDER)).padStart(17, '0')}`;
  const page = await mirroredAuthorizations(db, { account: busy, card: busyCard, limit: 25 });
  const ids = (page ?? []).slice(0, 25).map((r) => String(r.id));
  const yearAgo = now - 366 * DAY;
  const out: Record<string, ExplainFigures[]> = {};
  const run = async (name: string, fn: (q: Queryable) => Promise<unknown>) => (out[name] = await explain(db, fn));
  // The limits of the generated cards (bench/lib/mirror-data.ts), as remaining limits asks them
  // (mirroredSpendTotals: one row per limit window, migration 153).
  const window = (interval: string, categories: string[] | null = null): SpendWindow => ({
    from: windowStart(interval, now) ?? now,
    until: now,
    categories,
  });
  const cardWindows = [window('daily'), window('monthly'), window('monthly', ['airlines_air_carriers'])];
  const holderWindows = [window('weekly'), window('yearly')];
  await run('spendUsualCard (daily, monthly, monthly on a category)', (q) =>
    mirroredSpendTotals(q, usualAccount, { cards: [usualCard] }, cardWindows),
  );
  await run('spendUsualCardholder (weekly, yearly)', (q) =>
    mirroredSpendTotals(q, usualAccount, { cardholder: holderOf(usualCard) }, holderWindows),
  );
  await run('spendBusyCard (daily, monthly, monthly on a category)', (q) =>
    mirroredSpendTotals(q, busy, { cards: [busyCard] }, cardWindows),
  );
  await run('spendBusyCardholder (weekly, yearly)', (q) =>
    mirroredSpendTotals(q, busy, { cardholder: holderOf(busyCard) }, holderWindows),
  );
  // Before migration 153: every approved authorization of the year sent to the app (what the rows cost).
  await run('spendBusyCardholderRows (yearly window, one row per authorization)', (q) =>
    mirroredSpend(q, busy, { cardholder: holderOf(busyCard) }, yearAgo),
  );
  await run('cardPage', (q) => mirroredAuthorizations(q, { account: busy, card: busyCard, limit: 25 }));
  await run('cardPageFiltered', (q) =>
    mirroredAuthorizations(q, {
      account: busy,
      card: busyCard,
      status: 'closed',
      gte: now - 90 * DAY,
      lt: now,
      limit: 25,
    }),
  );
  await run('transactionsOfPage', (q) => transactionsOf(q, ids));
  await run('accountPage', (q) => mirroredAuthorizations(q, { account: usualAccount, limit: 25 }));
  await run('accountPageFiltered', (q) =>
    mirroredAuthorizations(q, { account: usualAccount, status: 'reversed', gte: now - 30 * DAY, lt: now, limit: 25 }),
  );
  await run('accountPageBusy', (q) =>
    mirroredAuthorizations(q, { account: busy, status: 'expired', gte: now - 180 * DAY, lt: now, limit: 25 }),
  );
  return out;
}

// ---------------------------------------------------------------- webhook ingest

/** Stripe's signature: t=<timestamp>,v1=<HMAC-SHA256 of "t.payload" with the endpoint secret>. */
function signature(payload: string, secret: string, t: number): string {
  return `t=${t},v1=${createHmac('sha256', secret).update(`${t}.${payload}`).digest('hex')}`;
}

/**
 * Event i of a run: purchase p = floor(i / 3) on one of the sampled cards, as Stripe announces it:
 * issuing_authorization.created (pending), issuing_transaction.created (its capture),
 * issuing_authorization.updated (closed, with the capture). Built and signed when sent, so the
 * signature's timestamp and the event's `created` are of that moment (no webhook gap).
 */
function webhookEvent(
  i: number,
  stamp: string,
  cards: Array<{ card: Record<string, unknown>; account: string }>,
): string {
  const p = Math.floor(i / 3);
  const kind = i % 3;
  const { card, account } = cards[p % cards.length]!;
  const now = Math.floor(Date.now() / 1000);
  const amount = 100 + ((p * 7717) % 25000);
  const authId = `iauth_W${stamp}${String(p).padStart(12, '0')}`;
  const merchant = {
    category: 'eating_places_restaurants',
    category_code: '5812',
    city: 'Oakland',
    country: 'US',
    name: 'Blue Bottle Coffee',
    network_id: '1234567890',
    postal_code: '94607',
    state: 'CA',
    tax_id: null,
    terminal_id: null,
    url: null,
  };
  const holder = (card.cardholder as { id: string }).id;
  const capture = {
    id: `ipi_W${stamp}${String(p).padStart(12, '0')}`,
    object: 'issuing.transaction',
    amount: -amount,
    amount_details: { atm_fee: null, cashback_amount: 0 },
    authorization: authId,
    balance_transaction: `txn_W${stamp}${p}`,
    card: card.id,
    cardholder: holder,
    created: now,
    currency: 'usd',
    dispute: null,
    livemode: false,
    merchant_amount: -amount,
    merchant_currency: 'usd',
    merchant_data: merchant,
    metadata: {},
    network_data: { authorization_code: '123456', processing_date: '2026-01-01', transaction_id: `TXW${p}` },
    purchase_details: null,
    token: null,
    treasury: null,
    type: 'capture',
    wallet: null,
  };
  const auth = {
    id: authId,
    object: 'issuing.authorization',
    amount,
    amount_details: { atm_fee: null, cashback_amount: 0 },
    approved: true,
    authorization_method: 'online',
    balance_transactions: [],
    card,
    cardholder: holder,
    created: now,
    currency: 'usd',
    fleet: null,
    fuel: null,
    livemode: false,
    merchant_amount: amount,
    merchant_currency: 'usd',
    merchant_data: merchant,
    metadata: {},
    network_data: {
      acquiring_institution_id: '400012',
      system_trace_audit_number: '000123',
      transaction_id: `TXW${p}`,
    },
    pending_request: null,
    request_history: [
      {
        amount,
        amount_details: { atm_fee: null, cashback_amount: 0 },
        approved: true,
        authorization_code: '123456',
        created: now,
        currency: 'usd',
        merchant_amount: amount,
        merchant_currency: 'usd',
        reason: 'webhook_approved',
        reason_message: null,
        requested_at: now,
      },
    ],
    status: kind === 2 ? 'closed' : 'pending',
    token: null,
    transactions: kind === 2 ? [capture] : [],
    treasury: null,
    verification_data: {
      address_line1_check: 'match',
      address_postal_code_check: 'match',
      authentication_exemption: null,
      cvc_check: 'match',
      expiry_check: 'match',
      postal_code: null,
      three_d_secure: null,
    },
    wallet: null,
  };
  const type =
    kind === 0
      ? 'issuing_authorization.created'
      : kind === 1
        ? 'issuing_transaction.created'
        : 'issuing_authorization.updated';
  return JSON.stringify({
    id: `evt_W${stamp}${String(i).padStart(12, '0')}`,
    object: 'event',
    account,
    api_version: '2025-03-31.basil',
    created: now,
    data: { object: kind === 1 ? capture : auth },
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    type,
  });
}

export interface IngestFigures extends LoadResult {
  connections: number;
  /** Bytes of one event (an authorization with its card embedded, as Stripe sends it). */
  eventBytes: number;
  /**
   * CPU ms per event answered 200: the app's (verification, JSON, processEvent) and PostgreSQL's.
   * 1000 x cores / (app + postgres) is what an idle machine of this many cores could ingest.
   */
  cpuMsPerEvent: { app: number; postgres: number };
  /** What the mirror holds afterwards of the run's purchases: rows written by the answers 200. */
  mirrored: { authorizations: number; transactions: number; eventsRecorded: number };
}

async function ingest(ctx: BenchContext, db: Database, appUrl: string, meter: CpuMeter): Promise<IngestFigures> {
  // 1,000 cards the events are about, with their cardholders embedded (as Stripe embeds them).
  const [indexed] = await db.query<{ n: string }>('SELECT count(*) AS n FROM card_index');
  const total = Number(indexed!.n);
  const sample = await db.query<{ card: Record<string, unknown>; holder: Record<string, unknown>; account_id: string }>(
    `SELECT c.data AS card, h.data AS holder, c.account_id FROM card_index c JOIN cardholder_index h ON h.cardholder_id = c.cardholder_id
     WHERE c.card_id = ANY($1::text[])`,
    [Array.from({ length: 1000 }, (_, i) => cardId((i * 997 + 13) % total))],
  );
  const cards = sample.map((r) => ({ card: { ...r.card, cardholder: r.holder }, account: r.account_id }));
  const stamp = Date.now().toString(36);
  const eventBytes = Buffer.byteLength(webhookEvent(0, stamp, cards));
  const send = (prefix: string, durationS: number) =>
    load({
      section: `mirror: POST /webhooks/stripe${prefix}`,
      url: `${appUrl}/webhooks/stripe`,
      method: 'POST',
      connections: ctx.load.connections,
      maxSeconds: durationS,
      request: (i) => {
        const body = webhookEvent(i, `${stamp}${prefix}`, cards);
        return {
          body,
          headers: {
            'content-type': 'application/json',
            'stripe-signature': signature(body, WEBHOOK_SECRET, Math.floor(Date.now() / 1000)),
          },
        };
      },
    });
  await send('w', ctx.load.warmUpS); // warm-up: JIT, connections (not counted)
  const cpu = meter.start();
  const result = await send('m', ctx.load.durationS);
  const cpuMsPerEvent = cpu(result.ok);
  const range = (prefix: string) => [`${prefix}${stamp}m`, `${prefix}${stamp}m~`];
  const count = async (table: string, prefix: string) =>
    Number(
      (
        await db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE id >= $1 AND id < $2`, range(prefix))
      )[0]!.n,
    );
  return {
    ...result,
    connections: ctx.load.connections,
    eventBytes,
    cpuMsPerEvent,
    mirrored: {
      authorizations: await count('mirror_authorizations', 'iauth_W'),
      transactions: await count('mirror_transactions', 'ipi_W'),
      eventsRecorded: await count('webhook_events', 'evt_W'),
    },
  };
}

// ---------------------------------------------------------------- disk

export interface TableDisk {
  rows: number;
  /** Bytes: the heap, its TOAST (compressed jsonb), the indexes, all together. */
  heapMb: number;
  toastMb: number;
  indexesMb: number;
  totalMb: number;
  /** totalMb per million rows; each index per million rows. */
  totalMbPerMillion: number;
  indexMbPerMillion: Record<string, number>;
  /** Stored size of `data` (jsonb, compressed where TOASTed): the average per row, in bytes. */
  avgDataBytes: number;
}

async function disk(db: Database, table: string): Promise<TableDisk> {
  const [s] = await db.query<{ rows: string; heap: string; toast: string; indexes: string; total: string }>(
    `SELECT (SELECT reltuples::bigint FROM pg_class WHERE oid = $1::regclass) AS rows,
       pg_relation_size($1::regclass) AS heap,
       coalesce(pg_total_relation_size((SELECT reltoastrelid FROM pg_class WHERE oid = $1::regclass)), 0) AS toast,
       pg_indexes_size($1::regclass) AS indexes, pg_total_relation_size($1::regclass) AS total`,
    [table],
  );
  const perIndex = await db.query<{ name: string; bytes: string }>(
    `SELECT indexrelid::regclass::text AS name, pg_relation_size(indexrelid) AS bytes FROM pg_index WHERE indrelid = $1::regclass ORDER BY 1`,
    [table],
  );
  const [avg] = await db.query<{ b: string }>(
    `SELECT avg(pg_column_size(data))::int AS b FROM ${table} TABLESAMPLE SYSTEM (0.5)`,
  );
  const rows = Number(s!.rows);
  const mb = (bytes: string | number) => Math.round(Number(bytes) / 2 ** 20);
  const perMillion = (bytes: string | number) => Math.round((Number(bytes) / 2 ** 20 / rows) * 1e6);
  return {
    rows,
    heapMb: mb(s!.heap),
    toastMb: mb(s!.toast),
    indexesMb: mb(s!.indexes),
    totalMb: mb(s!.total),
    totalMbPerMillion: perMillion(s!.total),
    indexMbPerMillion: Object.fromEntries(perIndex.map((i) => [i.name, perMillion(i.bytes)])),
    avgDataBytes: Number(avg?.b ?? 0),
  };
}

// ---------------------------------------------------------------- the section

export interface MirrorReport {
  sizes: MirrorSizes & { transactions: number };
  loadAverage1m: { start: number; end: number };
  /** Migrations applied at the start of the run (on a kept set: those newer than it), how long they took, and the VACUUM ANALYZE after them on a kept set. */
  migrations: { applied: string[]; ms: number; vacuumAnalyzeMs?: number };
  generation: (GenerationFigures & { reused: false }) | (GenerationFigures & { reused: true; at: string });
  app: { startMs: number; idleRssMb: number | undefined };
  reads: Record<string, ReadFigures>;
  ingest: IngestFigures;
  disk: Record<string, TableDisk>;
  explain: Record<string, ExplainFigures[]>;
  targets: Target[];
  method: Record<string, string>;
}

export async function benchMirror(ctx: BenchContext): Promise<MirrorReport> {
  const log: Log = ctx.log;
  const sizes = mirrorSizes();
  const runs = Number(process.env.BENCH_MIRROR_READS ?? 200);
  const load1 = loadavg()[0]!;
  const cleanup: Array<() => Promise<void>> = [];
  try {
    const database = await mirrorDatabase(await ctx.postgresUrl(), cleanup);
    const db = await openDatabase({ kind: 'postgres', url: database.url });
    cleanup.push(() => db.close());
    // On a kept set, migrations added since it was generated run here, on the full tables.
    const migrateStarted = performance.now();
    const applied = await migrate(db);
    const migrations: MirrorReport['migrations'] = { applied, ms: Math.round(performance.now() - migrateStarted) };
    let generation: MirrorReport['generation'];
    const before = database.kept ? await generatedBefore(db, sizes) : undefined;
    if (before) {
      log(`mirror: reusing the set generated ${before.at} in BENCH_MIRROR_DATABASE_URL`);
      generation = { ...before, reused: true };
      if (applied.length > 0) {
        // What autovacuum reaches soon after a migration that rewrote rows (153 fills every
        // authorization's captured sum): statistics, and the visibility map index-only scans need.
        const vacuumStarted = performance.now();
        await db.exec('VACUUM (ANALYZE) mirror_authorizations');
        await db.exec('VACUUM (ANALYZE) mirror_transactions');
        migrations.vacuumAnalyzeMs = Math.round(performance.now() - vacuumStarted);
      }
    } else {
      log(
        `mirror: generating ${sizes.authorizations.toLocaleString('en')} authorizations on ${sizes.cards.toLocaleString('en')} cards`,
      );
      const figures = await generateMirror(database.url, sizes, Math.floor(Date.now() / 1000), log);
      if (database.kept)
        await db.query('INSERT INTO bench_mirror_generated (sizes, figures) VALUES ($1, $2)', [
          JSON.stringify(sizes),
          JSON.stringify(figures),
        ]);
      generation = { ...figures, reused: false };
    }
    const now = Math.floor(Date.now() / 1000);

    log('mirror: disk');
    const sizesOnDisk: Record<string, TableDisk> = {};
    for (const t of ['mirror_authorizations', 'mirror_transactions', 'card_index', 'cardholder_index'])
      sizesOnDisk[t] = await disk(db, t);

    log(`mirror: the emulator with the ${sizes.cards.toLocaleString('en')} cards (its own process)`);
    const emulatorPort = await freePort();
    const emulatorChild = startChild(['--max-old-space-size=8192', '--import', 'tsx', 'bench/million-emulator.ts'], {
      CARDS: String(sizes.cards),
      EMULATOR_PORT: String(emulatorPort),
    });
    cleanup.push(() => emulatorChild.stop());
    const emulator = await firstJsonLine<{ emulatorUrl: string }>(emulatorChild, 600_000);

    log('mirror: the app on the mirror');
    const app = await startApp({
      DATABASE_URL: database.url,
      EMULATOR_API_URL: emulator.emulatorUrl,
      EMULATOR_PUBLIC_URL: emulator.emulatorUrl,
      STRIPE_MAX_RPS: 'off',
      STRIPE_WEBHOOK_SECRET: WEBHOOK_SECRET,
      // The reconciler's first pass runs at start (500 accounts); none other during the run.
      MIRROR_RECONCILE_SECONDS: '3600',
    });
    cleanup.push(() => app.child.stop());
    await new Promise((r) => setTimeout(r, 5000));
    const idleRssMb = app.child.rssMb();
    const admin = await apiSignIn(app.url, 'admin@example.com', DEMO_PASSWORD, DEMO_TOTP_SECRET);

    const meter = await CpuMeter.create(db, app.child.process.pid!);
    const series = reads(sizes, now);
    const results: Record<string, ReadFigures> = {};
    for (const read of series) await runReads(app.url, admin, read, 5, 100_000);
    for (const read of series) {
      log(`mirror: ${runs} reads ${read.name}`);
      const calls = await stripeRequests(emulator.emulatorUrl);
      const cpu = meter.start();
      const figures = await runReads(app.url, admin, read, runs, 0);
      results[read.name] = {
        ...figures,
        cpuMsPerRead: cpu(runs),
        stripeCalls: (await stripeRequests(emulator.emulatorUrl)) - calls,
      };
    }

    log('mirror: EXPLAIN of the read statements');
    const plans = await explainReads(db, sizes, now);

    log(`mirror: webhook ingest, ${ctx.load.connections} connections for ${ctx.load.durationS} s`);
    const ingested = await ingest(ctx, db, app.url, meter);

    const [txns] = await db.query<{ n: string }>(
      "SELECT reltuples::bigint AS n FROM pg_class WHERE relname = 'mirror_transactions'",
    );
    const scale = `${(sizes.authorizations / 1e6).toLocaleString('en')} M authorizations`;
    const targets: Target[] = [
      ...Object.entries(results).map(([name, r]) => ({
        name: `mirror, ${scale}: ${name}, p99 at the app (PostgreSQL)`,
        target: `< ${TARGET_P99_MS} ms`,
        value: r.p99Ms ?? undefined,
        met: r.p99Ms !== null && r.p99Ms < TARGET_P99_MS && (r.statuses['200'] ?? 0) === r.runs,
      })),
      {
        name: `mirror, ${scale}: webhook events ingested per second (answers 200)`,
        target: `>= ${TARGET_EVENTS_PER_S}`,
        value: ingested.okPerS,
        met: ingested.okPerS >= TARGET_EVENTS_PER_S && !ingested.failed,
      },
    ];
    return {
      sizes: { ...sizes, transactions: Number(txns!.n) },
      loadAverage1m: { start: load1, end: loadavg()[0]! },
      migrations,
      generation,
      app: { startMs: app.startMs, idleRssMb },
      reads: results,
      ingest: ingested,
      disk: sizesOnDisk,
      explain: plans,
      targets,
      method: {
        data: `generated in PostgreSQL (bench/lib/mirror-data.ts): ${sizes.accounts} accounts, ${sizes.cardholders} cardholders, ${sizes.cards} cards (data jsonb as mirrored, spending limits on card and cardholder), ${sizes.authorizations} authorizations (status mix, request_history of 1-2, merchant data, captures embedded) and their transactions; secondary indexes dropped for the fill and built after it, then VACUUM ANALYZE. BENCH_MIRROR_DATABASE_URL keeps the set for later runs`,
        app: "npm start (node scripts/start.mjs, production build) on that database, Stripe = bench/million-emulator.ts (every account and card; the app's reads do not call it), STRIPE_MAX_RPS=off, MIRROR_RECONCILE_SECONDS=3600; the platform admin signed in through the API (password + TOTP)",
        reads: `sequential GET requests, 5 warm-ups of each kind, then ${runs} each (BENCH_MIRROR_READS), cards and accounts drawn with a fixed seed; percentiles of the answers 200`,
        ingest: `autocannon, ${ctx.load.connections} connections, ${ctx.load.warmUpS} s warm-up then ${ctx.load.durationS} s, POST /webhooks/stripe with Stripe's signature, each event new (built and signed when sent): per purchase issuing_authorization.created, issuing_transaction.created, issuing_authorization.updated, on 1,000 cards with the card and cardholder embedded; the whole route (verification, processEvent's transaction: event row, object state, mirror, audit, NOTIFY)`,
        disk: 'pg_relation_size (heap), the TOAST relation, pg_indexes_size, pg_total_relation_size; rows = pg_class.reltuples after ANALYZE; per million rows',
        explain:
          'EXPLAIN (ANALYZE, BUFFERS, FORMAT JSON) of the statements of server/db/mirror-reads.ts the pages run, on a usual and a busy card and account',
      },
    };
  } finally {
    for (const fn of cleanup.reverse()) await fn().catch(() => undefined);
  }
}

/** Section `mirror` of `npm run bench` (only when named: generating 10 M authorizations takes long). */
export const mirrorScaleSection: BenchSection = {
  name: 'mirror',
  description:
    'the mirror at scale on PostgreSQL: 10 M authorizations, 1 M cards; limits and pages p99, webhook ingest, disk',
  inFullRun: false,
  async run(ctx) {
    const mirror = await benchMirror(ctx);
    return { figures: { mirror }, targets: mirror.targets };
  },
};
