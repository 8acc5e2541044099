// Card details behind ConfirmationTokens and PaymentMethods. The objects Stripe returns show only
// brand, last4 and expiry; the full number (needed to decide the payment, and to find an issued
// card) is kept in a separate collection that no endpoint renders.
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { newId } from '../ids.ts';
import type { AccountData } from '../store.ts';
import { brandOf, TEST_CARDS } from './test-cards.ts';

export interface CardSource {
  /** The id of the ConfirmationToken or PaymentMethod it belongs to. */
  id: string;
  number: string;
  exp_month: number;
  exp_year: number;
  cvc: string | null;
}

export type BillingDetails = Stripe.PaymentMethod.BillingDetails;

export const PAYMENT_METHODS = 'payment_method';
/** Not a Stripe object: never rendered. */
const CARD_SOURCES = 'emulator.card_source';

export function cardSources(data: AccountData) {
  return data.collection<CardSource>(CARD_SOURCES);
}

export function paymentMethods(data: AccountData) {
  return data.collection<Stripe.PaymentMethod>(PAYMENT_METHODS);
}

export function emptyBillingDetails(): BillingDetails {
  return {
    address: { city: null, country: null, line1: null, line2: null, postal_code: null, state: null },
    email: null,
    name: null,
    phone: null,
    tax_id: null,
  };
}

export function billingDetails(input: Record<string, unknown> | undefined): BillingDetails {
  const base = emptyBillingDetails();
  if (!input) return base;
  const address = (input.address as Record<string, string> | undefined) ?? {};
  return {
    ...base,
    address: { ...base.address, ...address } as Stripe.Address,
    email: (input.email as string | undefined) ?? null,
    name: (input.name as string | undefined) ?? null,
    phone: (input.phone as string | undefined) ?? null,
  };
}

/** The `card` hash of a PaymentMethod (and of a ConfirmationToken's payment_method_preview). */
export function cardDetails(source: Omit<CardSource, 'id'>, account: string): Stripe.PaymentMethod.Card {
  const test = TEST_CARDS[source.number];
  const brand = test?.brand ?? brandOf(source.number);
  return {
    brand,
    checks: { address_line1_check: null, address_postal_code_check: null, cvc_check: source.cvc ? 'pass' : null },
    country: test?.country ?? 'US',
    display_brand: brand,
    exp_month: source.exp_month,
    exp_year: source.exp_year,
    // Stable per number and account, like Stripe's (which is per number and platform).
    fingerprint: createHash('sha256').update(`${account}:${source.number}`).digest('base64url').slice(0, 16),
    funding: test?.funding ?? 'credit',
    generated_from: null,
    last4: source.number.slice(-4),
    networks: { available: [brand], preferred: null },
    regulated_status: 'unregulated',
    three_d_secure_usage: { supported: true },
    wallet: null,
  };
}

/** Creates (and stores) a PaymentMethod for card details, keeping the number apart. */
export function createCardPaymentMethod(
  data: AccountData,
  source: Omit<CardSource, 'id'>,
  billing: BillingDetails,
  created: number,
  metadata: Record<string, string> = {},
): Stripe.PaymentMethod {
  const pm = {
    id: newId('pm'),
    object: 'payment_method',
    allow_redisplay: 'unspecified',
    billing_details: billing,
    card: cardDetails(source, data.accountId),
    created,
    customer: null,
    customer_account: null,
    livemode: false,
    metadata,
    type: 'card',
  } as unknown as Stripe.PaymentMethod;
  paymentMethods(data).insert(pm);
  cardSources(data).insert({ id: pm.id, ...source });
  return pm;
}
