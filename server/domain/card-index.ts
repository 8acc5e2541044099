// Keeping the card index (server/db/card-index.ts) in step with Stripe: from the cards Stripe
// returns to us (our writes, the lookups' fresh fetches), from webhook events, and by a backfill
// that pages through every connected account's cards. See docs/decisions/020-card-index.md.
import type { FastifyBaseLogger } from 'fastify';
import type Stripe from 'stripe';
import type { Database, Queryable } from '../db/database.ts';
import { forgetMirrorAccountsExcept, restartActivityBackfill } from '../db/mirror.ts';
import { backfillActivity } from './mirror/backfill.ts';
import { mirrorAccounts } from './mirror/ingest.ts';
import { cardData, cardholderData, eventVersion, fetchVersion, idOf } from './mirror/objects.ts';
import {
  accountsListed,
  addAccountToBackfill,
  finishBackfill,
  pendingBackfills,
  recordAccountsListed,
  recordBackfillCursor,
  forgetAccountsExcept,
  startBackfill,
  updateCardStatus,
  upsertCardholders,
  upsertCards,
  type CardholderIndexRow,
  type CardIndexRow,
} from '../db/card-index.ts';

/** The card's account and the moment Stripe described it (unix seconds). */
export interface CardReport {
  card: Stripe.Issuing.Card;
  account: string;
}

function cardholderRow(holder: unknown, account: string, version: number): CardholderIndexRow | undefined {
  const h = holder as { id?: unknown; name?: unknown; email?: unknown; object?: unknown } | string | null | undefined;
  if (!h || typeof h !== 'object' || typeof h.id !== 'string' || typeof h.name !== 'string') return undefined;
  // The whole cardholder when Stripe gave it (an expanded card's cardholder is the full object).
  const data = h.object === 'issuing.cardholder' ? cardholderData(h as unknown as Stripe.Issuing.Cardholder) : null;
  return {
    cardholderId: h.id,
    accountId: account,
    name: h.name,
    email: typeof h.email === 'string' ? h.email : null,
    data,
    version,
  };
}

function cardRow(
  card: Partial<Stripe.Issuing.Card> & { id?: unknown },
  account: string,
  version: number,
): CardIndexRow | undefined {
  const holder = card.cardholder as { id?: unknown } | string | undefined;
  const cardholderId = typeof holder === 'string' ? holder : typeof holder?.id === 'string' ? holder.id : undefined;
  if (
    typeof card.id !== 'string' ||
    typeof card.last4 !== 'string' ||
    typeof card.type !== 'string' ||
    typeof card.status !== 'string' ||
    typeof card.created !== 'number' ||
    cardholderId === undefined
  ) {
    return undefined;
  }
  // The whole card only from a whole card object (a partial event object updates the columns).
  const data = card.object === 'issuing.card' ? cardData(card as Stripe.Issuing.Card) : null;
  return {
    cardId: card.id,
    accountId: account,
    last4: card.last4,
    type: card.type,
    status: card.status,
    cardholderId,
    created: card.created,
    replacementFor: idOf(card.replacement_for),
    data,
    version,
  };
}

/** Records cards as Stripe just returned them (a write's result, a fresh fetch, a backfill page). */
export async function indexCards(
  db: Queryable,
  reports: readonly CardReport[],
  version = fetchVersion(),
): Promise<void> {
  const cards: CardIndexRow[] = [];
  const holders: CardholderIndexRow[] = [];
  for (const { card, account } of reports) {
    const row = cardRow(card, account, version);
    if (row) cards.push(row);
    const holder = cardholderRow(card.cardholder, account, version);
    if (holder) holders.push(holder);
  }
  await upsertCardholders(db, holders);
  await upsertCards(db, cards);
}

/**
 * Applies an `issuing_card.*` or `issuing_cardholder.*` event, inside the transaction that
 * records the event (so it is applied once). Events of the platform's own account (no
 * `account`) are not about connected accounts' cards. An event whose object is partial only
 * updates the status of a card already known.
 */
export async function applyCardIndexEvent(tx: Queryable, event: Stripe.Event): Promise<void> {
  const account = event.account;
  if (!account) return;
  const object = (event.data as unknown as { object?: Record<string, unknown> } | undefined)?.object;
  if (!object || typeof object.id !== 'string') return;
  if (!event.type.startsWith('issuing_card.') && !event.type.startsWith('issuing_cardholder.')) return;
  // An account connected after the backfill listed the accounts: its cards are still to index
  // (an instance's periodic check picks it up), and meanwhile lookups ask Stripe for it.
  await addAccountToBackfill(tx, account);
  if (event.type.startsWith('issuing_card.') && object.object === 'issuing.card') {
    const card = object as Partial<Stripe.Issuing.Card>;
    const version = eventVersion(event);
    const row = cardRow(card, account, version);
    const holder = cardholderRow(card.cardholder, account, version);
    if (holder) await upsertCardholders(tx, [holder]);
    if (row) await upsertCards(tx, [row]);
    else if (typeof card.status === 'string') await updateCardStatus(tx, object.id, card.status, version);
  } else if (event.type.startsWith('issuing_cardholder.') && object.object === 'issuing.cardholder') {
    const holder = cardholderRow(object, account, eventVersion(event));
    if (holder) await upsertCardholders(tx, [holder]);
  }
}

export interface BackfillReport {
  /** Whether this call did the work; false when another instance holds the backfill. */
  ran: boolean;
  /** Whether the connected accounts were listed by this call. */
  listedAccounts: boolean;
  /** Accounts indexed to completion by this call. */
  accounts: number;
  /** Cards recorded by this call. */
  cards: number;
  dropped: number;
  /** Authorizations mirrored by this call (./mirror/backfill.ts). */
  authorizations?: number;
  ms: number;
}

export interface BackfillOptions {
  signal?: AbortSignal;
  log?: FastifyBaseLogger;
  /** Log progress every this many cards of one account. */
  progressEvery?: number;
  /** Cards per list request (Stripe's maximum, 100, unless a test wants many pages). */
  pageSize?: number;
  /** List the connected accounts again and index every one anew (an operator's full resync). */
  full?: boolean;
}

/** The advisory lock one instance of a deployment holds while it backfills (any fixed number). */
export const BACKFILL_LOCK_ID = 724_311_110;

/**
 * The deployment's card index backfill (docs/decisions/110-card-index-backfill-once.md): does
 * what is left of it, once, in whichever instance takes the advisory lock; the others return at
 * once (`ran: false`). What is left: listing the connected accounts (only the first time, or
 * with `full`), then each account not yet indexed, from its saved cursor. A restart with
 * nothing left makes no Stripe call at all; events keep the index current from then on.
 */
export async function backfillCardIndex(
  stripe: Stripe,
  db: Database,
  options: BackfillOptions = {},
): Promise<BackfillReport> {
  const started = Date.now();
  const release = await db.tryAdvisoryLock(BACKFILL_LOCK_ID);
  if (!release)
    return { ran: false, listedAccounts: false, accounts: 0, cards: 0, dropped: 0, ms: Date.now() - started };
  try {
    return await backfillHoldingLock(stripe, db, options, started);
  } finally {
    await release();
  }
}

async function backfillHoldingLock(
  stripe: Stripe,
  db: Database,
  options: BackfillOptions,
  started: number,
): Promise<BackfillReport> {
  const { signal, log } = options;
  const progressEvery = options.progressEvery ?? 10_000;
  const pageSize = options.pageSize ?? 100;
  let listedAccounts = false;
  if (options.full || !(await accountsListed(db))) {
    const listed: Stripe.Account[] = [];
    for await (const account of stripe.accounts.list({ limit: 100 })) {
      signal?.throwIfAborted();
      listed.push(account);
    }
    const accounts = listed.map((a) => a.id);
    await db.transaction(async (tx) => {
      await forgetAccountsExcept(tx, accounts);
      await forgetMirrorAccountsExcept(tx, accounts);
      // The accounts' own data, from the same listing (the mirror's accounts page).
      await mirrorAccounts(tx, listed);
      await startBackfill(tx, accounts);
      if (options.full) await restartActivityBackfill(tx, accounts);
      await recordAccountsListed(tx);
    });
    listedAccounts = true;
    log?.info({ accounts: accounts.length }, 'card index backfill: connected accounts listed');
  }

  const pending = await pendingBackfills(db);
  if (pending.length > 0) log?.info({ accounts: pending.length }, 'card index backfill started');
  let total = 0;
  let dropped = 0;
  for (const { account_id: account, cursor } of pending) {
    let count = 0;
    let startingAfter = cursor ?? undefined;
    if (startingAfter) log?.info({ account, after: startingAfter }, 'card index backfill resumed');
    for (;;) {
      signal?.throwIfAborted();
      const page = await stripe.issuing.cards.list(
        { limit: pageSize, ...(startingAfter ? { starting_after: startingAfter } : {}) },
        { stripeContext: account },
      );
      signal?.throwIfAborted();
      const last = page.data.at(-1)?.id;
      // The page and how far it got, together: a stop between pages resumes after this one.
      await db.transaction(async (tx) => {
        await indexCards(
          tx,
          page.data.map((card) => ({ card, account })),
        );
        if (last) await recordBackfillCursor(tx, account, last);
      });
      const before = count;
      count += page.data.length;
      if (Math.floor(before / progressEvery) !== Math.floor(count / progressEvery)) {
        log?.info({ account, cards: count }, 'card index backfill progress');
      }
      if (!page.has_more || !last) break;
      startingAfter = last;
    }
    dropped += await finishBackfill(db, account);
    total += count;
    log?.info({ account, cards: count }, 'card index backfill: account indexed');
  }
  // Then each account's authorizations and transactions (the mirror, ./mirror/backfill.ts).
  const activity = await backfillActivity(stripe, db, {
    ...(signal ? { signal } : {}),
    ...(log ? { log } : {}),
    pageSize,
  });
  const report = {
    ran: true,
    listedAccounts,
    accounts: pending.length,
    cards: total,
    dropped,
    authorizations: activity.authorizations,
    ms: Date.now() - started,
  };
  if (pending.length > 0 || listedAccounts) log?.info(report, 'card index backfill done');
  return report;
}
