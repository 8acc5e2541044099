// The one place a user's role, memberships or disabled flag change, whoever asks: an admin on the
// Users page (POST /api/users/:id) or the identity provider's claims at a single sign-on
// (docs/decisions/101-user-administration.md, 103-sso-identity-linking.md). Both must keep the
// same rules, so neither path can demote the last admin or leave a session of the old role.
import type { Role } from '../../shared/policy.ts';
import type { Queryable } from '../db/database.ts';
import { revokeUserSessions } from '../db/sessions.ts';
import { countAdminsWhoCanSignIn } from '../db/users.ts';
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

/** Revokes every live session of the user (they sign in again, under the new rules): the one revocation of server/db/sessions.ts. */
export { revokeUserSessions };

/**
 * Applies the change inside the caller's transaction. Refuses (409 `last_admin`) to demote or
 * disable the last enabled platform admin; ends the user's sessions when the role changes or the
 * user is disabled. Returns whether the sessions were revoked. The caller writes the audit row.
 */
export async function applyAccessChange(tx: Queryable, target: AccessTarget, change: AccessChange): Promise<{ sessionsRevoked: boolean }> {
  const newRole = change.role ?? target.role;
  const { accounts, disabled } = change;
  // The last enabled admin stays: no demotion, no disabling (counted under a lock, so two
  // admins demoting each other at once cannot both succeed).
  const losesAdmin = target.role === 'platform_admin' && !target.disabled && (newRole !== 'platform_admin' || disabled === true);
  if (losesAdmin) {
    await tx.query(`SELECT pg_advisory_xact_lock(hashtext('user-admin:admins'))`);
    // Only admins who can sign in count: an invitation not accepted yet is nobody (issue 17, item 10).
    if ((await countAdminsWhoCanSignIn(tx, target.id)) === 0) {
      throw new HttpError(409, 'last_admin', 'This is the only enabled platform admin who can sign in: make another admin first (an invited admin counts once the invitation is accepted).');
    }
  }
  await tx.query('UPDATE users SET role = $2, disabled = $3 WHERE id = $1', [target.id, newRole, disabled ?? target.disabled]);
  if (newRole !== 'account_user') await tx.query('DELETE FROM memberships WHERE user_id = $1', [target.id]);
  else if (accounts) {
    await tx.query('DELETE FROM memberships WHERE user_id = $1', [target.id]);
    for (const account of new Set(accounts)) await tx.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [target.id, account]);
  }
  // Disabling, or a change of role, ends the user's sessions at once (a role is read per request,
  // but a session signed in under another role's second-factor rules should start over).
  const sessionsRevoked = disabled === true || newRole !== target.role;
  if (sessionsRevoked) await revokeUserSessions(tx, target.id);
  return { sessionsRevoked };
}
