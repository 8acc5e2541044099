// Balance transactions (https://docs.stripe.com/api/balance_transactions): list (`created`,
// `currency`, `payout`, `source`, `type`) and retrieve, so that a top-up's `balance_transaction`
// can be fetched or expanded. The emulator records those its top-ups make
// (../funding/balance-transactions.ts).
import { resourceMissing } from '../errors.ts';
import {
  BALANCE_TRANSACTION_OBJECT_NAME,
  balanceTransactions,
  findBalanceTransaction,
} from '../funding/balance-transactions.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, p, type Range } from '../params.ts';
import { defineResource } from '../router.ts';

export default defineResource({
  name: 'balance_transactions',
  expanders: { txn: (ctx, id) => balanceTransactions(ctx.data).get(id) },
  routes: [
    {
      method: 'GET',
      path: '/v1/balance_transactions',
      params: {
        ...listParams,
        created: p.range(),
        currency: p.string({ normalize: (s) => s.toLowerCase() }),
        payout: p.string(),
        source: p.string(),
        type: p.string(),
      },
      handler: (ctx, params) => {
        // "For automatic Stripe payouts only": the emulator makes no payouts, so any payout id is unknown.
        if (params.payout !== undefined) throw resourceMissing('payout', params.payout as string, 'payout', 400);
        const list = paginate(
          balanceTransactions(ctx.data).list(),
          (txn) =>
            inRange(txn.created, params.created as Range | undefined) &&
            (params.currency === undefined || txn.currency === params.currency) &&
            (params.source === undefined || txn.source === params.source) &&
            (params.type === undefined || txn.type === params.type),
          params,
          ctx.path,
          { objectName: BALANCE_TRANSACTION_OBJECT_NAME },
        );
        return ctx.expand(list, params.expand as string[] | undefined);
      },
    },
    {
      method: 'GET',
      path: '/v1/balance_transactions/:id',
      handler: (ctx, params, path) =>
        ctx.expand(findBalanceTransaction(ctx.data, path.id ?? ''), params.expand as string[] | undefined),
    },
  ],
});
