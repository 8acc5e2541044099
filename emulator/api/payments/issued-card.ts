// Paying with one of the emulator's own Issuing cards: the number is looked up in the account
// taking the payment only; the payment becomes an Issuing authorization on that card, decided by
// the Issuing engine. Stripe's Issuing test cards are "only for testing within your Stripe account
// and not for external purchases" (https://docs.stripe.com/issuing/testing): a payment on another
// account (the platform, another connected account) never reaches the card, and is declined as
// any other non-test number in test mode (`test_mode_live_card`). The merchant is the account taking the
// payment; its category is `miscellaneous_general_merchandise` (5399) unless the PaymentIntent's
// metadata `emulator_merchant_category` names another Stripe category.
import type Stripe from 'stripe';
import { createAuthorization } from '../issuing/authorization-creation.ts';
import { captureAuthorization, reverseAuthorization } from '../issuing/authorization-lifecycle.ts';
import { findAuthorization, type StoredAuthorization } from '../issuing/authorizations.ts';
import { envForAccount } from '../issuing/env.ts';
import { MERCHANT_CATEGORIES } from '../merchant-categories.ts';
import type { ApiContext } from '../router.ts';
import type { EmulatorStore, StoredCard } from '../store.ts';
import type { CardSource } from './card-sources.ts';

export const DEFAULT_PAYMENT_CATEGORY = 'miscellaneous_general_merchandise';
export const CATEGORY_METADATA_KEY = 'emulator_merchant_category';

export interface IssuedCard {
  account: string;
  card: StoredCard;
  cvc: string;
}

/**
 * The card with this number issued by `account` (the account taking the payment). Expired/damaged
 * replacements share the original's number, so the one whose expiry matches wins, then an active
 * one, then the newest. Another account's card is not found: its number is unknown here.
 */
export function findIssuedCard(
  store: EmulatorStore,
  account: string,
  source: Omit<CardSource, 'id'>,
): IssuedCard | undefined {
  const found: IssuedCard[] = [];
  const data = store.accountData(account);
  for (const [cardId, secrets] of data.cardSecrets) {
    if (secrets.number !== source.number) continue;
    const card = data.cards.get(cardId);
    if (card) found.push({ account, card, cvc: secrets.cvc });
  }
  const score = (c: IssuedCard): number =>
    (c.card.exp_month === source.exp_month && c.card.exp_year === source.exp_year ? 4 : 0) +
    (c.card.status === 'active' ? 2 : 0);
  return found.sort((a, b) => score(b) - score(a) || b.card.created - a.card.created)[0];
}

function merchantName(ctx: ApiContext): { name: string; url: string | null } {
  const account =
    ctx.account === ctx.store.platformAccountId ? ctx.store.platformAccount : ctx.store.accounts.get(ctx.account);
  return { name: account?.business_profile?.name ?? 'Emulator Platform', url: account?.business_profile?.url ?? null };
}

/** Authorizes the payment on the issued card; when approved and `capture`, captures it at once. */
export async function authorizeIssuedCard(
  ctx: ApiContext,
  issued: IssuedCard,
  source: Omit<CardSource, 'id'>,
  intent: Stripe.PaymentIntent,
  capture: boolean,
): Promise<StoredAuthorization> {
  const env = envForAccount(ctx, issued.account);
  const wanted = intent.metadata[CATEGORY_METADATA_KEY];
  const category = wanted && MERCHANT_CATEGORIES.includes(wanted) ? wanted : DEFAULT_PAYMENT_CATEGORY;
  const merchant = merchantName(ctx);
  const auth = await createAuthorization(env, {
    card: issued.card,
    // The emulator converts nothing: another currency counts 1:1 in the card's currency.
    amount: intent.amount,
    merchantAmount: intent.amount,
    merchantCurrency: intent.currency,
    merchant: { category, name: merchant.name, url: merchant.url, country: 'US', network_id: ctx.account },
    authorizationMethod: 'online',
    verificationData: {
      cvc_check: source.cvc === null ? 'not_provided' : source.cvc === issued.cvc ? 'match' : 'mismatch',
      expiry_check:
        source.exp_month === issued.card.exp_month && source.exp_year === issued.card.exp_year ? 'match' : 'mismatch',
    },
  });
  return auth.approved && capture ? captureAuthorization(env, auth) : auth;
}

export interface IssuingLink {
  account: string;
  authorization: string;
}

/** Captures (PaymentIntent capture) or releases (cancel) a held issuing authorization. */
export function settleIssuedCard(ctx: ApiContext, link: IssuingLink, action: { capture: number } | 'release'): void {
  const env = envForAccount(ctx, link.account);
  const auth = findAuthorization(env.data, link.authorization);
  if (auth.status !== 'pending') return;
  if (action === 'release') reverseAuthorization(env, auth);
  else captureAuthorization(env, auth, { captureAmount: action.capture });
}
