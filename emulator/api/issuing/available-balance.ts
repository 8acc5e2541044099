// The Issuing balance as authorizations see it: what was funded (./balance.ts) less what approved
// authorizations hold or have captured, and the decline when a request needs more than that.
import { formatAmount } from '../../../shared/spending-windows.ts';
import type { AccountData } from '../store.ts';
import { authorizations, capturedAmount, type StoredAuthorization } from './authorizations.ts';
import { fundedByCurrency } from './balance.ts';
import type { Decision } from './decide.ts';

/** What an approved authorization counts against spending limits: held plus captured. */
export function spentBy(data: AccountData, auth: StoredAuthorization): number {
  if (!auth.approved) return 0;
  const captured = capturedAmount(data, auth);
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
export function balanceDecision(data: AccountData, currency: string, amount: number): Decision | undefined {
  const available = issuingAvailable(data).get(currency) ?? 0;
  if (amount <= available) return undefined;
  return {
    approved: false,
    reason: 'insufficient_funds',
    reasonMessage: `The Issuing balance has ${formatAmount(Math.max(available, 0), currency)} available, less than ${formatAmount(amount, currency)}.`,
  };
}
