// Creating an Issuing authorization: the request as the test helper or a payment describes it,
// decided by the spending controls and the balance (./authorization-decision.ts,
// ./available-balance.ts), then, when approved so far, by the platform's real-time webhook.
import type Stripe from 'stripe';
import { cryptoRandom, newId, randomDigits, type RandomSource } from '../ids.ts';
import type { StoredCard } from '../store.ts';
import { authorizations, renderAuthorization, type IssuingEnv, type StoredAuthorization } from './authorizations.ts';
import { decideFor, requestEntry, webhookDecision } from './authorization-decision.ts';
import { balanceDecision } from './available-balance.ts';
import type { Decision } from './decide.ts';
import { categoryCode } from './merchant-category-codes.ts';
import { withDecisionWindow } from './decision-window.ts';
import { askPlatform } from './realtime.ts';

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
  };
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
  const amountDetails = {
    atm_fee: input.amountDetails?.atm_fee ?? null,
    cashback_amount: input.amountDetails?.cashback_amount ?? null,
  };
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
    network_data: {
      acquiring_institution_id: null,
      system_trace_audit_number: randomDigits(6, random),
      transaction_id: randomDigits(15, random),
    },
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
    decision = {
      approved: false,
      reason: 'suspected_fraud',
      reasonMessage: 'Declined: the fraud risk of this authorization is highest.',
    };
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
      requestEntry(
        pending,
        input.amount,
        merchantAmount,
        decision.approved,
        decision.reason,
        decision.reasonMessage,
        pending.created,
        pending.amount_details ?? null,
        random,
      ),
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
