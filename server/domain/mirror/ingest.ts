// Writing Stripe's reports into the mirror (docs/decisions/148-mirror.md): webhook events (in
// the transaction that records the event, so each is applied once), the objects Stripe returns
// to the app's own writes and fetches, and the backfill's and reconciler's pages. Cards and
// cardholders go through the card index (../card-index.ts); the rest is here.
import type Stripe from 'stripe';
import type { Queryable } from '../../db/database.ts';
import { recordIssuingBalance } from '../../db/issuing-balances.ts';
import {
  recordReported,
  updateAccountCapability,
  upsertAccounts,
  writeActivity,
  type MirrorAuthorizationRow,
  type MirrorTransactionRow,
} from '../../db/mirror.ts';
import { accountName } from '../accounts.ts';
import { applyCardIndexEvent, indexCards } from '../card-index.ts';
import { accountData, authorizationData, eventVersion, fetchVersion, idOf, transactionData } from './objects.ts';

export function authorizationRow(
  auth: Stripe.Issuing.Authorization,
  account: string,
  version: number,
): MirrorAuthorizationRow | undefined {
  const card = idOf(auth.card);
  if (typeof auth.id !== 'string' || !card || typeof auth.created !== 'number') return undefined;
  return {
    id: auth.id,
    accountId: account,
    cardId: card,
    cardholderId: idOf(auth.cardholder),
    created: auth.created,
    status: auth.status,
    approved: Boolean(auth.approved),
    amount: auth.amount ?? 0,
    currency: auth.currency,
    category: auth.merchant_data?.category ?? null,
    data: authorizationData(auth),
    version,
  };
}

export function transactionRow(
  txn: Stripe.Issuing.Transaction,
  account: string,
  version: number,
): MirrorTransactionRow | undefined {
  const card = idOf(txn.card);
  if (typeof txn.id !== 'string' || !card || typeof txn.created !== 'number') return undefined;
  return {
    id: txn.id,
    accountId: account,
    cardId: card,
    authorizationId: idOf(txn.authorization),
    created: txn.created,
    type: txn.type,
    amount: txn.amount,
    currency: txn.currency,
    data: transactionData(txn),
    version,
  };
}

const defined = <T>(value: T | undefined): value is T => value !== undefined;

/**
 * Authorizations, with the transactions Stripe embeds in each, in one round trip; `reported`
 * also marks the account as just reported (../../db/mirror.ts writeActivity).
 */
export async function mirrorAuthorizations(
  db: Queryable,
  account: string,
  auths: readonly Stripe.Issuing.Authorization[],
  version = fetchVersion(),
  reported = false,
): Promise<void> {
  const txns = auths.flatMap((a) => a.transactions ?? []);
  await writeActivity(db, {
    authorizations: auths.map((a) => authorizationRow(a, account, version)).filter(defined),
    transactions: txns.map((t) => transactionRow(t, account, version)).filter(defined),
    reported: reported ? account : undefined,
  });
}

export async function mirrorTransactions(
  db: Queryable,
  account: string,
  txns: readonly Stripe.Issuing.Transaction[],
  version = fetchVersion(),
  reported = false,
): Promise<void> {
  await writeActivity(db, {
    transactions: txns.map((t) => transactionRow(t, account, version)).filter(defined),
    reported: reported ? account : undefined,
  });
}

export async function mirrorAccounts(
  db: Queryable,
  accounts: readonly Stripe.Account[],
  version = fetchVersion(),
): Promise<void> {
  await upsertAccounts(
    db,
    accounts.map((a) => ({ accountId: a.id, name: accountName(a), data: accountData(a), version })),
  );
}

/** Any Stripe object the app received on an account (a write's answer, a fetch): mirrored by its kind. */
export async function mirrorObject(
  db: Queryable,
  account: string,
  object: { object?: unknown },
  version = fetchVersion(),
): Promise<void> {
  switch (object.object) {
    case 'issuing.card':
      await indexCards(db, [{ card: object as Stripe.Issuing.Card, account }], version);
      break;
    case 'issuing.authorization':
      await mirrorAuthorizations(db, account, [object as Stripe.Issuing.Authorization], version, true);
      return;
    case 'issuing.transaction':
      await mirrorTransactions(db, account, [object as Stripe.Issuing.Transaction], version, true);
      return;
    case 'account':
      await mirrorAccounts(db, [object as Stripe.Account], version);
      return;
    default:
      return;
  }
  await recordReported(db, account);
}

/**
 * Applies a connected account's event to the mirror, inside the transaction that records the
 * event. Events of the platform's own account (no `account`) are not about connected accounts.
 */
export async function applyMirrorEvent(tx: Queryable, event: Stripe.Event): Promise<void> {
  const account = event.account;
  if (!account) return;
  const object = (event.data as unknown as { object?: Record<string, unknown> } | undefined)?.object;
  // A balance has no id: the account's Issuing balance as last reported (the overview's "runs low").
  if (event.type === 'balance.available') {
    const issuing = (object as unknown as Stripe.Balance | undefined)?.issuing?.available ?? [];
    await recordIssuingBalance(tx, account, issuing, eventVersion(event));
    return;
  }
  if (!object || typeof object.id !== 'string') return;
  const version = eventVersion(event);
  if (event.type.startsWith('issuing_card.') || event.type.startsWith('issuing_cardholder.')) {
    await applyCardIndexEvent(tx, event);
  } else if (event.type.startsWith('issuing_authorization.') && object.object === 'issuing.authorization') {
    // `issuing_authorization.request` is the pending authorization Stripe asks about; the
    // `.created` that follows carries the decision (and is newer or of the same second). The
    // request precedes everything else of its second (the decision, the answer the app's own
    // test purchase gets back): it counts as the start of its second, so that it never
    // overwrites the decided authorization the app mirrored from that answer.
    const asked = event.type === 'issuing_authorization.request' ? event.created * 1000 : version;
    // One round trip: the authorization, its transactions, their sums, the account's mark.
    await mirrorAuthorizations(tx, account, [object as unknown as Stripe.Issuing.Authorization], asked, true);
    return;
  } else if (event.type.startsWith('issuing_transaction.') && object.object === 'issuing.transaction') {
    await mirrorTransactions(tx, account, [object as unknown as Stripe.Issuing.Transaction], version, true);
    return;
  } else if (event.type === 'account.updated' && object.object === 'account') {
    await mirrorAccounts(tx, [object as unknown as Stripe.Account], version);
  } else if (
    event.type === 'capability.updated' &&
    object.object === 'capability' &&
    typeof object.status === 'string'
  ) {
    await updateAccountCapability(tx, account, object.id, object.status, version);
  } else {
    return;
  }
  await recordReported(tx, account);
}
