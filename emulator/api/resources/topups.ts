// Top-ups (https://docs.stripe.com/api/topups): create, list (`amount`, `created`, `status`),
// retrieve, update (`description`, `metadata`: "Other top-up details are not editable by design")
// and cancel ("Only pending top-ups can be canceled"). What a test top-up does, by its `source`:
// ../funding/topups.ts.
//
// `destination_balance` is not in the SDK's types but is documented for Issuing: "curl
// https://api.stripe.com/v1/topups -d destination_balance=issuing …"
// (https://docs.stripe.com/issuing/funding/balance, /issuing/connect/funding). `issuing` funds the
// Issuing balance; `payments` (the name the SDK's BalanceTransaction gives that balance in
// `balance_type`) is the default, the balance a top-up funds without the parameter
// (docs.stripe.com/connect/top-ups). Pull funding into the Issuing balance is for US accounts:
// "Pull funding is the default funding option in the US and isn't available in the EU or the UK"
// (docs.stripe.com/issuing/connect/funding); an account elsewhere is refused, naming
// `destination_balance` (Stripe's wording for that refusal is not published).
import { issuingCurrencyFor } from '../../../shared/issuing-funding.ts';
import { checkAmountNotTooLarge } from '../amount-limit.ts';
import { invalidParam, invalidRequest } from '../errors.ts';
import { accountCountry } from '../funding/account-country.ts';
import {
  TOPUP_OBJECT_NAME,
  createTopup,
  findTopup,
  outcomeOf,
  renderTopup,
  topups,
  type DestinationBalance,
} from '../funding/topups.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import { currencyParam } from './payment-intents/create.ts';

const DESTINATION_BALANCES: readonly DestinationBalance[] = ['issuing', 'payments'];

/**
 * "Extra information about a top-up for the source's bank statement. Limited to 15 ASCII
 * characters"; "It must contain at least one letter" (docs.stripe.com/api/topups/object). Printable
 * ASCII only: a control character is not a character a bank statement prints.
 */
const statementDescriptor = p.string({
  maxLength: 15,
  pattern: /^(?=[^A-Za-z]*[A-Za-z])[\x20-\x7E]+$/,
  patternMessage:
    'Invalid statement_descriptor: it must be at most 15 printable ASCII characters and contain at least one letter.',
});

const expand = (ctx: ApiContext, object: unknown, params: Params) =>
  ctx.expand(object, params.expand as string[] | undefined);

function checkDestination(ctx: ApiContext, destination: DestinationBalance, currency: string): void {
  if (destination !== 'issuing') return;
  const country = accountCountry(ctx);
  if (country !== 'US') {
    throw invalidRequest(
      `Top-ups to the Issuing balance (pull funding) are available to US accounts only; this account is in ${country}. ` +
        (issuingCurrencyFor(country)
          ? 'Fund it by bank transfer to its funding instructions (POST /v1/issuing/funding_instructions).'
          : 'Stripe offers Issuing funding in the US, the UK and the euro area.'),
      { param: 'destination_balance' },
    );
  }
  // A US account's Issuing balance is in usd (docs.stripe.com/issuing/funding/balance).
  if (currency !== 'usd') {
    throw invalidParam(
      `Invalid currency: ${currency}. The Issuing balance of a US account is funded in usd.`,
      'currency',
    );
  }
}

export default defineResource({
  name: 'topups',
  expanders: {
    tu: (ctx, id) => {
      const topup = topups(ctx).get(id);
      return topup && renderTopup(topup);
    },
  },
  routes: [
    {
      method: 'POST',
      path: '/v1/topups',
      params: {
        amount: p.integer({ required: true, min: 1 }),
        currency: currencyParam,
        description: p.string(),
        metadata: p.metadata(),
        source: p.string(),
        statement_descriptor: statementDescriptor,
        transfer_group: p.string(),
        destination_balance: p.enum(DESTINATION_BALANCES),
      },
      handler: (ctx, params) => {
        const amount = params.amount as number;
        checkAmountNotTooLarge(amount);
        const currency = params.currency as string;
        const destination = (params.destination_balance as DestinationBalance | undefined) ?? 'payments';
        checkDestination(ctx, destination, currency);
        if (params.payment_method !== undefined) {
          // The alternative to `source` is a `us_bank_account` PaymentMethod, which the emulator has none of.
          throw invalidParam(
            'The emulator keeps no us_bank_account PaymentMethods: top up with `source` (a test bank token such as btok_us_verified, docs.stripe.com/connect/testing).',
            'payment_method',
          );
        }
        const outcome = outcomeOf(params.source as string | undefined);
        const topup = createTopup(ctx, {
          amount,
          currency,
          description: (params.description as string | undefined) ?? null,
          metadata: params.metadata as Record<string, string | null> | undefined,
          statement_descriptor: (params.statement_descriptor as string | undefined) ?? null,
          transfer_group: (params.transfer_group as string | undefined) ?? null,
          destination,
          status: outcome.status,
          failure: outcome.failure,
          initiatedBy: 'user',
        });
        return expand(ctx, renderTopup(topup), params);
      },
    },
    {
      method: 'GET',
      path: '/v1/topups',
      params: {
        ...listParams,
        amount: p.range(),
        created: p.range(),
        status: p.enum(['canceled', 'failed', 'pending', 'succeeded']),
      },
      handler: (ctx, params) => {
        const list = paginate(
          topups(ctx).list(),
          (t) =>
            inRange(t.amount, params.amount as Range | undefined) &&
            inRange(t.created, params.created as Range | undefined) &&
            (params.status === undefined || t.status === params.status),
          params,
          ctx.path,
          { objectName: TOPUP_OBJECT_NAME },
        );
        return expand(ctx, { ...list, data: list.data.map(renderTopup) }, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/topups/:topup',
      handler: (ctx, params, path) => expand(ctx, renderTopup(findTopup(ctx, path.topup ?? '')), params),
    },
    {
      method: 'POST',
      path: '/v1/topups/:topup',
      params: { description: p.string(), metadata: p.metadata() },
      handler: (ctx, params, path) => {
        const current = findTopup(ctx, path.topup ?? '');
        const next = {
          ...current,
          description: params.description !== undefined ? (params.description as string) : current.description,
          metadata: mergeMetadata(current.metadata, params.metadata as Record<string, string | null> | undefined),
        };
        topups(ctx).replace(next);
        return expand(ctx, renderTopup(next), params);
      },
    },
    {
      method: 'POST',
      path: '/v1/topups/:topup/cancel',
      handler: (ctx, params, path) => {
        const current = findTopup(ctx, path.topup ?? '');
        if (current.status !== 'pending') {
          throw invalidRequest(
            `This top-up cannot be canceled because its status is ${current.status}: only pending top-ups can be canceled.`,
          );
        }
        const next = { ...current, status: 'canceled' as const };
        topups(ctx).replace(next);
        ctx.emit('topup.canceled', renderTopup(next), { status: 'pending' });
        return expand(ctx, renderTopup(next), params);
      },
    },
  ],
});
