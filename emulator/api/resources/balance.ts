// `GET /v1/balance` (https://docs.stripe.com/api/balance/balance_retrieve) with the account's
// Issuing balance in `issuing.available` (docs.stripe.com/issuing/connect/funding; the
// issuing-treasury sample reads `balance.issuing.available[0].amount`), per account through
// `Stripe-Account`; and the test-mode funding helper `POST /v1/test_helpers/issuing/fund_balance`
// (`amount`, `currency`; the sample's `create_issuingtopup.tsx`, "not supported in the Node.js
// library", so it is called over plain HTTP). Payments balances (`available`, `pending`) stay 0:
// the emulator keeps no charges' balance transactions.
import type Stripe from 'stripe';
import { issuingAvailable } from '../issuing/available-balance.ts';
import { recordFunding } from '../issuing/balance.ts';
import { ISSUING_CURRENCIES } from './issuing-cards.ts';
import { p } from '../params.ts';
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
  const zero = [{ amount: 0, currency, source_types: { card: 0 } }];
  return {
    object: 'balance',
    available: zero,
    ...(ctx.account === ctx.store.platformAccountId ? { connect_reserved: [{ amount: 0, currency }] } : {}),
    issuing: { available: [...issuing].map(([c, amount]) => ({ amount, currency: c })) },
    livemode: false,
    pending: zero,
  };
}

export default defineResource({
  name: 'balance',
  routes: [
    { method: 'GET', path: '/v1/balance', handler: (ctx) => renderBalance(ctx) },
    {
      method: 'POST',
      path: '/v1/test_helpers/issuing/fund_balance',
      params: {
        amount: p.integer({ required: true, min: 1 }),
        currency: p.enum(ISSUING_CURRENCIES, { required: true, normalize: (s) => s.toLowerCase() }),
      },
      handler: (ctx, params) => {
        recordFunding(ctx.data, params.amount as number, params.currency as string, ctx.now());
        return renderBalance(ctx);
      },
    },
  ],
});
