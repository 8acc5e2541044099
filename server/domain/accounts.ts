// Connected accounts as the dashboard lists them: from the mirror (docs/decisions/148-mirror.md)
// once the deployment's backfill has listed them, from Stripe before that.
import type Stripe from 'stripe';
import { describeRequirements } from '../../shared/account-requirements.ts';
import type { AccountSummary, IssuingReadiness } from '../../shared/api.ts';
import { accountsListed } from '../db/card-index.ts';
import type { Queryable } from '../db/database.ts';
import { mirroredAccounts } from '../db/mirror-reads.ts';
import { HttpError, notFound } from '../errors.ts';
import { countCards } from './cards.ts';
import { mirrorAccounts } from './mirror/ingest.ts';
import { isNotOnAccount } from './stripe-errors.ts';

export interface AccountDeps {
  stripe: Stripe;
  db: Queryable;
}

/**
 * The connected accounts (all, or these), newest first: as mirrored (the account objects keep
 * what the dashboard shows: names, email, capabilities, requirements) once the backfill has
 * listed them; from Stripe's listing before that (a first start).
 */
export async function connectedAccounts(deps: AccountDeps, only?: readonly string[]): Promise<Stripe.Account[]> {
  if (await accountsListed(deps.db)) {
    return (await mirroredAccounts(deps.db, only ?? null)).map((row) => row.data as unknown as Stripe.Account);
  }
  const all = await listConnectedAccounts(deps.stripe);
  return only ? all.filter((a) => only.includes(a.id)) : all;
}

/**
 * One connected account, or undefined when it is none of the platform's. From the mirror; an
 * account the mirror does not hold is none once the accounts are listed (no Stripe call), unless
 * `askStripe` (a write about to be made on it: an account connected moments ago is retrieved
 * once, and mirrored).
 */
export async function findAccount(
  deps: AccountDeps,
  accountId: string,
  options: { askStripe?: boolean } = {},
): Promise<Stripe.Account | undefined> {
  const [row] = await mirroredAccounts(deps.db, [accountId]);
  if (row) return row.data as unknown as Stripe.Account;
  if (!options.askStripe && (await accountsListed(deps.db))) return undefined;
  return retrieveAccount(deps, accountId);
}

/**
 * The account as Stripe has it now, mirrored on the way (the answer stands even if the mirror
 * cannot be written now: the next event or pass catches up); undefined when it is not the platform's.
 */
export async function retrieveAccount(deps: AccountDeps, accountId: string): Promise<Stripe.Account | undefined> {
  let account: Stripe.Account;
  try {
    account = await deps.stripe.accounts.retrieve(accountId);
  } catch (error) {
    // Not the platform's (404, or 403 account_invalid: stripe-errors.ts); any other refusal is
    // Stripe's answer for the error handler, as on every other route.
    if (isNotOnAccount(error)) return undefined;
    throw error;
  }
  await mirrorAccounts(deps.db, [account]).catch(() => {});
  return account;
}

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
 * What the account's `requirements` (the union over every requested capability) may hold that
 * `card_issuing` does not need: the bank account is `card_payments`' and payouts'. Stripe's
 * issuing-treasury sample leaves it out the same way when it checks onboarding
 * (`onboarding-helpers.ts`: `IGNORE_REQUIREMENTS = ["external_account"]`; docs/decisions/156).
 */
const NOT_FOR_CARD_ISSUING = new Set(['external_account']);

/**
 * Can the account issue cards? Stripe refuses cardholders and cards until its `card_issuing`
 * capability is active, which needs everything in `requirements.currently_due`
 * (https://docs.stripe.com/issuing/connect): the page says so instead of failing on the first
 * cardholder or card.
 */
export function issuingReadiness(account: Stripe.Account): IssuingReadiness {
  const raw: string = account.capabilities?.card_issuing ?? 'not_requested';
  // Stripe may add statuses; anything unknown is treated as not (yet) active.
  const status = (
    ['active', 'pending', 'not_requested'].includes(raw) ? raw : 'inactive'
  ) as IssuingReadiness['status'];
  if (status === 'active') return { status, currently_due: [], currently_due_fields: [] };
  const fields = [...(account.requirements?.currently_due ?? []), ...(account.requirements?.past_due ?? [])];
  const unique = [...new Set(fields)].filter((field) => !NOT_FOR_CARD_ISSUING.has(field));
  return { status, currently_due: describeRequirements(unique), currently_due_fields: unique };
}

/**
 * Refuses up front, in words, what Stripe would refuse: a card on an account whose card_issuing
 * is not active (409 `card_issuing_inactive`, naming what Stripe still needs). From the mirror
 * (kept current by `account.updated` and `capability.updated` events).
 */
export async function requireCardIssuing(deps: AccountDeps, accountId: string): Promise<void> {
  const account = await findAccount(deps, accountId, { askStripe: true });
  if (!account) throw notFound('No such connected account.', 'account_not_found');
  const readiness = issuingReadiness(account);
  if (readiness.status === 'active') return;
  const needs = readiness.currently_due.length > 0 ? ` Stripe still needs: ${readiness.currently_due.join('; ')}.` : '';
  throw new HttpError(
    409,
    'card_issuing_inactive',
    `Stripe has not activated card issuing for this account yet (${readiness.status}), so it cannot get cards.${needs}`,
    'account',
  );
}

/**
 * The account as the dashboard lists it. `indexedCount` is its card count from the card index
 * when the index holds all of its cards; otherwise the cards are counted on Stripe (one list
 * call per 100 cards).
 */
export async function toAccountSummary(
  stripe: Stripe,
  account: Stripe.Account,
  indexedCount?: number,
): Promise<AccountSummary> {
  return {
    id: account.id,
    name: accountName(account),
    email: account.email ?? null,
    card_count: indexedCount ?? (await countCards(stripe, account.id)),
    card_issuing: issuingReadiness(account),
  };
}
