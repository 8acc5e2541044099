// Ids and pieces every feature's shapes use: Stripe ids, roles, the error body.
import { Type, type Static } from 'typebox';
import type { ROLES } from '../policy.ts';
import type { SameType } from './same-type.ts';

// Stripe ids are a prefix and an alphanumeric tail; bounding them keeps junk out of Stripe calls
// and log lines.
export const CardId = Type.String({ pattern: '^ic_[A-Za-z0-9_]{1,200}$', description: 'Issuing card id (ic_…)' });
export const AccountId = Type.String({
  pattern: '^acct_[A-Za-z0-9_]{1,200}$',
  description: 'Connected account id (acct_…)',
});
// Stripe.js nonces look like `ephkn_pub_…` / `ephkn_priv_…` (docs.stripe.com/js/element/issuing).
export const Nonce = Type.String({
  pattern: '^ephkn_[A-Za-z0-9_]{1,250}$',
  description: 'Ephemeral key nonce from stripe.createEphemeralKeyNonce',
});

export const Role = Type.Union([
  Type.Literal('platform_admin'),
  Type.Literal('account_user'),
  Type.Literal('support_agent'),
]);
// Compile-time check that the schema lists exactly the policy's roles.
const _rolesMatch: SameType<Static<typeof Role>, (typeof ROLES)[number]> = true;
void _rolesMatch;

export const ErrorBody = Type.Object({
  error: Type.Object({
    code: Type.String(),
    message: Type.String(),
    field: Type.Optional(Type.String()),
  }),
});
export type ErrorBody = Static<typeof ErrorBody>;
