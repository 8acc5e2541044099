// Each account's Issuing balance (https://docs.stripe.com/issuing/connect/funding: "Before an
// issued card can be used for transactions, you must first allocate funds to the connected
// account's Issuing balance"). Funds arrive by succeeded top-ups: `POST /v1/topups` with
// `destination_balance=issuing` (US pull funding) and the bank transfers the test helper
// `POST /v1/test_helpers/issuing/fund_balance` simulates (UK and euro-area push funding), both in
// ../funding/; the seed records its funds here directly. An approved authorization holds its amount and
// a capture spends it ("we deduct the amount from your Issuing balance and hold it in reserve
// until the authorization is either captured, voided, or expired", docs.stripe.com/issuing/purchases/authorizations).
//
// Fundings are records in the account's data (so persistence keeps them); what is available is
// computed from them and the account's authorizations, so it can never drift from them.
import { newId } from '../ids.ts';
import type { AccountData } from '../store.ts';

export const FUNDINGS = 'emulator.issuing_funding';

export interface FundingRecord {
  id: string;
  amount: number;
  currency: string;
  created: number;
}

export function fundings(data: AccountData) {
  return data.collection<FundingRecord>(FUNDINGS);
}

export function recordFunding(data: AccountData, amount: number, currency: string, created: number): FundingRecord {
  return fundings(data).insert({ id: newId('emfund'), amount, currency: currency.toLowerCase(), created });
}

/** Everything funded, per currency. */
export function fundedByCurrency(data: AccountData): Map<string, number> {
  const totals = new Map<string, number>();
  for (const f of fundings(data).list()) totals.set(f.currency, (totals.get(f.currency) ?? 0) + f.amount);
  return totals;
}
