// The mirror at scale (issue 18 item 7, decision 150 and its migration 153): remaining limits
// and decline explanations add up a cardholder's spend over a whole year of authorizations, so
// that read must come from one index alone and PostgreSQL must add each limit's window up itself
// (one row to the app, not ~10,000: 99-132 ms p99 for a busy cardholder at 10 M before);
// each authorization carries its captured sum, which must be exact whichever of an authorization
// and its captures is written first, on two connections at once; an account's page filtered by
// a rare status reads its own index; a webhook event is two statements in its transaction. The
// plans are pinned here on every backend, with the sums they must give; `npm run bench -- mirror`
// measures the rest (bench/README.md).
import { execFileSync } from 'node:child_process';
import pg from 'pg';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database, Queryable } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import {
  upsertAuthorizations,
  upsertTransactions,
  type MirrorAuthorizationRow,
  type MirrorTransactionRow,
} from '../../server/db/mirror.ts';
import {
  mirroredAuthorizations,
  mirroredSpend,
  mirroredSpendTotals,
  type SpendWindow,
} from '../../server/db/mirror-reads.ts';
import { limitCovers, spendOf } from '../../server/domain/spending-usage.ts';
import { processEvent } from '../../server/domain/webhooks.ts';
import { BACKENDS } from './databases.ts';

const ACCOUNT = 'acct_1ScaleTest000000';
const HOLDER = 'ich_1ScaleTest000000000000';
const NOW = 1_790_000_000;
const DAY = 86_400;
const CATEGORIES = ['taxicabs_limousines', 'airlines_air_carriers'];

interface Spec {
  id: string;
  card: string;
  created: number;
  status: string;
  approved: boolean;
  amount: number;
  category: string | null;
  /** Capture amounts (positive: what was captured), and refunds (never counted). */
  captures: number[];
  refunds: number[];
}

/**
 * 60 authorizations of one cardholder over two cards, one a day: every third declined, the
 * others pending (some partly captured, one captured beyond its amount) or closed and captured
 * (some in two captures, some refunded), some reversed; two categories and a few with none.
 * Among 3,000 of the account's other cardholders, as at scale.
 */
function specs(): Spec[] {
  return Array.from({ length: 60 }, (_, i) => {
    const approved = i % 3 !== 0;
    const kind = i % 4;
    const amount = 1000 + i;
    const status = !approved
      ? 'closed'
      : kind === 0
        ? 'pending'
        : kind === 1
          ? 'closed'
          : kind === 2
            ? 'pending'
            : 'reversed';
    const captures = !approved
      ? []
      : kind === 1
        ? i % 5 === 0
          ? [400, amount - 400]
          : [amount]
        : kind === 2
          ? i % 7 === 2
            ? [amount + 250]
            : [300]
          : [];
    return {
      id: `iauth_scale${String(i).padStart(4, '0')}`,
      card: `ic_scale${i % 2}`,
      created: NOW - i * DAY,
      status,
      approved,
      amount,
      category: i % 11 === 4 ? null : CATEGORIES[i % 2]!,
      captures,
      refunds: kind === 1 && i % 10 === 1 ? [200] : [],
    };
  });
}

function authorizationRows(all: Spec[]): MirrorAuthorizationRow[] {
  const auths: MirrorAuthorizationRow[] = [];
  for (const s of all) {
    const row = {
      id: s.id,
      accountId: ACCOUNT,
      cardId: s.card,
      cardholderId: HOLDER,
      created: s.created,
      status: s.status,
      approved: s.approved,
      amount: s.amount,
      currency: 'usd',
      category: s.category,
      data: { id: s.id, object: 'issuing.authorization' },
      version: 1,
    };
    auths.push(row);
    for (let h = 0; h < 50; h++)
      auths.push({
        ...row,
        id: `iauth_other${h}x${s.id}`,
        cardId: `ic_other${h}`,
        cardholderId: `ich_other${h}`,
        status: 'closed',
      });
  }
  return auths;
}

function transactionRows(all: Spec[]): MirrorTransactionRow[] {
  return all.flatMap((s) =>
    [
      ...s.captures.map((amount, k) => ({ id: `ipi_scale${s.id}c${k}`, type: 'capture', amount: -amount, k })),
      ...s.refunds.map((amount, k) => ({ id: `ipi_scale${s.id}r${k}`, type: 'refund', amount, k })),
    ].map((t) => ({
      id: t.id,
      accountId: ACCOUNT,
      cardId: s.card,
      authorizationId: s.id,
      created: s.created + 60 + t.k,
      type: t.type,
      amount: t.amount,
      currency: 'usd',
      data: { id: t.id },
      version: 1,
    })),
  );
}

/** What a window counts, the way Stripe's list would be added up (spendOf, limitCovers). */
function expectedSpend(all: Spec[], w: SpendWindow, cards?: readonly string[]): number {
  let total = 0;
  for (const s of all) {
    if ((cards && !cards.includes(s.card)) || s.id === w.except || s.created < w.from || s.created > w.until) continue;
    if (!limitCovers({ amount: 0, interval: 'daily', categories: w.categories }, s.category ?? 'unknown')) continue;
    const transactions = [
      ...s.captures.map((a) => ({ type: 'capture', amount: -a })),
      ...s.refunds.map((a) => ({ type: 'refund', amount: a })),
    ];
    const spend = spendOf({
      approved: s.approved,
      status: s.status,
      amount: s.amount,
      transactions,
    } as unknown as Stripe.Issuing.Authorization);
    if (spend > 0) total += spend;
  }
  return total;
}

/** The EXPLAIN of the statement `fn` sends, as the planner would choose on a table of millions. */
async function planOf(db: Database, fn: (q: Queryable) => Promise<unknown>): Promise<string> {
  return db.transaction(async (tx) => {
    // A table this small would be read whole: the plan chosen once it is not.
    await tx.exec('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off');
    let plan = '';
    await fn({
      async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
        const rows = await tx.query<Record<string, string>>(`EXPLAIN ${sql}`, params);
        plan = rows.map((r) => Object.values(r)[0]).join('\n');
        return [];
      },
      exec: async () => undefined,
    });
    return plan;
  });
}

describe.each(BACKENDS)('the mirror at scale on $name', (backend) => {
  let db: Database;
  let url: string | undefined;
  let drop: () => Promise<void>;
  const all = specs();

  beforeAll(async () => {
    ({ db, url, drop } = await backend.create());
    await migrate(db);
    // Half the captures arrive before their authorization, half after (webhooks in any order).
    const txns = transactionRows(all);
    await upsertTransactions(
      db,
      txns.filter((_, i) => i % 2 === 0),
    );
    await upsertAuthorizations(db, authorizationRows(all));
    await upsertTransactions(
      db,
      txns.filter((_, i) => i % 2 === 1),
    );
    // What autovacuum does to insert-mostly tables: statistics and all-visible pages.
    await db.exec('VACUUM ANALYZE mirror_authorizations');
    await db.exec('VACUUM ANALYZE mirror_transactions');
  }, 60_000);
  afterAll(async () => {
    await drop?.();
  });

  test('each authorization carries the sum of its captures, whichever was written first', async () => {
    const spend = await mirroredSpend(db, ACCOUNT, { cardholder: HOLDER }, NOW - 60 * DAY);
    expect(spend.length).toBe(all.filter((s) => s.approved).length);
    for (const s of spend)
      expect(s.captured).toBe(0 - all.find((a) => a.id === s.id)!.captures.reduce((x, y) => x + y, 0));
  });

  test("each limit window is added up by the database, exactly as spendOf adds Stripe's list", async () => {
    const windows: SpendWindow[] = [
      { from: NOW - 6 * DAY, until: NOW, categories: null },
      { from: NOW - 29 * DAY, until: NOW, categories: null },
      { from: NOW - 29 * DAY, until: NOW, categories: ['taxicabs_limousines'] },
      { from: NOW - 59 * DAY, until: NOW - 10 * DAY, categories: ['airlines_air_carriers', 'unknown'] },
      // A decline explained: the spend before it, itself left out.
      { from: NOW - 40 * DAY, until: NOW - 20 * DAY, categories: null, except: 'iauth_scale0022' },
      { from: NOW + DAY, until: NOW + 2 * DAY, categories: null },
      // An approved authorization left out of its own window only (the others still count it).
      {
        from: NOW - 59 * DAY,
        until: NOW,
        categories: ['airlines_air_carriers', 'taxicabs_limousines'],
        except: 'iauth_scale0005',
      },
      { from: NOW - 59 * DAY, until: NOW, categories: ['taxicabs_limousines', 'airlines_air_carriers'] },
      { from: NOW - 5 * DAY, until: NOW - 5 * DAY, categories: ['airlines_air_carriers'] },
    ];
    const byHolder = await mirroredSpendTotals(db, ACCOUNT, { cardholder: HOLDER }, windows);
    expect(byHolder).toEqual(windows.map((w) => expectedSpend(all, w)));
    expect(byHolder[1]).toBeGreaterThan(0);
    expect(byHolder[6]).toBeLessThan(byHolder[7]!);
    expect(byHolder[8]).toBeGreaterThan(0);
    const byCard = await mirroredSpendTotals(db, ACCOUNT, { cards: ['ic_scale1'] }, windows);
    expect(byCard).toEqual(windows.map((w) => expectedSpend(all, w, ['ic_scale1'])));
  });

  test('the spend of a cardholder and of a card is one index-only scan, with no probe per authorization', async () => {
    const windows: SpendWindow[] = [
      { from: NOW - 365 * DAY, until: NOW, categories: ['taxicabs_limousines'], except: 'iauth_scale0001' },
      { from: NOW - 6 * DAY, until: NOW - DAY, categories: null, except: 'iauth_scale0003' },
    ];
    // The explained authorizations are looked up by id (at most a page of them), nothing else.
    const otherThanById = (plan: string) =>
      plan
        .split('\n')
        .filter((line) => /(?<!Only )Index Scan/.test(line) && !/using mirror_authorizations_pkey/.test(line));
    const holder = await planOf(db, (q) => mirroredSpendTotals(q, ACCOUNT, { cardholder: HOLDER }, windows));
    expect(holder).toMatch(/Index Only Scan using mirror_authorizations_cardholder_idx on mirror_authorizations/);
    expect(holder).not.toMatch(/mirror_transactions|Seq Scan|Bitmap Heap Scan/);
    expect(otherThanById(holder)).toEqual([]);
    const cards = await planOf(db, (q) =>
      mirroredSpendTotals(q, ACCOUNT, { cards: ['ic_scale0', 'ic_scale1'] }, windows),
    );
    expect(cards).toMatch(/Index Only Scan using mirror_authorizations_card_idx on mirror_authorizations/);
    expect(cards).not.toMatch(/mirror_transactions|Seq Scan|Bitmap Heap Scan/);
    expect(otherThanById(cards)).toEqual([]);
  });

  test("an account's page filtered by status reads the account's rows of that status only", async () => {
    const search = { account: ACCOUNT, status: 'reversed', gte: NOW - 180 * DAY, lt: NOW + 1, limit: 25 };
    const plan = await planOf(db, (q) => mirroredAuthorizations(q, search));
    expect(plan).toMatch(/Index Scan using mirror_authorizations_account_status_idx on mirror_authorizations/);
    const page = await mirroredAuthorizations(db, search);
    const reversed = all.filter((s) => s.status === 'reversed').sort((a, b) => b.created - a.created);
    expect(page!.map((a) => a.id)).toEqual(reversed.slice(0, 25).map((s) => s.id));
  });

  test('a webhook event is two statements in its transaction, and marks its account at most once a second', async () => {
    const statements: string[] = [];
    const counting: Database = {
      ...db,
      transaction: (fn) =>
        db.transaction((tx) =>
          fn({
            query: (sql, params) => (statements.push(sql), tx.query(sql, params)),
            exec: (script) => (statements.push(script), tx.exec(script)),
          }),
        ),
    };
    const created = Math.floor(Date.now() / 1000);
    const auth = {
      id: 'iauth_ingest1',
      object: 'issuing.authorization',
      card: 'ic_ingest',
      cardholder: 'ich_ingest',
      created,
      status: 'pending',
      approved: true,
      amount: 700,
      currency: 'usd',
      merchant_data: { category: 'taxicabs_limousines' },
      transactions: [],
    };
    const capture = {
      id: 'ipi_ingest1',
      object: 'issuing.transaction',
      card: 'ic_ingest',
      authorization: 'iauth_ingest1',
      created,
      type: 'capture',
      amount: -650,
      currency: 'usd',
    };
    const event = (id: string, type: string, object: object) =>
      ({
        id,
        object: 'event',
        type,
        account: ACCOUNT,
        created,
        data: { object },
        request: { id: null, idempotency_key: null },
      }) as unknown as Stripe.Event;

    // The capture's event first (delivery order is not Stripe's), then its authorization.
    expect(await processEvent(counting, event('evt_ingest_c', 'issuing_transaction.created', capture))).toEqual({
      processed: true,
    });
    expect(statements).toHaveLength(2);
    const [first] = await db.query<{ reported_at: Date }>('SELECT reported_at FROM mirror_sync WHERE account_id = $1', [
      ACCOUNT,
    ]);
    statements.length = 0;
    expect(await processEvent(counting, event('evt_ingest_a', 'issuing_authorization.created', auth))).toEqual({
      processed: true,
    });
    expect(statements).toHaveLength(2);
    // Once recorded, a redelivery is one statement and changes nothing.
    statements.length = 0;
    expect(
      await processEvent(counting, event('evt_ingest_a', 'issuing_authorization.created', { ...auth, amount: 1 })),
    ).toEqual({ processed: false });
    expect(statements).toHaveLength(1);

    const [row] = await db.query<{ amount: string; captured: string }>(
      'SELECT amount, captured FROM mirror_authorizations WHERE id = $1',
      ['iauth_ingest1'],
    );
    expect({ amount: Number(row!.amount), captured: Number(row!.captured) }).toEqual({ amount: 700, captured: -650 });
    const events = await db.query<{ id: string; processed_at: Date | null }>(
      "SELECT id, processed_at FROM webhook_events WHERE id LIKE 'evt_ingest_%' ORDER BY id",
    );
    expect(events).toEqual([
      { id: 'evt_ingest_a', processed_at: expect.any(Date) },
      { id: 'evt_ingest_c', processed_at: expect.any(Date) },
    ]);
    const [state] = await db.query<{ status: string; event_id: string }>(
      'SELECT status, event_id FROM stripe_object_state WHERE object_id = $1',
      ['iauth_ingest1'],
    );
    expect(state).toEqual({ status: 'pending', event_id: 'evt_ingest_a' });
    const [status] = await db.query<{ last_webhook_at: Date | null }>('SELECT last_webhook_at FROM mirror_status');
    expect(status!.last_webhook_at).toEqual(expect.any(Date));
    // The second event of the account within the second did not write its row again.
    const [second] = await db.query<{ reported_at: Date }>(
      'SELECT reported_at FROM mirror_sync WHERE account_id = $1',
      [ACCOUNT],
    );
    expect(second!.reported_at).toEqual(first!.reported_at);
  });

  // Two connections: PostgreSQL only (PGlite is one connection, its writes one after another).
  if (backend.name === 'postgres')
    test('an authorization and its capture written at once on two connections: the sum is still the capture', async () => {
      const connect = async () => {
        const client = new pg.Client({ connectionString: url });
        await client.connect();
        const q: Queryable = {
          query: async (sql, params) => (await client.query(sql, params)).rows,
          exec: async (s) => void (await client.query(s)),
        };
        return { client, q };
      };
      const a = await connect();
      const b = await connect();
      try {
        for (const [n, firstWrites] of [
          [1, 'authorization'],
          [2, 'capture'],
        ] as const) {
          const id = `iauth_race${n}`;
          const auth: MirrorAuthorizationRow = {
            id,
            accountId: ACCOUNT,
            cardId: 'ic_race',
            cardholderId: 'ich_race',
            created: NOW,
            status: 'closed',
            approved: true,
            amount: 900,
            currency: 'usd',
            category: null,
            data: { id },
            version: 1,
          };
          const capture: MirrorTransactionRow = {
            id: `ipi_race${n}`,
            accountId: ACCOUNT,
            cardId: 'ic_race',
            authorizationId: id,
            created: NOW + 60,
            type: 'capture',
            amount: -875,
            currency: 'usd',
            data: {},
            version: 1,
          };
          const writeAuth = (q: Queryable) => upsertAuthorizations(q, [auth]);
          const writeCapture = (q: Queryable) => upsertTransactions(q, [capture]);
          // The first writer's transaction is open (not committed) while the second writes.
          await a.client.query('BEGIN');
          await (firstWrites === 'authorization' ? writeAuth : writeCapture)(a.q);
          await b.client.query('BEGIN');
          const second = (firstWrites === 'authorization' ? writeCapture : writeAuth)(b.q).then(() =>
            b.client.query('COMMIT'),
          );
          await new Promise((r) => setTimeout(r, 300));
          await a.client.query('COMMIT');
          await second;
          const [row] = await db.query<{ captured: string }>(
            'SELECT captured FROM mirror_authorizations WHERE id = $1',
            [id],
          );
          expect({ firstWrites, captured: Number(row!.captured) }).toEqual({ firstWrites, captured: -875 });
        }
      } finally {
        await a.client.end();
        await b.client.end();
      }
    });
});

test('`npm run bench -- --list` has the mirror section, run only when named', () => {
  const list = execFileSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--list'], {
    encoding: 'utf8',
    timeout: 60_000,
  });
  expect(list).toMatch(/^mirror\s+\(only when named\) .*10 M authorizations/m);
}, 60_000);
