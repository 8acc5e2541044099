// The one place a user is added, or their role, memberships, disabled flag, password, second
// factors or single sign-on identity change by someone's decision, whoever asks: an admin on the
// Users page (server/routes/api/users.ts), the user on the Security page (security.ts, oidc.ts),
// the identity provider's claims at a single sign-on, or the operator at the console
// (scripts/users.ts) (docs/decisions/101-user-administration.md, 103-sso-identity-linking.md).
// All must keep the same rules, so no path can demote the last admin, leave a session of the old
// role or password, or change a user without its row in the audit trail.
import type { Role } from '../../shared/policy.ts';
import { appendAudit, type Actor } from '../db/audit-trail.ts';
import type { Queryable } from '../db/database.ts';
import { setOidcSubject, lockOidcSubjectOf, oidcSubjectHolder } from '../db/oidc-identities.ts';
import { deleteAllFactors } from '../db/second-factors.ts';
import { revokeUserSessions } from '../db/sessions.ts';
import {
  NO_PASSWORD,
  addMembership,
  countAdminsWhoCanSignIn,
  createUser,
  lockAdminChanges,
  replaceMemberships,
  setPasswordHash,
  setRoleAndDisabled,
  type UserRow,
} from '../db/users.ts';
import { HttpError } from '../errors.ts';

export interface AccessTarget {
  id: string;
  role: Role;
  disabled: boolean;
}

export interface AccessChange {
  role?: Role | undefined;
  /** The account user's memberships, replacing the current ones (ignored for other roles, which have none). */
  accounts?: readonly string[] | undefined;
  disabled?: boolean | undefined;
}

/** Who did it, for the audit row, and what the caller adds to the row's details (the check behind it, `via`). */
export interface AuditedBy {
  actor: Actor;
  details?: Record<string, unknown>;
}

/**
 * Applies the change inside the caller's transaction. Refuses (409 `last_admin`) to demote or
 * disable the last enabled platform admin, unless `keepLastAdmin` is false (the console: see
 * scripts/users.ts `disable`); ends the user's sessions when the role changes or the user is
 * disabled. Returns whether the sessions were revoked. The caller writes the audit row (or calls
 * `changeUserAccess`, which does).
 */
export async function applyAccessChange(
  tx: Queryable,
  target: AccessTarget,
  change: AccessChange,
  { keepLastAdmin = true }: { keepLastAdmin?: boolean } = {},
): Promise<{ sessionsRevoked: boolean }> {
  const newRole = change.role ?? target.role;
  const { accounts, disabled } = change;
  // The last enabled admin stays: no demotion, no disabling (counted under a lock, so two
  // admins demoting each other at once cannot both succeed).
  const losesAdmin =
    target.role === 'platform_admin' && !target.disabled && (newRole !== 'platform_admin' || disabled === true);
  if (losesAdmin && keepLastAdmin) {
    await lockAdminChanges(tx);
    // Only admins who can sign in count: an invitation not accepted yet is nobody (issue 17, item 10).
    if ((await countAdminsWhoCanSignIn(tx, target.id)) === 0) {
      throw new HttpError(
        409,
        'last_admin',
        'This is the only enabled platform admin who can sign in: make another admin first (an invited admin counts once the invitation is accepted).',
      );
    }
  }
  await setRoleAndDisabled(tx, target.id, newRole, disabled ?? target.disabled);
  if (newRole !== 'account_user') await replaceMemberships(tx, target.id, []);
  else if (accounts) await replaceMemberships(tx, target.id, accounts);
  // Disabling, or a change of role, ends the user's sessions at once (a role is read per request,
  // but a session signed in under another role's second-factor rules should start over).
  const sessionsRevoked = disabled === true || newRole !== target.role;
  if (sessionsRevoked) await revokeUserSessions(tx, target.id);
  return { sessionsRevoked };
}

/**
 * An administrator's change of role, memberships or disabled flag (the Users page, `npm run
 * users -- disable`): `applyAccessChange` and its audit row, `user.disabled` when the change only
 * disables, else `user.updated`. Returns the kind written.
 */
export async function changeUserAccess(
  tx: Queryable,
  target: AccessTarget & { email: string },
  change: AccessChange,
  by: AuditedBy,
  options: { keepLastAdmin?: boolean } = {},
): Promise<{ kind: 'user.disabled' | 'user.updated'; sessionsRevoked: boolean }> {
  const { role, accounts, disabled } = change;
  const { sessionsRevoked } = await applyAccessChange(tx, target, change, options);
  const kind = disabled === true && !role && !accounts ? 'user.disabled' : 'user.updated';
  await appendAudit(tx, {
    kind,
    actor: by.actor,
    subject: target.email,
    details: {
      user_id: target.id,
      ...(role ? { role: { from: target.role, to: role } } : {}),
      ...(accounts ? { accounts } : {}),
      ...(disabled !== undefined ? { disabled } : {}),
      ...by.details,
    },
  });
  return { kind, sessionsRevoked };
}

/**
 * A new user and their memberships, audited: `passwordHash` null is an invitation (`user.invited`,
 * no password until it is accepted; the caller adds the invitation), else `user.added`. The
 * caller has checked the role may be granted and the email is free.
 */
export async function addUser(
  tx: Queryable,
  user: { email: string; role: Role; accounts: readonly string[]; passwordHash: string | null },
  by: AuditedBy,
): Promise<{ user: UserRow; kind: 'user.invited' | 'user.added' }> {
  const created = await createUser(tx, {
    email: user.email,
    passwordHash: user.passwordHash ?? NO_PASSWORD,
    role: user.role,
  });
  for (const account of user.accounts) await addMembership(tx, created.id, account);
  const kind = user.passwordHash === null ? 'user.invited' : 'user.added';
  await appendAudit(tx, {
    kind,
    actor: by.actor,
    subject: created.email,
    details: { user_id: created.id, role: created.role, accounts: user.accounts, ...by.details },
  });
  return { user: created, kind };
}

/**
 * An administrator's reset of a user's second factors (a lost phone): the factors and recovery
 * codes go, every session ends (the next sign-in enrols anew if the role requires a factor), and
 * `user.second_factor_reset` is written.
 */
export async function resetSecondFactor(
  tx: Queryable,
  target: { id: string; email: string },
  by: AuditedBy,
): Promise<void> {
  await deleteAllFactors(tx, target.id);
  await revokeUserSessions(tx, target.id);
  await appendAudit(tx, {
    kind: 'user.second_factor_reset',
    actor: by.actor,
    subject: target.email,
    details: { user_id: target.id, ...by.details },
  });
}

/**
 * A new password (the user's own on the Security page, or set at the console): the hash, the end
 * of every session but `keepSessionId` (whoever held one signs in with the new password) and
 * `user.password_changed`. The caller has checked the password against shared/password-rule.ts.
 * Returns how many sessions ended.
 */
export async function changePassword(
  tx: Queryable,
  user: { id: string; email: string },
  passwordHash: string,
  by: AuditedBy & { keepSessionId?: string | null },
): Promise<number> {
  await setPasswordHash(tx, user.id, passwordHash);
  const ended = await revokeUserSessions(tx, user.id, by.keepSessionId ?? null);
  await appendAudit(tx, {
    kind: 'user.password_changed',
    actor: by.actor,
    subject: user.email,
    details: { ...by.details, other_sessions_ended: ended },
  });
  return ended;
}

/**
 * Links the user to an identity at the identity provider (`<issuer>|<sub>`), audited
 * (`user.sso_linked`), unless another user holds it: the identity stays with the one user who
 * holds it (the user's row is locked first, so the check and the link are one step). `replaced`:
 * the user was linked to another identity before.
 */
export async function linkSsoIdentity(
  tx: Queryable,
  user: { id: string; email: string },
  identity: { subject: string; issuer: string },
  by: AuditedBy,
): Promise<{ holder: string } | { replaced: boolean }> {
  const before = await lockOidcSubjectOf(tx, user.id);
  const holder = await oidcSubjectHolder(tx, identity.subject);
  if (holder && holder.id !== user.id) return { holder: holder.email };
  await setOidcSubject(tx, user.id, identity.subject);
  await appendAudit(tx, {
    kind: 'user.sso_linked',
    actor: by.actor,
    subject: user.email,
    details: { user_id: user.id, issuer: identity.issuer, ...by.details },
  });
  return { replaced: before !== null && before !== identity.subject };
}
