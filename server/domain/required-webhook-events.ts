// The Stripe events the app's webhook endpoint must receive (from connected accounts: a
// `connect: true` endpoint), and why: the one list `npm run doctor` checks the registered endpoint
// against, and its fix names. The emulator's own start-up endpoint takes `*` (every event).
// test/server/required-webhook-events.test.ts feeds every event type Stripe has to the handlers
// (the mirror and card index, the audit of outside changes, the live activity) and fails when one
// acts on a type this file does not account for: add an event here when a feature starts
// depending on it.
export const REQUIRED_WEBHOOK_EVENTS: ReadonlyArray<{ type: string; why: string }> = [
  { type: 'issuing_card.created', why: 'keeps the card index current (docs/decisions/020-card-index.md)' },
  { type: 'issuing_card.updated', why: 'keeps the card index current; audits changes made outside the app' },
  { type: 'issuing_cardholder.created', why: 'keeps the card index current (cardholder names and emails)' },
  { type: 'issuing_cardholder.updated', why: 'keeps the card index current' },
  {
    type: 'issuing_authorization.created',
    why: "keeps the mirror's authorizations and a card's live activity current (docs/decisions/148-mirror.md, 081-live-activity.md)",
  },
  {
    type: 'issuing_authorization.updated',
    why: "keeps the mirror's authorizations and the live activity current (captures, reversals, expiries)",
  },
  { type: 'issuing_transaction.created', why: "keeps the mirror's transactions and the live activity current" },
  { type: 'issuing_transaction.updated', why: "keeps the mirror's transactions and the live activity current" },
  { type: 'account.updated', why: "keeps the mirror's connected accounts current (names, requirements)" },
  { type: 'capability.updated', why: "keeps the mirror's card_issuing readiness current" },
  {
    type: 'balance.available',
    why: "the overview's last known Issuing balance per account, to say when it runs low (docs/decisions/160-overview-from-the-mirror.md)",
  },
];

/**
 * Event types a handler acts on that the webhook endpoint need not subscribe to, and why. Each is
 * accounted for here so that the test above tells a forgotten event from a deliberate one.
 */
export const NOT_REQUIRED_WEBHOOK_EVENTS: ReadonlyArray<{ type: string; why: string }> = [
  {
    type: 'issuing_authorization.request',
    // "Your webhook endpoint can be configured in your settings … Stripe creates an
    // issuing_authorization.request and sends it to your configured endpoint for your approval."
    why: 'comes to the real-time authorization endpoint of the Issuing settings (docs.stripe.com/issuing/controls/real-time-authorizations; docs/decisions/012-webhooks.md), not to a webhook endpoint',
  },
  {
    type: 'issuing_transaction.purchase_details_receipt_updated',
    why: "the mirror applies its transaction when it comes, but nothing the app shows changes with a receipt's purchase details",
  },
];
