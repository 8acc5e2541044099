// Top-ups (https://docs.stripe.com/api/topups): funds moved into one of the account's balances,
// the Issuing balance with `destination_balance=issuing` ("pull" funding in the US,
// https://docs.stripe.com/issuing/funding/balance) or the payments balance without it.
//
// What happens to a test top-up depends on its `source` (https://docs.stripe.com/connect/testing,
// "Add funds to Stripe balance": "To test adding funds in the API, use the following test bank
// tokens as the source"):
// - `btok_us_verified` ("Successful"): `succeeded` at once, with a balance transaction (type
//   `topup`), and the funds available in the destination balance;
// - `btok_us_verified_noAccount` | `_accountClosed` | `_insufficientFunds` | `_debitNotAuthorized` |
//   `_invalidCurrency` ("Unsuccessful with a `no_account` … `invalid_currency` code"): `failed`
//   with that `failure_code`, no balance transaction, nothing added;
// - no source: the bank account set up in the Dashboard, which the emulator does not have. Stripe:
//   "Your top-ups can take up to 5 business days to become available. While they're pending,
//   they won't be added to your Issuing balance" (docs.stripe.com/issuing/funding/balance), and
//   its reference example answers `status: pending`, `balance_transaction: null`
//   (docs.stripe.com/api/topups/create). The emulator keeps such a top-up `pending` (no clock
//   moves it on) until it is canceled ("Only pending top-ups can be canceled",
//   docs.stripe.com/api/topups/cancel).
// Stripe reaches `succeeded` / `failed` asynchronously; the emulator decides at creation, so the
// answer to the create call already carries the outcome (and the events follow in order:
// `topup.created`, then `topup.succeeded` + `balance.available` or `topup.failed`).
//
// Push-funded transfers arrive the same way: "When that account receives funds, they're
// immediately available as a top-up to your Stripe account's Issuing balance"
// (docs.stripe.com/issuing/funding/balance), so the `fund_balance` test helper records a
// succeeded top-up too (./funding-instructions.ts).
import type Stripe from 'stripe';
import { recordFunding } from '../issuing/balance.ts';
import { resourceMissing } from '../errors.ts';
import { newId } from '../ids.ts';
import { mergeMetadata } from '../params.ts';
import { renderBalance } from '../resources/balance.ts';
import type { ApiContext } from '../router.ts';
import { recordBalanceTransaction } from './balance-transactions.ts';

export const TOPUP_OBJECT_NAME = 'topup';

export type DestinationBalance = 'issuing' | 'payments';

/** Stored with the balance it funds (Stripe's object does not show it), the transaction as an id. */
export type StoredTopup = Stripe.Topup & {
  balance_transaction: string | null;
  destination_balance: DestinationBalance;
};

export function topups(ctx: ApiContext) {
  return ctx.data.collection<StoredTopup>('topup');
}

interface Failure {
  code: string;
  message: string;
}

/**
 * The failing test tokens and their codes (docs.stripe.com/connect/testing). The messages say
 * what each code means for a debit from the bank account (the codes' meanings as Stripe gives
 * them for bank transfers, https://docs.stripe.com/api/payouts/failures); Stripe's own wording
 * for a top-up is not published.
 */
const FAILING_SOURCES: Record<string, Failure> = {
  btok_us_verified_noAccount: {
    code: 'no_account',
    message: 'The bank account could not be located with the details on file.',
  },
  btok_us_verified_accountClosed: { code: 'account_closed', message: 'The bank account has been closed.' },
  btok_us_verified_insufficientFunds: {
    code: 'insufficient_funds',
    message: 'The bank account has insufficient funds to cover the top-up.',
  },
  btok_us_verified_debitNotAuthorized: {
    code: 'debit_not_authorized',
    message: 'Debit transactions are not approved on the bank account.',
  },
  btok_us_verified_invalidCurrency: {
    code: 'invalid_currency',
    message: 'The bank was unable to process this top-up because of its currency.',
  },
};

const SUCCEEDING_SOURCE = 'btok_us_verified';

/** The outcome a test `source` asks for; a source that is not a test token is unknown here. */
export function outcomeOf(source: string | undefined): {
  status: 'succeeded' | 'pending' | 'failed';
  failure?: Failure;
} {
  if (source === undefined) return { status: 'pending' };
  if (source === SUCCEEDING_SOURCE) return { status: 'succeeded' };
  const failure = FAILING_SOURCES[source];
  if (failure) return { status: 'failed', failure };
  // Sources (`src_…`) and bank tokens other than the test ones are objects the emulator does not
  // keep: Stripe answers "No such …" for an id it does not know.
  throw resourceMissing(source.startsWith('btok_') ? 'token' : 'source', source, 'source', 400);
}

/** `created` plus five business days (Saturdays and Sundays skipped, UTC): "up to 5 business days". */
function fiveBusinessDaysAfter(created: number): number {
  const day = new Date(created * 1000);
  let added = 0;
  while (added < 5) {
    day.setUTCDate(day.getUTCDate() + 1);
    const weekday = day.getUTCDay();
    if (weekday !== 0 && weekday !== 6) added++;
  }
  return Math.floor(day.getTime() / 1000);
}

export interface TopupInput {
  amount: number;
  currency: string;
  description: string | null;
  metadata?: Record<string, string | null> | null;
  statement_descriptor: string | null;
  transfer_group: string | null;
  destination: DestinationBalance;
  status: 'succeeded' | 'pending' | 'failed';
  failure?: Failure;
  /** `user` for a top-up made through the API; null for a bank transfer that arrived (who began it is not Stripe's to say). */
  initiatedBy: 'user' | null;
}

export function renderTopup(topup: StoredTopup): Stripe.Topup {
  const { destination_balance: _destination, ...shown } = topup;
  return shown;
}

/** Creates a top-up; a succeeded one adds its amount to the destination balance. */
export function createTopup(ctx: ApiContext, input: TopupInput): StoredTopup {
  const created = ctx.now();
  const topup: StoredTopup = {
    id: newId('tu'),
    object: 'topup',
    amount: input.amount,
    balance_transaction: null,
    created,
    currency: input.currency,
    description: input.description,
    expected_availability_date: input.status === 'pending' ? fiveBusinessDaysAfter(created) : created,
    failure_code: input.failure?.code ?? null,
    failure_message: input.failure?.message ?? null,
    initiated_by: input.initiatedBy,
    livemode: false,
    metadata: mergeMetadata({}, input.metadata),
    source: null,
    statement_descriptor: input.statement_descriptor,
    status: input.status,
    transfer_group: input.transfer_group,
    destination_balance: input.destination,
  };
  if (input.status === 'succeeded') {
    const txn = recordBalanceTransaction(ctx.data, {
      amount: input.amount,
      currency: input.currency,
      created,
      description: input.description,
      source: topup.id,
      type: 'topup',
      reportingCategory: 'topup',
      balanceType: input.destination,
    });
    topup.balance_transaction = txn.id;
    // The Issuing balance the authorizations check is kept from fundings (../issuing/balance.ts).
    if (input.destination === 'issuing') recordFunding(ctx.data, input.amount, input.currency, created);
  }
  topups(ctx).insert(topup);
  ctx.emit('topup.created', renderTopup(topup));
  if (topup.status === 'succeeded') {
    ctx.emit('topup.succeeded', renderTopup(topup));
    ctx.emit('balance.available', renderBalance(ctx));
  } else if (topup.status === 'failed') {
    ctx.emit('topup.failed', renderTopup(topup));
  }
  return topup;
}

export function findTopup(ctx: ApiContext, id: string): StoredTopup {
  const topup = topups(ctx).get(id);
  if (!topup) throw resourceMissing(TOPUP_OBJECT_NAME, id, 'topup');
  return topup;
}
