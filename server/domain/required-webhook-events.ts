// The Stripe events the app's webhook endpoint must receive (from connected accounts: a
// `connect: true` endpoint), and why. `npm run doctor` checks the registered endpoint against
// this list; add an event here when a feature starts depending on it.
export const REQUIRED_WEBHOOK_EVENTS: ReadonlyArray<{ type: string; why: string }> = [
  { type: 'issuing_card.created', why: 'keeps the card index current (docs/decisions/020-card-index.md)' },
  { type: 'issuing_card.updated', why: 'keeps the card index current' },
  { type: 'issuing_cardholder.created', why: 'keeps the card index current (cardholder names and emails)' },
  { type: 'issuing_cardholder.updated', why: 'keeps the card index current' },
  {
    type: 'issuing_authorization.created',
    why: "keeps the mirror's authorizations current (docs/decisions/148-mirror.md)",
  },
  {
    type: 'issuing_authorization.updated',
    why: "keeps the mirror's authorizations current (captures, reversals, expiries)",
  },
  { type: 'issuing_transaction.created', why: "keeps the mirror's transactions current" },
  { type: 'issuing_transaction.updated', why: "keeps the mirror's transactions current" },
  { type: 'account.updated', why: "keeps the mirror's connected accounts current (names, requirements)" },
  { type: 'capability.updated', why: "keeps the mirror's card_issuing readiness current" },
];
