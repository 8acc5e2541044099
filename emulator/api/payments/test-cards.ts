// Stripe's test cards and test PaymentMethods (docs.stripe.com/testing): what each number does
// when a PaymentIntent is confirmed with it. Numbers not listed here are either an Issuing card
// of one of the emulator's accounts (see ./issued-card.ts) or, like a real card in test mode,
// declined.

export type CardOutcome =
  | { kind: 'succeed' }
  | { kind: 'decline'; code: string; declineCode?: string; message: string }
  | { kind: 'three_d_secure' };

export interface TestCard {
  brand: 'visa' | 'mastercard' | 'amex';
  funding: 'credit' | 'debit';
  country: string;
  outcome: CardOutcome;
}

const DECLINED = 'Your card was declined.';
const decline = (declineCode: string, message = DECLINED, code = 'card_declined'): CardOutcome => ({
  kind: 'decline',
  code,
  declineCode,
  message,
});
const visa = (outcome: CardOutcome, funding: 'credit' | 'debit' = 'credit'): TestCard => ({
  brand: 'visa',
  funding,
  country: 'US',
  outcome,
});

export const TEST_CARDS: Readonly<Record<string, TestCard>> = {
  '4242424242424242': visa({ kind: 'succeed' }),
  '4000056655665556': visa({ kind: 'succeed' }, 'debit'),
  '5555555555554444': { brand: 'mastercard', funding: 'credit', country: 'US', outcome: { kind: 'succeed' } },
  '378282246310005': { brand: 'amex', funding: 'credit', country: 'US', outcome: { kind: 'succeed' } },
  '4000000000000002': visa(decline('generic_decline')),
  '4000000000009995': visa(decline('insufficient_funds', 'Your card has insufficient funds.')),
  '4000000000009987': visa(decline('lost_card')),
  '4000000000009979': visa(decline('stolen_card')),
  '4000000000000069': visa(decline('expired_card', 'Your card has expired.', 'expired_card')),
  '4000000000000127': visa(decline('incorrect_cvc', "Your card's security code is incorrect.", 'incorrect_cvc')),
  '4000000000000119': visa({
    kind: 'decline',
    code: 'processing_error',
    message: 'An error occurred while processing your card. Try again in a little bit.',
  }),
  // 3D Secure: authentication required (on session), always, and 3DS2.
  '4000002500003155': visa({ kind: 'three_d_secure' }),
  '4000002760003184': visa({ kind: 'three_d_secure' }),
  '4000000000003220': visa({ kind: 'three_d_secure' }),
};

/** Stripe's test PaymentMethod ids and the card each stands for. */
export const TEST_PAYMENT_METHODS: Readonly<Record<string, string>> = {
  pm_card_visa: '4242424242424242',
  pm_card_visa_debit: '4000056655665556',
  pm_card_mastercard: '5555555555554444',
  pm_card_amex: '378282246310005',
  pm_card_chargeDeclined: '4000000000000002',
  pm_card_chargeDeclinedInsufficientFunds: '4000000000009995',
  pm_card_chargeDeclinedLostCard: '4000000000009987',
  pm_card_chargeDeclinedStolenCard: '4000000000009979',
  pm_card_chargeDeclinedExpiredCard: '4000000000000069',
  pm_card_chargeDeclinedIncorrectCvc: '4000000000000127',
  pm_card_chargeDeclinedProcessingError: '4000000000000119',
  pm_card_authenticationRequiredOnSetup: '4000002500003155',
  pm_card_authenticationRequired: '4000002760003184',
  pm_card_threeDSecure2Required: '4000000000003220',
};

/** A real (non-test) card number used in test mode: Stripe declines it. */
export const LIVE_CARD_IN_TEST_MODE: CardOutcome = {
  kind: 'decline',
  code: 'card_declined',
  declineCode: 'test_mode_live_card',
  message:
    'Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.',
};

export function brandOf(number: string): 'visa' | 'mastercard' | 'amex' | 'discover' | 'unknown' {
  if (/^4/.test(number)) return 'visa';
  if (/^(5[1-5]|2[2-7])/.test(number)) return 'mastercard';
  if (/^3[47]/.test(number)) return 'amex';
  if (/^6(011|5)/.test(number)) return 'discover';
  return 'unknown';
}
