// The reconciler (docs/decisions/148-mirror.md): repairs what webhooks missed. Per connected
// account it lists Stripe's events since the last one it settled (GET /v1/events with
// `Stripe-Account`: a connected account's events are listed on that account; Stripe keeps them
// 30 days), and re-fetches every object those events name, so the mirror ends with Stripe's
// state now, whatever order (or whether) the webhooks arrived in. Re-fetching rather than
// replaying the events' objects also settles two reports of the same second, which no version
// can order.
//
// Cost: one events list per account per pass (more for a busy account), plus one retrieve per
// changed object. A pass takes at most `accountsPerPass` accounts, those reconciled longest ago
// first, so a large platform is covered over several passes within Stripe's budget.
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import {
  accountsListed,
  addAccountToBackfill,
  deleteIndexedCard,
  pendingBackfills,
  upsertCardholders,
} from '../../db/card-index.ts';
import type { Database } from '../../db/database.ts';
import {
  newestMirroredAccount,
  pendingActivityBackfills,
  recordReconcilePass,
  recordReconciled,
  recordStripeContact,
  reconcileTargets,
} from '../../db/mirror.ts';
import { indexCards } from '../card-index.ts';
import { isNotOnAccount, stripeErrorKind } from '../stripe-errors.ts';
import { applyMirrorEvent, mirrorAccounts, mirrorAuthorizations, mirrorTransactions } from './ingest.ts';
import { cardholderIndexRow, eventVersion, fetchVersion } from './objects.ts';

/** The event types whose objects the mirror keeps (the list's `types`, at most 20). */
export const RECONCILED_EVENT_TYPES = [
  'issuing_card.created',
  'issuing_card.updated',
  'issuing_cardholder.created',
  'issuing_cardholder.updated',
  'issuing_authorization.created',
  'issuing_authorization.updated',
  'issuing_transaction.created',
  'issuing_transaction.updated',
  'account.updated',
  'capability.updated',
  'balance.available',
] as const;

/** The advisory lock one instance holds while it reconciles (any fixed number). */
export const RECONCILE_LOCK_ID = 724_311_148;

export interface ReconcileReport {
  ran: boolean;
  accounts: number;
  events: number;
  refetched: number;
  /** Connected accounts found that the mirror did not hold (their backfill follows). */
  discovered: number;
  /** Stripe could not be reached: the pass stopped (the mirror still answers, marked stale). */
  unreachable: boolean;
}

type Touched = {
  kind: 'card' | 'cardholder' | 'authorization' | 'transaction' | 'account';
  id: string;
  /** The newest of the events naming it (eventVersion): the re-fetch, made after, is at least that new. */
  seen?: number;
};

function touchedBy(event: Stripe.Event): Touched | undefined {
  const object = (event.data as unknown as { object?: { id?: unknown } }).object;
  const id = typeof object?.id === 'string' ? object.id : undefined;
  if (!id) return undefined;
  if (event.type.startsWith('issuing_card.')) return { kind: 'card', id };
  if (event.type.startsWith('issuing_cardholder.')) return { kind: 'cardholder', id };
  if (event.type.startsWith('issuing_authorization.')) return { kind: 'authorization', id };
  if (event.type.startsWith('issuing_transaction.')) return { kind: 'transaction', id };
  if (event.type === 'account.updated' || event.type === 'capability.updated')
    return { kind: 'account', id: event.account ?? id };
  return undefined;
}

/** Whether an error means Stripe did not answer at all (network, 5xx), as opposed to refusing. */
export function isUnreachable(error: unknown): boolean {
  const kind = stripeErrorKind(error);
  return kind === 'unavailable' || kind === 'timeout' || kind === 'rate_limited';
}

async function refetch(stripe: Stripe, db: Database, account: string, touched: Touched): Promise<void> {
  const opts = { stripeContext: account };
  // Fetched after its events were listed, so it shows at least their state: within their second
  // a bare fetch time would count as older than them (decision 151) and leave the mirror as it was.
  const version = Math.max(fetchVersion(), touched.seen ?? 0);
  try {
    switch (touched.kind) {
      case 'card':
        await indexCards(db, [{ card: await stripe.issuing.cards.retrieve(touched.id, {}, opts), account }], version);
        return;
      case 'cardholder': {
        // A cardholder is mirrored with its cards (the card index keeps the holder's row).
        const holder = await stripe.issuing.cardholders.retrieve(touched.id, {}, opts);
        await upsertCardholders(db, [cardholderIndexRow(holder, account, version)]);
        return;
      }
      case 'authorization':
        await mirrorAuthorizations(
          db,
          account,
          [await stripe.issuing.authorizations.retrieve(touched.id, {}, opts)],
          version,
        );
        return;
      case 'transaction':
        await mirrorTransactions(
          db,
          account,
          [await stripe.issuing.transactions.retrieve(touched.id, {}, opts)],
          version,
        );
        return;
      case 'account':
        await mirrorAccounts(db, [await stripe.accounts.retrieve(account)], version);
        return;
    }
  } catch (error) {
    // Gone from the account (or the account from the platform): a card leaves the mirror.
    if (isNotOnAccount(error)) {
      if (touched.kind === 'card') await deleteIndexedCard(db, touched.id);
      return;
    }
    throw error;
  }
}

/**
 * Connected accounts created since the newest one the mirror holds (one list call when there are
 * none): Stripe sends a platform no event for an account it creates through the API, so without
 * this a new account would wait for an operator's full resync. Each new one is mirrored and
 * queued for the backfill (the card index plugin's next check does it).
 */
async function discoverAccounts(stripe: Stripe, db: Database): Promise<number> {
  // Before the deployment's first listing the backfill lists every account itself.
  if (!(await accountsListed(db))) return 0;
  const newest = await newestMirroredAccount(db);
  const found: Stripe.Account[] = [];
  for await (const account of stripe.accounts.list({
    limit: 100,
    ...(newest !== null ? { created: { gte: newest } } : {}),
  }))
    found.push(account);
  let added = 0;
  await db.transaction(async (tx) => {
    for (const account of found) if (await addAccountToBackfill(tx, account.id)) added += 1;
    await mirrorAccounts(tx, found);
  });
  return added;
}

/**
 * One connected account the mirror does not hold, asked for by a user who may open it (an account
 * connected since the last pass: the gap discoverAccounts closes only at its next pass): one
 * retrieve; the platform's account is mirrored and queued for the backfill, as discoverAccounts
 * does; undefined when it is none of the platform's.
 */
export async function learnAccount(
  stripe: Stripe,
  db: Database,
  accountId: string,
): Promise<Stripe.Account | undefined> {
  let account: Stripe.Account;
  try {
    account = await stripe.accounts.retrieve(accountId);
  } catch (error) {
    if (isNotOnAccount(error)) return undefined;
    throw error;
  }
  await db.transaction(async (tx) => {
    await addAccountToBackfill(tx, account.id);
    await mirrorAccounts(tx, [account]);
  });
  return account;
}

/**
 * One pass: each target account's events since its cursor, each named object fetched anew. The
 * cursor moves only to events whose second had ended before this pass began (an event of the
 * current second may still be followed by another of the same second).
 */
export async function reconcileOnce(
  stripe: Stripe,
  db: Database,
  options: { accountsPerPass?: number; signal?: AbortSignal; log?: FastifyBaseLogger } = {},
): Promise<ReconcileReport> {
  const report: ReconcileReport = {
    ran: false,
    accounts: 0,
    events: 0,
    refetched: 0,
    discovered: 0,
    unreachable: false,
  };
  const release = await db.tryAdvisoryLock(RECONCILE_LOCK_ID);
  if (!release) return report;
  report.ran = true;
  try {
    const settledUntil = Math.floor(Date.now() / 1000) - 1;
    try {
      report.discovered = await discoverAccounts(stripe, db);
    } catch (error) {
      if (!isUnreachable(error)) throw error;
      report.unreachable = true;
      await recordStripeContact(db, false).catch(() => {});
      return report;
    }
    const targets = await reconcileTargets(db, options.accountsPerPass ?? 500);
    if (targets.length === 0) {
      // Nothing asked of Stripe: a pass says nothing of whether Stripe answers, and counts as a
      // sync only when no backfill is still to do (else the mirror is not yet a copy at all).
      const left = (await pendingBackfills(db)).length + (await pendingActivityBackfills(db)).length;
      if (left === 0) await recordReconcilePass(db);
      return report;
    }
    for (const target of targets) {
      options.signal?.throwIfAborted();
      const account = target.account_id;
      const since = target.events_created ?? settledUntil;
      const touched = new Map<string, Touched>();
      let newest: number | null = null;
      try {
        for await (const event of stripe.events.list(
          { created: { gte: since }, types: [...RECONCILED_EVENT_TYPES], limit: 100 },
          { stripeContext: account },
        )) {
          report.events += 1;
          newest = Math.max(newest ?? 0, event.created);
          const t = touchedBy(event);
          if (t) {
            const key = `${t.kind} ${t.id}`;
            touched.set(key, { ...t, seen: Math.max(touched.get(key)?.seen ?? 0, eventVersion(event)) });
          } else if (event.type === 'balance.available') {
            // A balance has no id to re-fetch: the event carries it whole, as its webhook would have.
            await applyMirrorEvent(db, event);
          }
        }
        for (const t of touched.values()) {
          options.signal?.throwIfAborted();
          await refetch(stripe, db, account, t);
          report.refetched += 1;
        }
      } catch (error) {
        if (isUnreachable(error)) {
          report.unreachable = true;
          await recordStripeContact(db, false).catch(() => {});
          options.log?.warn(
            { account },
            'mirror reconcile: Stripe cannot be reached; pages answer from the mirror, marked with its age',
          );
          return report;
        }
        // The account is no longer connected (or refuses): skipped; the backfill's listing drops it.
        if (isNotOnAccount(error)) {
          await recordReconciled(db, account, null);
          continue;
        }
        throw error;
      }
      await recordReconciled(db, account, newest === null ? since : Math.min(newest, settledUntil));
      report.accounts += 1;
    }
    await recordReconcilePass(db);
    await recordStripeContact(db, true);
    if (report.refetched > 0) options.log?.info(report, 'mirror reconcile: repaired objects from Stripe events');
    return report;
  } finally {
    await release();
  }
}
