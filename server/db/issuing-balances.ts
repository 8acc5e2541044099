// Each connected account's Issuing balance as Stripe last reported it (migration 155): written
// from `balance.available` events (../domain/mirror/ingest.ts), read by the overview. Latest
// report wins on `version`, as everywhere in the mirror.
import type { Queryable } from './database.ts';

export interface BalanceAmount {
  amount: number;
  currency: string;
}

export async function recordIssuingBalance(
  db: Queryable,
  account: string,
  available: readonly BalanceAmount[],
  version: number,
): Promise<void> {
  await db.query(
    `INSERT INTO mirror_issuing_balances (account_id, available, version) VALUES ($1, $2::jsonb, $3)
     ON CONFLICT (account_id) DO UPDATE SET available = EXCLUDED.available, version = EXCLUDED.version, reported_at = now()
     WHERE mirror_issuing_balances.version <= EXCLUDED.version`,
    [account, JSON.stringify(available.map(({ amount, currency }) => ({ amount, currency }))), version],
  );
}

export interface IssuingBalanceRow {
  account_id: string;
  available: BalanceAmount[];
  /** When Stripe reported it (the event's time). */
  reported_at: Date;
}

export async function issuingBalances(db: Queryable, accounts: readonly string[]): Promise<IssuingBalanceRow[]> {
  const rows = await db.query<{ account_id: string; available: BalanceAmount[]; version: string | number }>(
    'SELECT account_id, available, version FROM mirror_issuing_balances WHERE account_id = ANY($1::text[])',
    [accounts],
  );
  return rows.map((r) => ({
    account_id: r.account_id,
    available: Array.isArray(r.available) ? r.available : [],
    reported_at: new Date(Math.min(Number(r.version), Date.now())),
  }));
}
