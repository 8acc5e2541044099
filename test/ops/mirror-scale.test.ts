// The mirror at scale (issue 18 item 7, decision 150): remaining limits read a cardholder's
// spend over a whole year of authorizations, so that read must come from the indexes alone
// (migration 150): at 10,000,000 authorizations a cardholder with 10,088 in the year took
// 264 ms through the table and 42 ms index-only (bench/README.md). The plan is pinned here on
// every backend, with the sums it must still give; `npm run bench -- mirror` measures the rest.
import { execFileSync } from 'node:child_process';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { upsertAuthorizations, upsertTransactions, type MirrorAuthorizationRow, type MirrorTransactionRow } from '../../server/db/mirror.ts';
import { mirroredSpend } from '../../server/db/mirror-reads.ts';
import { BACKENDS } from './databases.ts';

const ACCOUNT = 'acct_1ScaleTest000000';
const HOLDER = 'ich_1ScaleTest000000000000';
const NOW = 1_790_000_000;

/** 60 authorizations of one cardholder over two cards, one a day (every third declined, every other captured), among 3,000 of the account. */
function activity(): { auths: MirrorAuthorizationRow[]; txns: MirrorTransactionRow[] } {
  const auths: MirrorAuthorizationRow[] = [];
  const txns: MirrorTransactionRow[] = [];
  for (let i = 0; i < 60; i++) {
    const id = `iauth_scale${String(i).padStart(4, '0')}`;
    const card = `ic_scale${i % 2}`;
    const approved = i % 3 !== 0;
    const captured = approved && i % 2 === 0;
    const row = { id, accountId: ACCOUNT, cardId: card, cardholderId: HOLDER, created: NOW - i * 86_400, status: captured ? 'closed' : approved ? 'pending' : 'closed', approved, amount: 1000 + i, currency: 'usd', category: 'taxicabs_limousines', data: { id, object: 'issuing.authorization' }, version: 1 };
    auths.push(row);
    // The account's other cardholders: the cardholder's rows are a few of the account's, as at scale.
    for (let h = 0; h < 50; h++) auths.push({ ...row, id: `iauth_other${h}x${i}`, cardId: `ic_other${h}`, cardholderId: `ich_other${h}` });
    if (captured) txns.push({ id: `ipi_scale${i}`, accountId: ACCOUNT, cardId: card, authorizationId: id, created: row.created + 60, type: 'capture', amount: -(1000 + i), currency: 'usd', data: { id: `ipi_scale${i}` }, version: 1 });
  }
  return { auths, txns };
}

describe.each(BACKENDS)('the remaining-limit read at scale on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, drop } = await backend.create());
    await migrate(db);
    const { auths, txns } = activity();
    await upsertAuthorizations(db, auths);
    await upsertTransactions(db, txns);
    // What autovacuum does to insert-mostly tables: statistics and all-visible pages.
    await db.exec('VACUUM ANALYZE mirror_authorizations');
    await db.exec('VACUUM ANALYZE mirror_transactions');
  }, 60_000);
  afterAll(async () => {
    await drop?.();
  });

  test("a cardholder's spend comes from the indexes alone, and adds up to what was captured and held", async () => {
    const since = NOW - 30 * 86_400;
    const spend = await mirroredSpend(db, ACCOUNT, { cardholder: HOLDER }, since);
    // Approved ones of the last 31 days (i = 0..30, not a multiple of 3), captures negative.
    const expected = Array.from({ length: 31 }, (_, i) => i).filter((i) => i % 3 !== 0);
    expect(spend.map((s) => s.id).sort()).toEqual(expected.map((i) => `iauth_scale${String(i).padStart(4, '0')}`).sort());
    for (const s of spend) {
      const i = Number(s.id.slice(-4));
      expect(s.captured).toBe(i % 2 === 0 ? -(1000 + i) : 0);
    }

    // The plan, as the planner would choose it on a table of millions (a table this small would
    // be read whole): no visit to either table for any authorization.
    const plan = await db.transaction(async (tx) => {
      await tx.exec('SET LOCAL enable_seqscan = off; SET LOCAL enable_bitmapscan = off');
      return lastPlan(tx, since);
    });
    expect(plan).toMatch(/Index Only Scan using mirror_authorizations_cardholder_idx on mirror_authorizations/);
    expect(plan).toMatch(/Index Only Scan using mirror_transactions_authorization_idx on mirror_transactions/);
    expect(plan).not.toMatch(/(?<!Only )Index Scan|Seq Scan|Bitmap Heap Scan/);
  });
});

/** The plan of the cardholder spend statement, as mirroredSpend sends it, in one string. */
async function lastPlan(tx: { query<T>(sql: string, params?: unknown[]): Promise<T[]> }, since: number): Promise<string> {
  let plan = '';
  await mirroredSpend(
    {
      async query<T>(sql: string, params: unknown[] = []): Promise<T[]> {
        const rows = await tx.query<Record<string, string>>(`EXPLAIN ${sql}`, params);
        plan = rows.map((r) => Object.values(r)[0]).join('\n');
        return [];
      },
      exec: async () => undefined,
    },
    ACCOUNT,
    { cardholder: HOLDER },
    since,
  );
  return plan;
}

test('`npm run bench -- --list` has the mirror section, run only when named', () => {
  const list = execFileSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--list'], { encoding: 'utf8', timeout: 60_000 });
  expect(list).toMatch(/^mirror\s+\(only when named\) .*10 M authorizations/m);
}, 60_000);
