// Every route of the app server and the rule that guards it. The server refuses to start
// when it registers a route that is not listed here, and the authorization tests generate
// their role x route matrix from this table, so a new route cannot ship without a rule.
import type { PermissionName } from './policy.ts';

/**
 * - `public`: anyone, no session needed.
 * - `authenticated`: any signed-in user; the handler narrows by account scope.
 * - a permission name: a signed-in user whose role holds that permission (shared/policy.ts).
 */
export type RouteRule = 'public' | 'authenticated' | PermissionName;

export type HttpMethod = 'GET' | 'POST' | 'DELETE' | 'PUT' | 'PATCH';

export interface RouteEntry {
  method: HttpMethod;
  /** Fastify path syntax (`:id` for parameters). */
  path: string;
  rule: RouteRule;
  /** Refusals of this route are written to the reveal audit log as denied attempts. */
  auditDenied?: boolean;
  /** Failed attempts (401) are counted per IP and per account and throttled (sign-in). */
  throttle?: 'login';
  /**
   * Reachable by a session whose second factor is not settled yet (server/plugins/app/second-factor-gate.ts):
   * `sign-in` while the check is pending or an enrolment is required; `enrolment` only while an
   * enrolment is required. Other routes refuse such sessions.
   */
  beforeSecondFactor?: 'sign-in' | 'enrolment';
  /**
   * Refused (401 `unauthenticated`) to a session already replaced by a new one and only within its
   * rotation grace (docs/decisions/146-retired-sessions.md): these routes start or end sessions or
   * change how the account signs in, which no request in flight needs and a copied cookie must
   * not do. Other routes serve such a session until the grace ends.
   */
  currentSessionOnly?: true;
}

export const ROUTES = [
  { method: 'GET', path: '/healthz', rule: 'public' },
  { method: 'GET', path: '/readyz', rule: 'public' },
  { method: 'GET', path: '/api/config', rule: 'public' },
  // Signed in or not, answered 200 to anyone (the client asks before /api/me, which answers 401 when not).
  { method: 'GET', path: '/api/session', rule: 'public' },
  { method: 'POST', path: '/api/session', rule: 'public', throttle: 'login' },
  { method: 'DELETE', path: '/api/session', rule: 'authenticated', beforeSecondFactor: 'sign-in' },
  { method: 'GET', path: '/api/me', rule: 'authenticated', beforeSecondFactor: 'sign-in' },
  // Second factor (docs/decisions/100-second-factor-and-step-up.md): completing sign-in or a
  // step-up, and the Security page's enrolment.
  {
    method: 'POST',
    path: '/api/step-up',
    rule: 'authenticated',
    beforeSecondFactor: 'sign-in',
    currentSessionOnly: true,
  },
  {
    method: 'POST',
    path: '/api/step-up/options',
    rule: 'authenticated',
    beforeSecondFactor: 'sign-in',
    currentSessionOnly: true,
  },
  { method: 'GET', path: '/api/security', rule: 'authenticated', beforeSecondFactor: 'enrolment' },
  {
    method: 'POST',
    path: '/api/security/totp',
    rule: 'authenticated',
    beforeSecondFactor: 'enrolment',
    currentSessionOnly: true,
  },
  {
    method: 'POST',
    path: '/api/security/totp/confirm',
    rule: 'authenticated',
    beforeSecondFactor: 'enrolment',
    currentSessionOnly: true,
  },
  {
    method: 'POST',
    path: '/api/security/passkeys/options',
    rule: 'authenticated',
    beforeSecondFactor: 'enrolment',
    currentSessionOnly: true,
  },
  {
    method: 'POST',
    path: '/api/security/passkeys',
    rule: 'authenticated',
    beforeSecondFactor: 'enrolment',
    currentSessionOnly: true,
  },
  { method: 'DELETE', path: '/api/security/factors/:id', rule: 'authenticated', currentSessionOnly: true },
  { method: 'POST', path: '/api/security/recovery-codes', rule: 'authenticated', currentSessionOnly: true },
  // Issue 17, items 3 and 11 (docs/decisions/142-password-change-and-session-revocation.md): the
  // password typed again (also while a first factor must be enrolled), a password change, and
  // ending the user's other sessions.
  {
    method: 'POST',
    path: '/api/security/reauthenticate',
    rule: 'authenticated',
    beforeSecondFactor: 'enrolment',
    currentSessionOnly: true,
  },
  { method: 'POST', path: '/api/security/password', rule: 'authenticated', currentSessionOnly: true },
  { method: 'POST', path: '/api/security/sign-out-everywhere', rule: 'authenticated', currentSessionOnly: true },
  // User administration (docs/decisions/101-user-administration.md); each change needs a fresh
  // second-factor check (policy stepUp.administerUsers). Accepting an invitation needs its token.
  { method: 'GET', path: '/api/users', rule: 'administerUsers' },
  { method: 'POST', path: '/api/users', rule: 'administerUsers' },
  { method: 'POST', path: '/api/users/:id', rule: 'administerUsers' },
  { method: 'POST', path: '/api/users/:id/reset-second-factor', rule: 'administerUsers' },
  // What the link is for, shown before the password is typed (decision 165); read only, throttled alike.
  { method: 'POST', path: '/api/invitations/lookup', rule: 'public' },
  { method: 'POST', path: '/api/invitations/accept', rule: 'public' },
  // Single sign-on (docs/decisions/102-oidc-sign-in.md): redirects to and back from the provider.
  { method: 'GET', path: '/api/oidc/login', rule: 'public' },
  { method: 'GET', path: '/api/oidc/callback', rule: 'public' },
  // A signed-in user links this account to a provider identity (decision 103): answers the provider URL.
  { method: 'POST', path: '/api/oidc/link', rule: 'authenticated', currentSessionOnly: true },
  // The provider's answer waits for the user's confirmation, in the session that started the link.
  { method: 'GET', path: '/api/oidc/link/:id', rule: 'authenticated' },
  { method: 'POST', path: '/api/oidc/link/:id/confirm', rule: 'authenticated', currentSessionOnly: true },
  { method: 'DELETE', path: '/api/oidc/link/:id', rule: 'authenticated', currentSessionOnly: true },
  { method: 'GET', path: '/api/accounts', rule: 'authenticated' },
  // How fresh the pages' data is and whether Stripe answers: the banner of every signed-in page (decision 152).
  { method: 'GET', path: '/api/mirror/status', rule: 'authenticated' },
  { method: 'POST', path: '/api/account-sessions', rule: 'useEmbeddedComponents' },
  // Hosted onboarding (decision 157): Stripe's single-use onboarding link for a reachable account
  // whose card_issuing is not active, and the account read again on Stripe when the user is back.
  { method: 'POST', path: '/api/accounts/:account/onboarding-link', rule: 'finishOnboarding' },
  { method: 'GET', path: '/api/accounts/:account/onboarding', rule: 'finishOnboarding' },
  // The overview: figures from the app's own copy of Stripe, over the accounts the role browses.
  { method: 'GET', path: '/api/overview', rule: 'viewOverview' },
  { method: 'POST', path: '/api/ephemeral-keys', rule: 'reveal', auditDenied: true },
  { method: 'GET', path: '/api/cards', rule: 'viewCards' },
  { method: 'GET', path: '/api/cards/:id', rule: 'viewCards' },
  { method: 'GET', path: '/api/audit', rule: 'readAudit' },
  // The issue-card form lists the account's cardholders.
  { method: 'GET', path: '/api/cardholders', rule: 'issueCards' },
  { method: 'POST', path: '/api/cards', rule: 'issueCards' },
  // Status changes need this; canceling also needs cancelCards, a spending_controls change
  // editSpendingControls (both checked in the handler).
  { method: 'POST', path: '/api/cards/:id', rule: 'updateCardStatus' },
  // The cardholders page: an account's cardholders (the handler checks the account scope),
  // creating one, and cardholder-level spending controls.
  { method: 'GET', path: '/api/accounts/:account/cardholders', rule: 'viewCardholders' },
  { method: 'POST', path: '/api/cardholders', rule: 'manageCardholders' },
  { method: 'POST', path: '/api/cardholders/:id', rule: 'editSpendingControls' },
  // Freezes a card reported lost (support agents may, without updateCardStatus).
  { method: 'POST', path: '/api/cards/:id/report-lost', rule: 'freezeLostCards' },
  // A card frozen as reported lost, canceled and replaced by a new card (decision 164); needs a fresh check.
  { method: 'POST', path: '/api/cards/:id/replace', rule: 'replaceCards' },
  { method: 'POST', path: '/api/payments', rule: 'makeTestPurchases' },
  { method: 'POST', path: '/api/cards/:id/pin', rule: 'setPin' },
  // Authorizations, remaining limits and live activity: any role that views cards, narrowed by
  // scope in the handler (lookup roles: the card they looked up, never a whole account).
  { method: 'GET', path: '/api/cards/:id/authorizations', rule: 'viewCards' },
  { method: 'GET', path: '/api/accounts/:account/authorizations', rule: 'viewCards' },
  // The same rows as CSV, and the charts' daily series (docs/decisions/162-activity-filters-and-export.md).
  { method: 'GET', path: '/api/cards/:id/authorizations.csv', rule: 'viewCards' },
  { method: 'GET', path: '/api/cards/:id/authorizations/daily', rule: 'viewCards' },
  { method: 'GET', path: '/api/accounts/:account/authorizations.csv', rule: 'viewCards' },
  { method: 'GET', path: '/api/accounts/:account/authorizations/daily', rule: 'viewCards' },
  { method: 'GET', path: '/api/cards/:id/limits', rule: 'viewCards' },
  { method: 'GET', path: '/api/events', rule: 'viewCards' },
  // Stripe's Issuing test helper on the card's account (test mode only).
  { method: 'POST', path: '/api/cards/:id/simulate-purchase', rule: 'makeTestPurchases' },
  // Stripe's webhooks: no session; the Stripe-Signature on the raw body is the authentication.
  { method: 'POST', path: '/webhooks/stripe', rule: 'public' },
] as const satisfies readonly RouteEntry[];

export function findRoute(method: string, path: string): RouteEntry | undefined {
  return (ROUTES as readonly RouteEntry[]).find((r) => r.method === method && r.path === path);
}
