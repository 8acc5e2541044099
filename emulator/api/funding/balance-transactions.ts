// Balance transactions (https://docs.stripe.com/api/balance_transactions): the ledger of what
// moved an account's balances. The emulator records the ones its top-ups make, each naming the
// balance it moved in `balance_type` (`issuing` or `payments`, the SDK's BalanceTransaction type)
// and its top-up in `source`. Authorizations and captures keep their own records
// (../issuing/available-balance.ts), so they make none here.
import type Stripe from 'stripe';
import { resourceMissing } from '../errors.ts';
import { newId } from '../ids.ts';
import type { AccountData } from '../store.ts';

export const BALANCE_TRANSACTION_OBJECT_NAME = 'balance transaction';

/** Stored as Stripe returns it; `source` stays an id (expandable, as on Stripe). */
export type StoredBalanceTransaction = Stripe.BalanceTransaction & { source: string | null };

export function balanceTransactions(data: AccountData) {
  return data.collection<StoredBalanceTransaction>('balance_transaction');
}

export interface BalanceTransactionInput {
  amount: number;
  currency: string;
  created: number;
  description: string | null;
  source: string;
  type: Stripe.BalanceTransaction.Type;
  /** https://docs.stripe.com/reports/reporting-categories (`topup` for top-ups). */
  reportingCategory: string;
  balanceType: 'issuing' | 'payments';
}

/** Records funds that are available at once; `fee` is 0 (the emulator models no Stripe fees). */
export function recordBalanceTransaction(data: AccountData, input: BalanceTransactionInput): StoredBalanceTransaction {
  return balanceTransactions(data).insert({
    id: newId('txn'),
    object: 'balance_transaction',
    amount: input.amount,
    available_on: input.created,
    balance_type: input.balanceType,
    created: input.created,
    currency: input.currency,
    description: input.description,
    exchange_rate: null,
    fee: 0,
    fee_details: [],
    net: input.amount,
    reporting_category: input.reportingCategory,
    source: input.source,
    status: 'available',
    type: input.type,
  });
}

export function findBalanceTransaction(data: AccountData, id: string): StoredBalanceTransaction {
  const found = balanceTransactions(data).get(id);
  if (!found) throw resourceMissing(BALANCE_TRANSACTION_OBJECT_NAME, id, 'id');
  return found;
}

/** Available funds of one balance, per currency. */
export function availableByCurrency(data: AccountData, balanceType: 'issuing' | 'payments'): Map<string, number> {
  const totals = new Map<string, number>();
  for (const txn of balanceTransactions(data).list()) {
    if (txn.balance_type !== balanceType || txn.status !== 'available') continue;
    totals.set(txn.currency, (totals.get(txn.currency) ?? 0) + txn.net);
  }
  return totals;
}
