// Enrolment and invitations (issue 20, build item 6; docs/decisions/165-enrolment-and-messages.md):
// what an invitation link says before a password is typed, and when recovery codes run low.
// Imports only from shared/.
import { Type, type Static } from 'typebox';
import { AccountId, Role } from './api/common.ts';

/** With this many recovery codes left or fewer, the Security page asks the user to make new ones. */
export const RECOVERY_CODES_FEW = 2;

/** POST /api/invitations/lookup: the token travels in the body, never in a URL or a log line. */
export const InvitationLookupBody = Type.Object(
  { token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$', title: 'Invitation link' }) },
  { additionalProperties: false },
);
export type InvitationLookupBody = Static<typeof InvitationLookupBody>;

/** What a pending invitation says about itself; a wrong, used or expired link gets one 400 for all. */
export const InvitationDetails = Type.Object({
  /** The invited user's email: the name they sign in with. */
  email: Type.String(),
  /** Who made the invitation (their email), or null when that user is gone. */
  invitedBy: Type.Union([Type.String(), Type.Null()]),
  role: Role,
  /** The role's label from shared/policy.ts. */
  roleLabel: Type.String(),
  /** Which accounts the role reaches: every one, its memberships (`accounts`), or one card at a time by lookup. */
  accountScope: Type.Union([Type.Literal('all'), Type.Literal('memberships'), Type.Literal('lookup')]),
  /** The accounts the user will work with (its memberships; empty for the other scopes). */
  accounts: Type.Array(Type.Object({ id: AccountId, name: Type.Union([Type.String(), Type.Null()]) })),
  expiresAt: Type.String(),
  /** The server's password rule (shared/password-rule.ts), in numbers and words. */
  passwordRule: Type.Object({ minLength: Type.Integer(), maxLength: Type.Integer(), text: Type.String() }),
});
export type InvitationDetails = Static<typeof InvitationDetails>;
