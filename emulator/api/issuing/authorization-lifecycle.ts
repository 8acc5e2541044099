// An Issuing authorization's life after creation, as Stripe's test helpers drive it: capture ->
// closed (with a `capture` transaction), reverse (to 0 -> reversed), expire, increment,
// finalize_amount, and refunds of a capture (docs.stripe.com/issuing/testing,
// /issuing/purchases/transactions). Every change emits issuing_authorization.updated.
import type Stripe from 'stripe';
import { invalidRequest } from '../errors.ts';
import { cryptoRandom, newId } from '../ids.ts';
import {
  authorizations,
  capturedAmount,
  renderAuthorization,
  renderTransaction,
  transactions,
  type IssuingEnv,
  type StoredAuthorization,
  type StoredTransaction,
} from './authorizations.ts';
import { decideFor, requestEntry } from './authorization-decision.ts';
import { balanceDecision, spentBy } from './available-balance.ts';
import type { Decision } from './decide.ts';

function requirePending(auth: StoredAuthorization, action: string): void {
  if (auth.status !== 'pending') {
    throw invalidRequest(`You can only ${action} a pending authorization; ${auth.id} is ${auth.status}.`, {
      code: 'authorization_not_pending',
    });
  }
}

/** Replaces the stored authorization and emits issuing_authorization.updated with what changed. */
function save(env: IssuingEnv, before: StoredAuthorization, after: StoredAuthorization): StoredAuthorization {
  authorizations(env.data).replace(after);
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(after) as Array<keyof StoredAuthorization>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(after[key])) previous[key] = before[key];
  }
  if (previous.transactions) previous.transactions = before.transactions.map((id) => transactions(env.data).get(id));
  if (Object.keys(previous).length > 0)
    env.emit('issuing_authorization.updated', renderAuthorization(env.data, after), previous);
  return after;
}

export interface CaptureInput {
  captureAmount?: number;
  closeAuthorization?: boolean;
  purchaseDetails?: Stripe.Issuing.Transaction.PurchaseDetails | null;
}

/** A capture creates a `capture` transaction (negative amount, as Stripe's) and, by default, closes the authorization. */
export function captureAuthorization(
  env: IssuingEnv,
  auth: StoredAuthorization,
  input: CaptureInput = {},
): StoredAuthorization {
  requirePending(auth, 'capture');
  const random = env.random ?? cryptoRandom;
  const held = Math.max(auth.amount - capturedAmount(env.data, auth), 0);
  const amount = input.captureAmount ?? held;
  const merchantAmount = auth.amount > 0 ? Math.round((auth.merchant_amount * amount) / auth.amount) : amount;
  const now = env.now();
  const transaction: StoredTransaction = {
    id: newId('ipi', random),
    object: 'issuing.transaction',
    amount: -amount,
    amount_details: {
      atm_fee: auth.amount_details?.atm_fee ?? null,
      cashback_amount: auth.amount_details?.cashback_amount ?? null,
    },
    authorization: auth.id,
    balance_transaction: null,
    card: auth.card,
    cardholder: auth.cardholder as string | null,
    created: now,
    currency: auth.currency,
    dispute: null,
    livemode: false,
    merchant_amount: -merchantAmount,
    merchant_currency: auth.merchant_currency,
    merchant_data: auth.merchant_data,
    metadata: {},
    network_data: {
      authorization_code: auth.request_history[auth.request_history.length - 1]?.authorization_code ?? null,
      processing_date: new Date(now * 1000).toISOString().slice(0, 10),
      transaction_id: auth.network_data?.transaction_id ?? null,
    },
    purchase_details: input.purchaseDetails ?? null,
    token: null,
    type: 'capture',
    wallet: auth.wallet ?? null,
  } as unknown as StoredTransaction;
  transactions(env.data).insert(transaction);
  env.emit('issuing_transaction.created', renderTransaction(env.data, transaction));
  const close = input.closeAuthorization ?? true;
  return save(env, auth, {
    ...auth,
    status: close ? 'closed' : 'pending',
    transactions: [...auth.transactions, transaction.id],
  });
}

/**
 * Refunds (part of) a capture (POST /v1/test_helpers/issuing/transactions/:id/refund,
 * docs.stripe.com/api/issuing/transactions/test_mode_refund): a `refund` transaction with a
 * positive amount (money back), linked to the capture's authorization. At most what the capture
 * took, less earlier refunds of the same authorization. Refunds do not give spending-limit room
 * back (Stripe documents no such rule; see emulator/README.md).
 */
export function refundTransaction(
  env: IssuingEnv,
  capture: StoredTransaction,
  refundAmount?: number,
): StoredTransaction {
  if (capture.type !== 'capture') {
    throw invalidRequest(`Only a capture can be refunded; ${capture.id} is a ${capture.type}.`, {
      param: 'transaction',
    });
  }
  const auth = capture.authorization ? authorizations(env.data).get(capture.authorization as string) : undefined;
  const refunded = (auth?.transactions ?? [])
    .map((id) => transactions(env.data).get(id))
    .reduce((sum, t) => sum + (t && t.type === 'refund' ? t.amount : 0), 0);
  const refundable = Math.max(-capture.amount - refunded, 0);
  const amount = refundAmount ?? refundable;
  if (amount > refundable || amount <= 0) {
    throw invalidRequest(`The refund_amount (${amount}) is larger than what can still be refunded (${refundable}).`, {
      param: 'refund_amount',
    });
  }
  const random = env.random ?? cryptoRandom;
  const now = env.now();
  // Both of a capture's amounts are negative; a refund's are positive (money back).
  const merchantAmount =
    capture.amount !== 0 ? Math.round((capture.merchant_amount * amount) / capture.amount) : amount;
  const refund: StoredTransaction = {
    ...capture,
    id: newId('ipi', random),
    amount,
    merchant_amount: merchantAmount,
    created: now,
    dispute: null,
    metadata: {},
    purchase_details: null,
    type: 'refund',
    network_data: { ...(capture.network_data ?? {}), processing_date: new Date(now * 1000).toISOString().slice(0, 10) },
  } as unknown as StoredTransaction;
  transactions(env.data).insert(refund);
  env.emit('issuing_transaction.created', renderTransaction(env.data, refund));
  if (auth) save(env, auth, { ...auth, transactions: [...auth.transactions, refund.id] });
  return refund;
}

/** Releases `reverseAmount` (default: all) of the held amount; reversed to 0 -> `reversed`. */
export function reverseAuthorization(
  env: IssuingEnv,
  auth: StoredAuthorization,
  reverseAmount?: number,
): StoredAuthorization {
  requirePending(auth, 'reverse');
  const held = Math.max(auth.amount - capturedAmount(env.data, auth), 0);
  const amount = reverseAmount ?? held;
  if (amount > held) {
    throw invalidRequest(
      `The reverse_amount (${amount}) is larger than the amount held by the authorization (${held}).`,
      {
        param: 'reverse_amount',
      },
    );
  }
  const remaining = auth.amount - amount;
  const merchantRemaining = auth.amount > 0 ? Math.round((auth.merchant_amount * remaining) / auth.amount) : 0;
  return save(env, auth, {
    ...auth,
    amount: remaining,
    merchant_amount: merchantRemaining,
    status:
      remaining - capturedAmount(env.data, auth) <= 0
        ? auth.transactions.length > 0
          ? 'closed'
          : 'reversed'
        : 'pending',
  });
}

export function expireAuthorization(env: IssuingEnv, auth: StoredAuthorization): StoredAuthorization {
  requirePending(auth, 'expire');
  return save(env, auth, { ...auth, status: 'expired' });
}

/**
 * An incremental authorization is a new request on the same authorization, decided like the
 * first; declined, the held amount stays as it was.
 */
export function incrementAuthorization(
  env: IssuingEnv,
  auth: StoredAuthorization,
  increment: number,
): StoredAuthorization {
  requirePending(auth, 'increment');
  const card = env.data.cards.get(auth.card);
  const presence = (auth.card_presence as 'present' | 'not_present' | null) ?? 'not_present';
  const now = env.now();
  // Counted against the limits: what this authorization already holds plus the increment.
  const held = spentBy(env.data, auth);
  let decision: Decision = card
    ? decideFor(env.data, card, held + increment, auth.merchant_data, presence, now, auth.id)
    : { approved: false, reason: 'stripe_internal_error', reasonMessage: 'The card no longer exists.' };
  // The hold already counts against the balance; only the increment must be available.
  if (decision.approved) decision = balanceDecision(env.data, auth.currency, increment) ?? decision;
  const newAmount = decision.approved ? auth.amount + increment : auth.amount;
  const ratio = auth.amount > 0 ? auth.merchant_amount / auth.amount : 1;
  const entry = requestEntry(
    auth,
    auth.amount + increment,
    Math.round((auth.amount + increment) * ratio),
    decision.approved,
    decision.reason,
    decision.reasonMessage,
    now,
    auth.amount_details ?? null,
    env.random ?? cryptoRandom,
  );
  return save(env, auth, {
    ...auth,
    amount: newAmount,
    merchant_amount: Math.round(newAmount * ratio),
    request_history: [...auth.request_history, entry],
  });
}

/** Sets the final amount of a pending authorization (fuel dispensers and the like). */
export function finalizeAuthorizationAmount(
  env: IssuingEnv,
  auth: StoredAuthorization,
  finalAmount: number,
): StoredAuthorization {
  requirePending(auth, 'finalize the amount of');
  const ratio = auth.amount > 0 ? auth.merchant_amount / auth.amount : 1;
  return save(env, auth, { ...auth, amount: finalAmount, merchant_amount: Math.round(finalAmount * ratio) });
}

export function updateAuthorizationMetadata(
  env: IssuingEnv,
  auth: StoredAuthorization,
  metadata: Record<string, string>,
): StoredAuthorization {
  return save(env, auth, { ...auth, metadata });
}
