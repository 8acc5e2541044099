// A card's or an account's authorizations as the dashboard shows them: Stripe's list endpoint on
// the card's connected account (newest first, Stripe's own cursor), each row with the captures
// and refunds that followed and, when declined, the explanation (./decline-explanations.ts).
import type Stripe from 'stripe';
import type { AuthorizationRow, AuthorizationsQuery } from '../../shared/authorizations-api.ts';
import { badRequest } from '../errors.ts';
import { explainAuthorization, requestedAmount } from './decline-explanations.ts';
import { SpendHistory, earliestWindow, type CallCounter } from './spending-usage.ts';

export interface AuthorizationPage {
  data: AuthorizationRow[];
  has_more: boolean;
}

function seconds(iso: string | undefined, field: string): number | undefined {
  if (iso === undefined) return undefined;
  const ms = Date.parse(iso);
  if (Number.isNaN(ms)) throw badRequest('Not a date and time.', field);
  return Math.floor(ms / 1000);
}

/** Stripe's list parameters from the app's query (from inclusive, to exclusive). */
export function listParams(query: AuthorizationsQuery): Stripe.Issuing.AuthorizationListParams {
  const from = seconds(query.from, 'from');
  const to = seconds(query.to, 'to');
  if (from !== undefined && to !== undefined && from >= to) throw badRequest('`from` must be before `to`.', 'from');
  const created = { ...(from !== undefined ? { gte: from } : {}), ...(to !== undefined ? { lt: to } : {}) };
  return {
    limit: query.limit ?? 25,
    ...(query.status ? { status: query.status } : {}),
    ...(Object.keys(created).length ? { created } : {}),
    ...(query.starting_after ? { starting_after: query.starting_after } : {}),
  };
}

function cardOf(auth: Stripe.Issuing.Authorization): Stripe.Issuing.Card | string {
  return auth.card as Stripe.Issuing.Card | string;
}

export function toRow(auth: Stripe.Issuing.Authorization, account: string, explanation?: AuthorizationRow['explanation']): AuthorizationRow {
  const card = cardOf(auth);
  const last = auth.request_history?.at(-1);
  // Stripe embeds the card (with its cardholder) in an authorization: names, not ids, on the page.
  const embedded = typeof card === 'string' ? null : card;
  const holder = embedded?.cardholder as Stripe.Issuing.Cardholder | string | undefined;
  return {
    id: auth.id,
    card: embedded ? embedded.id : (card as string),
    card_last4: embedded?.last4 ?? null,
    cardholder_name: holder && typeof holder === 'object' ? holder.name : null,
    account,
    created: auth.created,
    amount: auth.approved ? auth.amount : requestedAmount(auth),
    currency: auth.currency,
    merchant_amount: auth.approved ? auth.merchant_amount : (last?.merchant_amount ?? auth.merchant_amount),
    merchant_currency: auth.merchant_currency,
    merchant: {
      name: auth.merchant_data?.name ?? null,
      category: auth.merchant_data?.category ?? 'unknown',
      city: auth.merchant_data?.city ?? null,
      country: auth.merchant_data?.country ?? null,
    },
    status: auth.status,
    approved: auth.approved,
    reason: last?.reason ?? null,
    ...(explanation ? { explanation } : {}),
    transactions: (auth.transactions ?? []).map((t) => ({ id: t.id, type: t.type, amount: t.amount, currency: t.currency, created: t.created })),
  };
}

/**
 * Rows with explanations. A spending-controls decline needs the spend before it: one history per
 * card, fetched once for the whole page, reaching back to the earliest window any row needs.
 */
export async function explainPage(
  stripe: Stripe,
  auths: Stripe.Issuing.Authorization[],
  account: string,
  counter: CallCounter,
  cardFor: (auth: Stripe.Issuing.Authorization) => Stripe.Issuing.Card | undefined,
): Promise<AuthorizationRow[]> {
  const histories = new Map<string, SpendHistory>();
  const since = new Map<string, number>();
  for (const auth of auths) {
    const card = cardFor(auth);
    if (auth.approved || !card || auth.request_history?.at(-1)?.reason !== 'spending_controls') continue;
    const start = earliestWindow(card, auth.created);
    since.set(card.id, Math.min(since.get(card.id) ?? start, start));
  }
  for (const [cardId, start] of since) {
    const card = auths.map(cardFor).find((c) => c?.id === cardId)!;
    histories.set(cardId, new SpendHistory(stripe, card, account, start, counter));
  }
  return Promise.all(
    auths.map(async (auth) => {
      const card = cardFor(auth);
      if (auth.approved || !card) return toRow(auth, account);
      const history = histories.get(card.id) ?? new SpendHistory(stripe, card, account, auth.created, counter);
      return toRow(auth, account, await explainAuthorization(card, auth, history));
    }),
  );
}

/** One page of a card's (or, without `card`, an account's) authorizations. */
export async function listAuthorizations(
  stripe: Stripe,
  account: string,
  query: AuthorizationsQuery,
  card: Stripe.Issuing.Card | undefined,
  counter: CallCounter = { calls: 0 },
): Promise<AuthorizationPage> {
  counter.calls += 1;
  const page = await stripe.issuing.authorizations.list({ ...listParams(query), ...(card ? { card: card.id } : {}) }, { stripeAccount: account });
  const data = await explainPage(stripe, page.data, account, counter, (auth) => {
    if (card) return card;
    const embedded = cardOf(auth);
    return typeof embedded === 'string' ? undefined : embedded;
  });
  return { data, has_more: page.has_more };
}
