// How an authorization request is decided: the spending controls (./decide.ts) over the
// account's earlier spend, and the platform's real-time webhook answer read as Stripe's
// request_history reason; and the request_history entry recording the decision.
import type Stripe from 'stripe';
import { randomDigits, type RandomSource } from '../ids.ts';
import type { AccountData, StoredCard } from '../store.ts';
import { authorizations, type StoredAuthorization } from './authorizations.ts';
import { spentBy } from './available-balance.ts';
import { decide, type Decision, type SpendRecord } from './decide.ts';
import type { RealtimeOutcome } from './realtime.ts';

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

export function decideFor(
  data: AccountData,
  card: StoredCard,
  amount: number,
  merchant: Stripe.Issuing.Authorization.MerchantData,
  presence: 'present' | 'not_present',
  now: number,
  exclude?: string,
): Decision {
  const cardholder = data.cardholders.get(card.cardholder);
  if (!cardholder)
    return { approved: false, reason: 'stripe_internal_error', reasonMessage: 'The card has no cardholder.' };
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

export function requestEntry(
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
  };
}

/** Reads the platform's answer into Stripe's request_history reason. */
export function webhookDecision(
  outcome: RealtimeOutcome,
): Decision & { amount?: number; metadata?: Record<string, string> } {
  switch (outcome.kind) {
    case 'no_endpoint':
      return { approved: true, reason: 'card_active', reasonMessage: null };
    case 'approved':
      return {
        approved: true,
        reason: 'webhook_approved',
        reasonMessage: null,
        amount: outcome.amount,
        metadata: outcome.metadata,
      };
    case 'declined':
      return {
        approved: false,
        reason: 'webhook_declined',
        reasonMessage: 'Declined by the platform’s real-time authorization webhook.',
        metadata: outcome.metadata,
      };
    case 'timeout':
      // The emulator's "timeout default" (a Dashboard setting on Stripe) is to decline.
      return {
        approved: false,
        reason: 'webhook_timeout',
        reasonMessage: 'The real-time authorization webhook did not answer within 2 seconds.',
      };
    case 'error':
      return { approved: false, reason: 'webhook_error', reasonMessage: outcome.message };
  }
}
