// The app server's HTTP API: TypeBox schemas (JSON Schema at runtime, validated by Fastify)
// and their static types. The client imports the types only (`import type`), so none of
// TypeBox reaches the browser bundle. Shapes: docs/architecture.md, "The app server's HTTP API".
//
// One file per feature in shared/api/; this barrel keeps `shared/api.ts` the one import path.
// Add a feature's shapes to its file (or a new file, exported here), not to this one.
export * from './api/common.ts'; // ids (card, account, nonce), Role, ErrorBody
export * from './api/health.ts'; // GET /healthz, /readyz
export * from './api/config.ts'; // GET /api/config
export * from './api/session.ts'; // sign-in, GET /api/session, GET /api/me
export * from './api/permissions.ts'; // Permissions, checked against shared/policy.ts
export * from './api/accounts.ts'; // GET /api/accounts
export * from './api/account-sessions.ts'; // POST /api/account-sessions
export * from './api/onboarding.ts'; // hosted onboarding: Stripe's link, the account read again
export * from './api/reveal.ts'; // POST /api/ephemeral-keys
export * from './api/cards.ts'; // card list, one card, issuing, changes, report lost
export * from './api/spending-controls.ts'; // SpendingControlsInput (cards and cardholders)
export * from './api/pin.ts'; // POST /api/cards/:id/pin
export * from './api/cardholders.ts'; // issue-card form's list, cardholders page, create, update
export * from './api/audit.ts'; // GET /api/audit, trail rows
export * from './api/payments.ts'; // test purchases, declines
export * from './api/second-factor.ts'; // step-up, security page, passwords
export * from './api/users.ts'; // user administration, invitations
export * from './api/sso.ts'; // linking a user to the single sign-on provider
