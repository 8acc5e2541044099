import { useState } from 'react';
import type { AdminUser } from '@shared/api.ts';
import { POLICY, type Role } from '@shared/policy.ts';
import { ConfirmDialog } from '../../../components/confirm-dialog.tsx';

/** What a role means for the person who gets it, in a sentence (the policy in shared/policy.ts, in words). */
const ROLE_MEANING: Record<Role, string> = {
  platform_admin:
    'sees every connected account, issues, freezes and cancels cards, reads the audit log and administers users',
  account_user:
    'sees only the connected accounts they are a member of, freezes and unfreezes their cards and sets PINs; never cancels a card',
  support_agent:
    'finds one card at a time by lookup to help a verified caller, and reveals its details with a reason; browses no account',
};

/** "a support agent", "an account user". */
export function roleWithArticle(role: Role): string {
  const label = POLICY[role].label.toLowerCase();
  return `${/^[aeiou]/.test(label) ? 'an' : 'a'} ${label}`;
}

/**
 * Confirms a change of role (decision 164): who, from what to what, what the new role may do,
 * and that the user's sessions end. The role picked in the table's list comes preselected and can
 * still be changed here (a keyboard user's arrow keys move the list one role at a time).
 */
export function RoleChangeDialog({
  user,
  roles,
  initial,
  onConfirm,
  onCancel,
}: {
  user: AdminUser;
  roles: readonly Role[];
  initial: Role;
  onConfirm: (role: Role) => void;
  onCancel: () => void;
}) {
  const [role, setRole] = useState<Role>(initial);
  const same = role === user.role;
  return (
    <ConfirmDialog
      title={`Change the role of ${user.email}?`}
      description={
        same ? (
          <p>
            {user.email} is already {roleWithArticle(role)}. Pick another role, or cancel.
          </p>
        ) : (
          <>
            <p>
              From <strong>{POLICY[user.role].label}</strong> to <strong>{POLICY[role].label}</strong>: as{' '}
              {roleWithArticle(role)}, {user.email} {ROLE_MEANING[role]}.
            </p>
            <p>
              They are signed out everywhere and sign in again under the new role
              {user.role === 'account_user' ? '; their account memberships are removed' : ''}.
            </p>
          </>
        )
      }
      confirmLabel={`Make ${roleWithArticle(role)}`}
      danger={false}
      onConfirm={() => (same ? onCancel() : onConfirm(role))}
      onCancel={onCancel}
    >
      <fieldset>
        <legend>New role</legend>
        {roles.map((r) => (
          <label key={r}>
            <input type="radio" name="role" value={r} checked={role === r} onChange={() => setRole(r)} />
            {POLICY[r].label}
          </label>
        ))}
      </fieldset>
    </ConfirmDialog>
  );
}

/** Confirms disabling a user (decision 164): who, and what it means for them. */
export function DisableDialog({
  user,
  onConfirm,
  onCancel,
}: {
  user: AdminUser;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  return (
    <ConfirmDialog
      title={`Disable ${user.email}?`}
      description={`${user.email} is signed out everywhere at once and can’t sign in until someone re-enables them. Their role and accounts are kept.`}
      confirmLabel="Disable"
      onConfirm={onConfirm}
      onCancel={onCancel}
    />
  );
}
