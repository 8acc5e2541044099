// `GET /v1/balance` (https://docs.stripe.com/api/balance/balance_retrieve) with the account's
// Issuing balance in `issuing.available` (docs.stripe.com/issuing/connect/funding; the
// issuing-treasury sample reads `balance.issuing.available[0].amount`), per account through
// `Stripe-Account`. The Issuing balance is what top-ups and simulated bank transfers funded, less
// what authorizations hold or spent (../issuing/available-balance.ts). The payments balance
// (`available`) holds what succeeded top-ups without `destination_balance=issuing` added
// (../funding/topups.ts; source type `bank_account`); the emulator keeps no charges' balance
// transactions, so `pending` stays 0. Funding: ./topups.ts and ./issuing-funding-instructions.ts.
import type Stripe from 'stripe';
import { availableByCurrency } from '../funding/balance-transactions.ts';
import { issuingAvailable } from '../issuing/available-balance.ts';
import { defineResource, type ApiContext } from '../router.ts';

function accountCurrency(ctx: ApiContext): string {
  const account =
    ctx.account === ctx.store.platformAccountId ? ctx.store.platformAccount : ctx.store.accounts.get(ctx.account);
  return account?.default_currency ?? 'usd';
}

export function renderBalance(ctx: ApiContext): Stripe.Balance {
  const currency = accountCurrency(ctx);
  const issuing = issuingAvailable(ctx.data);
  if (!issuing.has(currency)) issuing.set(currency, 0);
  const payments = availableByCurrency(ctx.data, 'payments');
  if (!payments.has(currency)) payments.set(currency, 0);
  const available = [...payments].map(([c, amount]) => ({
    amount,
    currency: c,
    source_types: amount > 0 ? { bank_account: amount, card: 0 } : { card: 0 },
  }));
  return {
    object: 'balance',
    available,
    ...(ctx.account === ctx.store.platformAccountId ? { connect_reserved: [{ amount: 0, currency }] } : {}),
    issuing: { available: [...issuing].map(([c, amount]) => ({ amount, currency: c })) },
    livemode: false,
    pending: [{ amount: 0, currency, source_types: { card: 0 } }],
  };
}

export default defineResource({
  name: 'balance',
  routes: [{ method: 'GET', path: '/v1/balance', handler: (ctx) => renderBalance(ctx) }],
});
