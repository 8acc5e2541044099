// The largest amount Stripe takes for a charge, top-up or simulated bank transfer: "The amount
// value supports up to eight digits (e.g., a value of 99999999 for a USD charge of $999,999.99)"
// (docs.stripe.com/api/payment_intents/object#payment_intent_object-amount); beyond it, a 400
// `amount_too_large` (https://docs.stripe.com/error-codes/amount-too-large).
import { invalidRequest } from './errors.ts';

export const MAX_AMOUNT = 99_999_999;

/** Refuses an `amount` of more than eight digits, naming the parameter. */
export function checkAmountNotTooLarge(amount: number): void {
  if (amount > MAX_AMOUNT)
    throw invalidRequest(`Amount must be no more than ${MAX_AMOUNT}.`, { code: 'amount_too_large', param: 'amount' });
}
