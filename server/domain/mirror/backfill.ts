// The mirror's backfill beyond cards (../card-index.ts pages through each account's cards
// first): each connected account's own data, its cardholders, then its authorizations and
// transactions from Stripe's list endpoints, newest first, 100 a page, each page recorded with
// how far it got, so a stopped backfill resumes after its last page. Runs inside the card index backfill's advisory
// lock: one instance of the deployment does it, once (docs/decisions/110, 148).
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import type { Database } from '../../db/database.ts';
import { finishActivityBackfill, pendingActivityBackfills, recordActivityCursor } from '../../db/mirror.ts';
import { upsertCardholders } from '../../db/card-index.ts';
import { mirrorAccounts, mirrorAuthorizations, mirrorTransactions } from './ingest.ts';
import { cardholderIndexRow, fetchVersion } from './objects.ts';

export interface ActivityBackfillReport {
  accounts: number;
  authorizations: number;
  transactions: number;
}

export async function backfillActivity(
  stripe: Stripe,
  db: Database,
  options: { signal?: AbortSignal; log?: FastifyBaseLogger; pageSize?: number } = {},
): Promise<ActivityBackfillReport> {
  const { signal, log } = options;
  const pageSize = options.pageSize ?? 100;
  const report: ActivityBackfillReport = { accounts: 0, authorizations: 0, transactions: 0 };
  for (const pending of await pendingActivityBackfills(db)) {
    const account = pending.account_id;
    // Events since the card listing began are the reconciler's: a change made between that
    // listing and this backfill, whose webhook was lost, is still repaired.
    const since = Number(pending.started);
    signal?.throwIfAborted();
    await mirrorAccounts(db, [await stripe.accounts.retrieve(account)]);

    // Cardholders with no card are in no card listing: listed on their own, before the
    // authorizations (a resumed backfill that recorded an activity cursor is past them).
    if (!pending.authorizations_cursor && !pending.transactions_cursor) {
      for (let after: string | undefined; ;) {
        signal?.throwIfAborted();
        const version = fetchVersion();
        const page = await stripe.issuing.cardholders.list(
          { limit: pageSize, ...(after ? { starting_after: after } : {}) },
          { stripeContext: account },
        );
        await upsertCardholders(
          db,
          page.data.map((h) => cardholderIndexRow(h, account, version)),
        );
        after = page.data.at(-1)?.id;
        if (!page.has_more || !after) break;
      }
    }

    for (const kind of ['authorizations', 'transactions'] as const) {
      let startingAfter =
        (kind === 'authorizations' ? pending.authorizations_cursor : pending.transactions_cursor) ?? undefined;
      for (;;) {
        signal?.throwIfAborted();
        const params = { limit: pageSize, ...(startingAfter ? { starting_after: startingAfter } : {}) };
        const page =
          kind === 'authorizations'
            ? await stripe.issuing.authorizations.list(params, { stripeContext: account })
            : await stripe.issuing.transactions.list(params, { stripeContext: account });
        const last = page.data.at(-1)?.id;
        // Oldest first within the page: the mirror orders objects of the same second by when it
        // first learned of them (migration 151), and Stripe lists newest first.
        const oldestFirst = [...page.data].reverse();
        await db.transaction(async (tx) => {
          if (kind === 'authorizations')
            await mirrorAuthorizations(tx, account, oldestFirst as Stripe.Issuing.Authorization[]);
          else await mirrorTransactions(tx, account, oldestFirst as Stripe.Issuing.Transaction[]);
          if (last) await recordActivityCursor(tx, account, kind, last);
        });
        report[kind] += page.data.length;
        if (!page.has_more || !last) break;
        startingAfter = last;
      }
    }
    await finishActivityBackfill(db, account, since);
    report.accounts += 1;
  }
  if (report.accounts > 0) log?.info(report, 'mirror backfill: authorizations and transactions');
  return report;
}
