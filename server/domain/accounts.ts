// Connected accounts as the dashboard lists them.
import type Stripe from 'stripe';
import type { AccountSummary } from '../../shared/api.ts';
import { countCards } from './cards.ts';

/** Every connected account of the platform, in Stripe's order (newest first). */
export async function listConnectedAccounts(stripe: Stripe): Promise<Stripe.Account[]> {
  const accounts: Stripe.Account[] = [];
  for await (const account of stripe.accounts.list({ limit: 100 })) accounts.push(account);
  return accounts;
}

export function accountName(account: Stripe.Account): string {
  return account.business_profile?.name ?? account.settings?.dashboard?.display_name ?? account.email ?? account.id;
}

export function matchesAccountQuery(account: Stripe.Account, q: string): boolean {
  const needle = q.trim().toLowerCase();
  return account.id.toLowerCase() === needle || accountName(account).toLowerCase().includes(needle);
}

/**
 * The account as the dashboard lists it. `indexedCount` is its card count from the card index
 * when the index holds all of its cards; otherwise the cards are counted on Stripe (one list
 * call per 100 cards).
 */
export async function toAccountSummary(stripe: Stripe, account: Stripe.Account, indexedCount?: number): Promise<AccountSummary> {
  return {
    id: account.id,
    name: accountName(account),
    email: account.email ?? null,
    card_count: indexedCount ?? (await countCards(stripe, account.id)),
  };
}
