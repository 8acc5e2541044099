// Issuing funding instructions (https://docs.stripe.com/api/issuing/funding_instructions): create
// (or retrieve: the same ones each time), list, and the test helper that simulates an incoming
// bank transfer, `POST /v1/test_helpers/issuing/fund_balance` (`amount`, `currency`; "Returns
// testmode funding instructions for an Issuing balance"). None of the three is wrapped by
// stripe-node: callers use `stripe.rawRequest` (Stripe's issuing-treasury sample calls them over
// plain HTTP). Rules: ../funding/funding-instructions.ts.
import { checkAmountNotTooLarge } from '../amount-limit.ts';
import {
  BANK_TRANSFER_TYPES,
  ensureInstructions,
  listInstructions,
  renderInstructions,
  simulateBankTransfer,
} from '../funding/funding-instructions.ts';
import { paginate } from '../list.ts';
import { listParams, p } from '../params.ts';
import { defineResource } from '../router.ts';
import { ISSUING_CURRENCIES } from './issuing-cards.ts';

const currency = p.enum(ISSUING_CURRENCIES, { required: true, normalize: (s) => s.toLowerCase() });

export default defineResource({
  name: 'issuing.funding_instructions',
  routes: [
    {
      method: 'POST',
      path: '/v1/issuing/funding_instructions',
      params: {
        bank_transfer: p.object({ type: p.enum(BANK_TRANSFER_TYPES, { required: true }) }, { required: true }),
        currency,
        funding_type: p.enum(['bank_transfer'], { required: true }),
      },
      handler: (ctx, params) => {
        const type = (params.bank_transfer as { type: string }).type;
        return renderInstructions(ensureInstructions(ctx, params.currency as string, type));
      },
    },
    {
      method: 'GET',
      path: '/v1/issuing/funding_instructions',
      params: listParams,
      handler: (ctx, params) => {
        // The objects have no id (the emulator keys them by currency): `starting_after` /
        // `ending_before` are accepted, as the reference lists them, and page by currency code.
        const list = paginate(listInstructions(ctx), () => true, params, ctx.path, {
          objectName: 'funding instructions',
        });
        return { ...list, data: list.data.map(renderInstructions) };
      },
    },
    {
      method: 'POST',
      path: '/v1/test_helpers/issuing/fund_balance',
      params: { amount: p.integer({ required: true, min: 1 }), currency },
      handler: (ctx, params) => {
        const amount = params.amount as number;
        checkAmountNotTooLarge(amount);
        return renderInstructions(simulateBankTransfer(ctx, amount, params.currency as string));
      },
    },
  ],
});
