// Issuing authorizations and transactions as stored per account, and as Stripe returns them.
// Stored authorizations keep the card and transactions as ids; `renderAuthorization` embeds the
// current card object and the transaction objects, as Stripe returns them.
//
// The rest of the authorization's life is beside this file:
// - ./authorization-creation.ts: creating one (decided by ./decide.ts, then by the platform's
//   real-time webhook when there is one);
// - ./authorization-lifecycle.ts: what Stripe's test helpers drive afterwards: capture -> closed
//   (with a `capture` transaction), reverse (to 0 -> reversed), expire, increment,
//   finalize_amount, refund (docs.stripe.com/issuing/testing, /issuing/purchases/transactions);
// - ./authorization-decision.ts: how a request is decided (controls, balance, webhook answer);
// - ./available-balance.ts: the Issuing balance authorizations hold and spend.
import type Stripe from 'stripe';
import { resourceMissing } from '../errors.ts';
import type { RandomSource } from '../ids.ts';
import { renderCard } from '../resources/issuing-cards.ts';
import type { AccountData, EmulatorStore } from '../store.ts';

export const AUTHORIZATION_OBJECT_NAME = 'issuing authorization';
export const TRANSACTION_OBJECT_NAME = 'issuing transaction';
export const AUTHORIZATIONS = 'issuing.authorization';
export const TRANSACTIONS = 'issuing.transaction';

export type StoredAuthorization = Omit<Stripe.Issuing.Authorization, 'card' | 'transactions'> & {
  card: string;
  transactions: string[];
};
export type StoredTransaction = Omit<Stripe.Issuing.Transaction, 'card'> & { card: string };

/** Where an authorization happens: the account holding the card, its clock, and its event sink. */
export interface IssuingEnv {
  store: EmulatorStore;
  account: string;
  data: AccountData;
  /** Seconds since the epoch. */
  now: () => number;
  emit: (type: string, object: unknown, previousAttributes?: Record<string, unknown>) => void;
  random?: RandomSource;
}

export function authorizations(data: AccountData) {
  return data.collection<StoredAuthorization>(AUTHORIZATIONS);
}

export function transactions(data: AccountData) {
  return data.collection<StoredTransaction>(TRANSACTIONS);
}

export function renderTransaction(data: AccountData, transaction: StoredTransaction): Stripe.Issuing.Transaction {
  // A transaction's card is an id on Stripe (expandable); keep it so.
  return { ...transaction };
}

/**
 * `cards`: rendered cards to reuse within one answer (a list page of one card's authorizations
 * renders that card once, not once per authorization).
 */
export function renderAuthorization(
  data: AccountData,
  auth: StoredAuthorization,
  cards?: Map<string, Stripe.Issuing.Card>,
): Stripe.Issuing.Authorization {
  const card = data.cards.get(auth.card);
  let rendered = cards?.get(auth.card);
  if (!rendered && card) {
    rendered = renderCard(data, card);
    cards?.set(auth.card, rendered);
  }
  return {
    ...auth,
    card: rendered ?? auth.card,
    transactions: auth.transactions
      .map((id) => transactions(data).get(id))
      .filter((t): t is StoredTransaction => t !== undefined)
      .map((t) => renderTransaction(data, t)),
  } as unknown as Stripe.Issuing.Authorization;
}

export function findAuthorization(data: AccountData, id: string, status = 404): StoredAuthorization {
  const auth = authorizations(data).get(id);
  if (!auth) throw resourceMissing(AUTHORIZATION_OBJECT_NAME, id, 'authorization', status);
  return auth;
}

/** What the authorization's `capture` transactions took (a capture's amount is negative). */
export function capturedAmount(data: AccountData, auth: StoredAuthorization): number {
  return auth.transactions
    .map((id) => transactions(data).get(id))
    .reduce((sum, t) => sum + (t && t.type === 'capture' ? -t.amount : 0), 0);
}
