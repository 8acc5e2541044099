// User administration (docs/decisions/101-user-administration.md): the Users page, invitations
// and their acceptance.
import { Type, type Static } from 'typebox';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../password-rule.ts';
import { AccountId, Role } from './common.ts';
import { SecondFactorMethod } from './session.ts';

export const AdminUser = Type.Object({
  id: Type.String(),
  email: Type.String(),
  role: Role,
  disabled: Type.Boolean(),
  accounts: Type.Array(Type.String()),
  secondFactor: Type.Array(SecondFactorMethod),
  /** An invitation not accepted yet (no password chosen). */
  invited: Type.Boolean(),
  created_at: Type.String(),
});
export type AdminUser = Static<typeof AdminUser>;

export const UsersResponse = Type.Object({ data: Type.Array(AdminUser) });
export type UsersResponse = Static<typeof UsersResponse>;

export const InviteBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }),
    role: Role,
    accounts: Type.Optional(Type.Array(AccountId, { maxItems: 50 })),
  },
  { additionalProperties: false },
);
export type InviteBody = Static<typeof InviteBody>;

/** The invitation link, shown once to the admin (its token is stored hashed). */
export const InviteResponse = Type.Object({ user: AdminUser, inviteUrl: Type.String(), expiresAt: Type.String() });
export type InviteResponse = Static<typeof InviteResponse>;

export const UserParams = Type.Object(
  { id: Type.String({ pattern: '^usr_[a-f0-9]{32}$' }) },
  { additionalProperties: false },
);

export const UpdateUserBody = Type.Object(
  {
    role: Type.Optional(Role),
    accounts: Type.Optional(Type.Array(AccountId, { maxItems: 50 })),
    disabled: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
export type UpdateUserBody = Static<typeof UpdateUserBody>;

export const AcceptInvitationBody = Type.Object(
  {
    token: Type.String({ minLength: 20, maxLength: 100, pattern: '^[A-Za-z0-9_-]+$' }),
    password: Type.String({ minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH }),
  },
  { additionalProperties: false },
);
export type AcceptInvitationBody = Static<typeof AcceptInvitationBody>;
