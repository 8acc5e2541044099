// Issuing authorizations and transactions: creation (decided by ./decide.ts, then by the
// platform's real-time webhook when there is one), and the lifecycle Stripe's test helpers drive:
// capture -> closed (with a `capture` transaction), reverse (to 0 -> reversed), expire,
// increment, finalize_amount (docs.stripe.com/issuing/testing, /issuing/purchases/transactions).
//
// Stored authorizations keep the card and transactions as ids; `renderAuthorization` embeds the
// current card object and the transaction objects, as Stripe returns them.
import type Stripe from 'stripe';
import { formatAmount } from '../../../shared/spending-windows.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import { cryptoRandom, newId, randomDigits, type RandomSource } from '../ids.ts';
import { renderCard } from '../resources/issuing-cards.ts';
import type { AccountData, EmulatorStore, StoredCard } from '../store.ts';
import { fundedByCurrency } from './balance.ts';
import { decide, type Decision, type SpendRecord } from './decide.ts';
import { categoryCode } from './merchant-category-codes.ts';
import { withDecisionWindow } from './decision-window.ts';
import { askPlatform, type RealtimeOutcome } from './realtime.ts';

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
  now(): number;
  emit(type: string, object: unknown, previousAttributes?: Record<string, unknown>): void;
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
  return { ...transaction } as unknown as Stripe.Issuing.Transaction;
}

/**
 * `cards`: rendered cards to reuse within one answer (a list page of one card's authorizations
 * renders that card once, not once per authorization).
 */
export function renderAuthorization(data: AccountData, auth: StoredAuthorization, cards?: Map<string, Stripe.Issuing.Card>): Stripe.Issuing.Authorization {
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

/** What an approved authorization counts against spending limits: held plus captured. */
export function spentBy(data: AccountData, auth: StoredAuthorization): number {
  if (!auth.approved) return 0;
  const captured = auth.transactions
    .map((id) => transactions(data).get(id))
    .reduce((sum, t) => sum + (t && t.type === 'capture' ? -t.amount : 0), 0);
  return captured + (auth.status === 'pending' ? Math.max(auth.amount - captured, 0) : 0);
}

/**
 * The Issuing balance available per currency: what was funded less what approved authorizations
 * hold or have captured (./balance.ts).
 */
export function issuingAvailable(data: AccountData): Map<string, number> {
  const available = fundedByCurrency(data);
  for (const auth of authorizations(data).list()) {
    const spent = spentBy(data, auth);
    if (spent > 0) available.set(auth.currency, (available.get(auth.currency) ?? 0) - spent);
  }
  return available;
}

/**
 * "Stripe checks that the balance used for Issuing has sufficient funds, that the card is
 * active, and that your spending controls allow the authorization"
 * (docs.stripe.com/issuing/purchases/authorizations): the balance is checked once the card and
 * its controls would approve, so a decline names the first reason a card user can act on.
 */
function balanceDecision(data: AccountData, currency: string, amount: number): Decision | undefined {
  const available = issuingAvailable(data).get(currency) ?? 0;
  if (amount <= available) return undefined;
  return {
    approved: false,
    reason: 'insufficient_funds',
    reasonMessage: `The Issuing balance has ${formatAmount(Math.max(available, 0), currency)} available, less than ${formatAmount(amount, currency)}.`,
  };
}

function spendRecords(data: AccountData, exclude?: string): SpendRecord[] {
  return authorizations(data)
    .list()
    .filter((a) => a.approved && a.id !== exclude)
    .map((a) => ({
      card: a.card,
      cardholder: typeof a.cardholder === 'string' ? a.cardholder : (a.cardholder?.id ?? null),
      created: a.created,
      category: a.merchant_data.category,
      amount: spentBy(data, a),
    }));
}

/** The card and the cards it replaces, following replacement_for (card limits span them). */
export function replacementChain(data: AccountData, card: StoredCard): string[] {
  const chain = [card.id];
  let current: StoredCard | undefined = card;
  while (current?.replacement_for && !chain.includes(current.replacement_for as string)) {
    chain.push(current.replacement_for as string);
    current = data.cards.get(current.replacement_for as string);
  }
  return chain;
}

export interface MerchantInput {
  category?: string;
  city?: string | null;
  country?: string | null;
  name?: string | null;
  network_id?: string;
  postal_code?: string | null;
  state?: string | null;
  terminal_id?: string | null;
  url?: string | null;
}

export interface AuthorizationInput {
  card: StoredCard;
  /** In the card's currency. */
  amount: number;
  merchantAmount?: number;
  merchantCurrency?: string;
  merchant: MerchantInput;
  authorizationMethod?: Stripe.Issuing.Authorization.AuthorizationMethod;
  isAmountControllable?: boolean;
  verificationData?: Partial<Stripe.Issuing.Authorization.VerificationData>;
  wallet?: string | null;
  amountDetails?: { atm_fee?: number | null; cashback_amount?: number | null };
  metadata?: Record<string, string>;
  /** The test helper's risk_assessment[fraud_risk][level]; `highest` declines as suspected_fraud. */
  fraudRisk?: string;
  fuel?: Stripe.Issuing.Authorization.Fuel | null;
  /** When the authorization happened (the seed sets it); default now. */
  created?: number;
}

const PRESENT_METHODS = new Set(['chip', 'contactless', 'swipe']);

function merchantData(input: MerchantInput, random: RandomSource): Stripe.Issuing.Authorization.MerchantData {
  const category = input.category ?? 'miscellaneous_general_merchandise';
  return {
    category,
    category_code: categoryCode(category),
    city: input.city ?? null,
    country: input.country ?? null,
    name: input.name ?? null,
    network_id: input.network_id ?? randomDigits(10, random),
    postal_code: input.postal_code ?? null,
    state: input.state ?? null,
    tax_id: null,
    terminal_id: input.terminal_id ?? null,
    url: input.url ?? null,
  } as Stripe.Issuing.Authorization.MerchantData;
}

function decideFor(data: AccountData, card: StoredCard, amount: number, merchant: Stripe.Issuing.Authorization.MerchantData, presence: 'present' | 'not_present', now: number, exclude?: string): Decision {
  const cardholder = data.cardholders.get(card.cardholder);
  if (!cardholder) return { approved: false, reason: 'stripe_internal_error', reasonMessage: 'The card has no cardholder.' };
  return decide({
    card,
    cardholder,
    cardChain: replacementChain(data, card),
    earlier: spendRecords(data, exclude),
    amount,
    category: merchant.category,
    merchantCountry: merchant.country,
    cardPresence: presence,
    now,
  });
}

function requestEntry(
  auth: Pick<StoredAuthorization, 'currency' | 'merchant_currency'>,
  amount: number,
  merchantAmount: number,
  approved: boolean,
  reason: Stripe.Issuing.Authorization.RequestHistory.Reason,
  reasonMessage: string | null,
  created: number,
  amountDetails: Stripe.Issuing.Authorization.RequestHistory.AmountDetails | null,
  random: RandomSource,
): Stripe.Issuing.Authorization.RequestHistory {
  return {
    amount,
    amount_details: amountDetails,
    approved,
    authorization_code: approved ? randomDigits(6, random) : null,
    created,
    currency: auth.currency,
    merchant_amount: merchantAmount,
    merchant_currency: auth.merchant_currency,
    network_risk_score: null,
    reason,
    reason_message: reasonMessage,
    requested_at: created,
  } as Stripe.Issuing.Authorization.RequestHistory;
}

/** Reads the platform's answer into Stripe's request_history reason. */
function webhookDecision(outcome: RealtimeOutcome): Decision & { amount?: number; metadata?: Record<string, string> } {
  switch (outcome.kind) {
    case 'no_endpoint':
      return { approved: true, reason: 'card_active', reasonMessage: null };
    case 'approved':
      return { approved: true, reason: 'webhook_approved', reasonMessage: null, amount: outcome.amount, metadata: outcome.metadata };
    case 'declined':
      return { approved: false, reason: 'webhook_declined', reasonMessage: 'Declined by the platform’s real-time authorization webhook.', metadata: outcome.metadata };
    case 'timeout':
      // The emulator's "timeout default" (a Dashboard setting on Stripe) is to decline.
      return { approved: false, reason: 'webhook_timeout', reasonMessage: 'The real-time authorization webhook did not answer within 2 seconds.' };
    case 'error':
      return { approved: false, reason: 'webhook_error', reasonMessage: outcome.message };
  }
}

interface Prepared {
  pending: StoredAuthorization;
  decision: Decision & { amount?: number; metadata?: Record<string, string> };
  input: AuthorizationInput;
  merchantAmount: number;
  random: RandomSource;
}

function prepare(env: IssuingEnv, input: AuthorizationInput): Prepared {
  const random = env.random ?? cryptoRandom;
  const { card } = input;
  const created = input.created ?? env.now();
  const merchant = merchantData(input.merchant, random);
  const method = input.authorizationMethod ?? 'online';
  const presence = PRESENT_METHODS.has(method) ? 'present' : 'not_present';
  const merchantAmount = input.merchantAmount ?? input.amount;
  const merchantCurrency = input.merchantCurrency ?? card.currency;
  const amountDetails = { atm_fee: input.amountDetails?.atm_fee ?? null, cashback_amount: input.amountDetails?.cashback_amount ?? null };
  const verification = input.verificationData ?? {};

  const pending: StoredAuthorization = {
    id: newId('iauth', random),
    object: 'issuing.authorization',
    amount: 0,
    amount_details: amountDetails,
    approved: false,
    authorization_method: method,
    balance_transactions: [],
    card: card.id,
    card_presence: presence,
    cardholder: card.cardholder,
    created,
    currency: card.currency,
    fleet: null,
    fuel: input.fuel ?? null,
    livemode: false,
    merchant_amount: 0,
    merchant_currency: merchantCurrency,
    merchant_data: merchant,
    metadata: { ...(input.metadata ?? {}) },
    network_data: { acquiring_institution_id: null, system_trace_audit_number: randomDigits(6, random), transaction_id: randomDigits(15, random) },
    pending_request: {
      amount: input.amount,
      amount_details: amountDetails,
      currency: card.currency,
      is_amount_controllable: input.isAmountControllable ?? false,
      merchant_amount: merchantAmount,
      merchant_currency: merchantCurrency,
      network_risk_score: null,
    },
    request_history: [],
    status: 'pending',
    token: null,
    transactions: [],
    verification_data: {
      address_line1_check: verification.address_line1_check ?? 'not_provided',
      address_postal_code_check: verification.address_postal_code_check ?? 'not_provided',
      authentication_exemption: verification.authentication_exemption ?? null,
      cvc_check: verification.cvc_check ?? 'not_provided',
      expiry_check: verification.expiry_check ?? 'not_provided',
      postal_code: null,
      three_d_secure: verification.three_d_secure ?? null,
    },
    verified_by_fraud_challenge: null,
    wallet: input.wallet ?? null,
  } as unknown as StoredAuthorization;

  let decision: Prepared['decision'] = decideFor(env.data, card, input.amount, merchant, presence, created);
  if (decision.approved) decision = balanceDecision(env.data, card.currency, input.amount) ?? decision;
  if (decision.approved && input.fraudRisk === 'highest') {
    decision = { approved: false, reason: 'suspected_fraud', reasonMessage: 'Declined: the fraud risk of this authorization is highest.' };
  }
  return { pending, decision, input, merchantAmount, random };
}

function finish(env: IssuingEnv, prepared: Prepared): StoredAuthorization {
  const { pending, decision, input, merchantAmount, random } = prepared;
  // An amount-controllable request may be approved for less (docs: real-time authorizations).
  const approvedAmount =
    decision.approved && decision.amount !== undefined && pending.pending_request?.is_amount_controllable
      ? Math.min(decision.amount, input.amount)
      : input.amount;
  const final: StoredAuthorization = {
    ...pending,
    approved: decision.approved,
    amount: decision.approved ? approvedAmount : 0,
    merchant_amount: decision.approved ? Math.round((merchantAmount * approvedAmount) / Math.max(input.amount, 1)) : 0,
    metadata: { ...pending.metadata, ...(decision.metadata ?? {}) },
    pending_request: null,
    request_history: [
      requestEntry(pending, input.amount, merchantAmount, decision.approved, decision.reason, decision.reasonMessage, pending.created, pending.amount_details ?? null, random),
    ],
    // A declined authorization is closed at once.
    status: decision.approved ? 'pending' : 'closed',
  };
  authorizations(env.data).insert(final);
  env.emit('issuing_authorization.created', renderAuthorization(env.data, final));
  return final;
}

/**
 * Creates an authorization on `input.card` (in `env.account`), decided by the spending controls
 * and then, when approved so far, by the platform's real-time webhook. Emits
 * issuing_authorization.created.
 */
export async function createAuthorization(env: IssuingEnv, input: AuthorizationInput): Promise<StoredAuthorization> {
  const prepared = prepare(env, input);
  if (!prepared.decision.approved) return finish(env, prepared);
  // While the platform is asked, the deprecated approve/decline endpoints may decide instead.
  const ask = askPlatform(env.store, env.account, renderAuthorization(env.data, prepared.pending));
  return withDecisionWindow(env.store, env.account, prepared.pending.id, ask, (outcome) => {
    prepared.decision = webhookDecision(outcome);
    return finish(env, prepared);
  });
}

/** The same decision without asking the platform (the seed, which runs before any endpoint exists). */
export function createAuthorizationWithoutWebhook(env: IssuingEnv, input: AuthorizationInput): StoredAuthorization {
  return finish(env, prepare(env, input));
}

export function findAuthorization(data: AccountData, id: string, status = 404): StoredAuthorization {
  const auth = authorizations(data).get(id);
  if (!auth) throw resourceMissing(AUTHORIZATION_OBJECT_NAME, id, 'authorization', status);
  return auth;
}

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
  if (Object.keys(previous).length > 0) env.emit('issuing_authorization.updated', renderAuthorization(env.data, after), previous);
  return after;
}

export interface CaptureInput {
  captureAmount?: number;
  closeAuthorization?: boolean;
  purchaseDetails?: Stripe.Issuing.Transaction.PurchaseDetails | null;
}

/** A capture creates a `capture` transaction (negative amount, as Stripe's) and, by default, closes the authorization. */
export function captureAuthorization(env: IssuingEnv, auth: StoredAuthorization, input: CaptureInput = {}): StoredAuthorization {
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
    amount_details: { atm_fee: auth.amount_details?.atm_fee ?? null, cashback_amount: auth.amount_details?.cashback_amount ?? null },
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
    wallet: (auth.wallet as Stripe.Issuing.Transaction.Wallet | null) ?? null,
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
export function refundTransaction(env: IssuingEnv, capture: StoredTransaction, refundAmount?: number): StoredTransaction {
  if (capture.type !== 'capture') {
    throw invalidRequest(`Only a capture can be refunded; ${capture.id} is a ${capture.type}.`, { param: 'transaction' });
  }
  const auth = capture.authorization ? authorizations(env.data).get(capture.authorization as string) : undefined;
  const refunded = (auth?.transactions ?? [])
    .map((id) => transactions(env.data).get(id))
    .reduce((sum, t) => sum + (t && t.type === 'refund' ? t.amount : 0), 0);
  const refundable = Math.max(-capture.amount - refunded, 0);
  const amount = refundAmount ?? refundable;
  if (amount > refundable || amount <= 0) {
    throw invalidRequest(`The refund_amount (${amount}) is larger than what can still be refunded (${refundable}).`, { param: 'refund_amount' });
  }
  const random = env.random ?? cryptoRandom;
  const now = env.now();
  // Both of a capture's amounts are negative; a refund's are positive (money back).
  const merchantAmount = capture.amount !== 0 ? Math.round((capture.merchant_amount * amount) / capture.amount) : amount;
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

function capturedAmount(data: AccountData, auth: StoredAuthorization): number {
  return auth.transactions
    .map((id) => transactions(data).get(id))
    .reduce((sum, t) => sum + (t && t.type === 'capture' ? -t.amount : 0), 0);
}

/** Releases `reverseAmount` (default: all) of the held amount; reversed to 0 -> `reversed`. */
export function reverseAuthorization(env: IssuingEnv, auth: StoredAuthorization, reverseAmount?: number): StoredAuthorization {
  requirePending(auth, 'reverse');
  const held = Math.max(auth.amount - capturedAmount(env.data, auth), 0);
  const amount = reverseAmount ?? held;
  if (amount > held) {
    throw invalidRequest(`The reverse_amount (${amount}) is larger than the amount held by the authorization (${held}).`, {
      param: 'reverse_amount',
    });
  }
  const remaining = auth.amount - amount;
  const merchantRemaining = auth.amount > 0 ? Math.round((auth.merchant_amount * remaining) / auth.amount) : 0;
  return save(env, auth, {
    ...auth,
    amount: remaining,
    merchant_amount: merchantRemaining,
    status: remaining - capturedAmount(env.data, auth) <= 0 ? (auth.transactions.length > 0 ? 'closed' : 'reversed') : 'pending',
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
export function incrementAuthorization(env: IssuingEnv, auth: StoredAuthorization, increment: number): StoredAuthorization {
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
export function finalizeAuthorizationAmount(env: IssuingEnv, auth: StoredAuthorization, finalAmount: number): StoredAuthorization {
  requirePending(auth, 'finalize the amount of');
  const ratio = auth.amount > 0 ? auth.merchant_amount / auth.amount : 1;
  return save(env, auth, { ...auth, amount: finalAmount, merchant_amount: Math.round(finalAmount * ratio) });
}

export function updateAuthorizationMetadata(env: IssuingEnv, auth: StoredAuthorization, metadata: Record<string, string>): StoredAuthorization {
  return save(env, auth, { ...auth, metadata });
}
