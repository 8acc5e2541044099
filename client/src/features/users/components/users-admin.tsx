import { useId, useState, type FormEvent } from 'react';
import type { AdminUser, InviteResponse } from '@shared/api.ts';
import { POLICY, ROLES, ROLE_RANK, type Role } from '@shared/policy.ts';
import { ErrorMessage, Loading } from '../../../components/status.tsx';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';
import { useStepUpDue } from '../../../components/step-up/step-up-due.ts';
import { inviteUser, resetSecondFactor, updateUser, useUserChange, useUsers } from '../api/users.ts';
import './users.css';

/** The connected accounts an admin can grant, as the page has them (undefined while they load). */
export type AccountChoices = readonly { id: string; name: string }[] | undefined;

/** Connected accounts by id → name (the id itself while the list loads or for an unknown one). */
function useAccountNames(choices: AccountChoices): {
  list: { id: string; name: string }[];
  nameOf: (id: string) => string;
} {
  const list = (choices ?? []).map((a) => ({ id: a.id, name: a.name || a.id }));
  const names = new Map(list.map((a) => [a.id, a.name]));
  return { list, nameOf: (id) => names.get(id) ?? id };
}

/**
 * The Users page for platform admins: invite (the one-time link is shown once), change role and
 * memberships, disable or enable, reset a second factor. Every change needs a fresh
 * second-factor check; when the server asks for one, it is asked for here and the change is
 * made once it passes.
 */
export function UsersAdmin({
  myRole,
  myId,
  accountChoices,
}: {
  myRole: Role;
  myId: string;
  accountChoices: AccountChoices;
}) {
  const users = useUsers();
  const accounts = useAccountNames(accountChoices);
  const [retry, setRetry] = useState<(() => void) | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [invite, setInvite] = useState<InviteResponse | null>(null);
  const grantable = ROLES.filter((r) => ROLE_RANK[r] <= ROLE_RANK[myRole]);

  const stepUpDue = useStepUpDue('administerUsers');
  /** `checked`: a second-factor check has just passed, so the change goes out without asking again. */
  const run = <A, R>(
    mutation: { mutate: (a: A, o: { onSuccess?: (r: R) => void; onError: (e: unknown) => void }) => void },
    args: A,
    onSuccess?: (r: R) => void,
    checked = false,
  ) => {
    setFailure(null);
    const again = () => run(mutation, args, onSuccess, true);
    // Known stale from /api/me: the check first, not a request the server would refuse.
    if (!checked && stepUpDue()) return setRetry(() => again);
    mutation.mutate(args, {
      ...(onSuccess ? { onSuccess } : {}),
      onError: (error) => {
        if (error instanceof ApiError && error.code === 'step_up_required') setRetry(() => again);
        else setFailure(errorMessage(error));
      },
    });
  };

  const inviting = useUserChange(inviteUser);
  const updating = useUserChange(updateUser);
  const resetting = useUserChange(resetSecondFactor);

  if (users.isPending) return <Loading label="Loading users…" />;
  if (users.isError)
    return (
      <ErrorMessage error={users.error} title="The users could not be loaded" onRetry={() => void users.refetch()} />
    );

  return (
    <div className="users-admin">
      {retry && (
        <StepUpPrompt
          intro="Changing users needs a second-factor check within the last few minutes."
          onVerified={() => {
            const again = retry;
            setRetry(null);
            again();
          }}
          onCancel={() => setRetry(null)}
        />
      )}
      {failure && (
        <p className="form-error" role="alert">
          {failure}
        </p>
      )}
      <InviteForm
        roles={grantable}
        accounts={accounts.list}
        busy={inviting.isPending}
        onInvite={(body) => run(inviting, body, setInvite)}
      />
      {invite && (
        <section className="invite-link" aria-label="Invitation link">
          <p>
            Send this link to <strong>{invite.user.email}</strong>. It works once, until{' '}
            {new Date(invite.expiresAt).toLocaleString()}, and is not shown again:
          </p>
          <p>
            <code data-testid="invite-url">{invite.inviteUrl}</code>
          </p>
          <button type="button" className="link-button" onClick={() => setInvite(null)}>
            Done
          </button>
        </section>
      )}
      <section className="panel" aria-labelledby="users-heading">
        <h2 id="users-heading">People with access</h2>
        <div className="table-scroll">
          <table className="table users">
            <caption className="visually-hidden">Users</caption>
            <thead>
              <tr>
                <th scope="col">Email</th>
                <th scope="col">Role</th>
                <th scope="col">Accounts</th>
                <th scope="col">Second factor</th>
                <th scope="col">Status</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {users.data.data.map((u) => (
                <UserRow
                  key={u.id}
                  user={u}
                  isMe={u.id === myId}
                  accounts={accounts}
                  roles={grantable}
                  busy={updating.isPending || resetting.isPending}
                  onChange={(change) => run(updating, { id: u.id, ...change })}
                  onReset={() => run(resetting, u.id)}
                />
              ))}
            </tbody>
          </table>
        </div>
      </section>
    </div>
  );
}

function UserRow({
  user,
  isMe,
  accounts,
  roles,
  busy,
  onChange,
  onReset,
}: {
  user: AdminUser;
  isMe: boolean;
  accounts: ReturnType<typeof useAccountNames>;
  roles: readonly Role[];
  busy: boolean;
  onChange: (change: { role?: Role; accounts?: string[]; disabled?: boolean }) => void;
  onReset: () => void;
}) {
  const roleId = useId();
  const [chosen, setChosen] = useState<string[]>(user.accounts);
  return (
    <tr>
      <th scope="row">{user.email}</th>
      <td>
        <label htmlFor={roleId} className="visually-hidden">
          Role of {user.email}
        </label>
        <select
          id={roleId}
          value={user.role}
          disabled={busy || isMe}
          onChange={(e) => onChange({ role: e.target.value as Role })}
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {POLICY[r].label}
            </option>
          ))}
        </select>
      </td>
      <td>
        {user.role === 'account_user' ? (
          <>
            <span>
              {user.accounts.length ? (
                user.accounts.map(accounts.nameOf).join(', ')
              ) : (
                <span className="muted">none yet</span>
              )}
            </span>
            <details className="account-editor">
              <summary>Change accounts</summary>
              <form
                onSubmit={(e) => {
                  e.preventDefault();
                  onChange({ accounts: chosen });
                }}
              >
                <AccountPicker
                  legend={`Accounts of ${user.email}`}
                  accounts={accounts.list}
                  chosen={chosen}
                  onChange={setChosen}
                />
                <button type="submit" className="button-secondary" disabled={busy}>
                  Save accounts
                </button>
              </form>
            </details>
          </>
        ) : (
          <span className="muted">{user.role === 'platform_admin' ? 'all' : 'by lookup'}</span>
        )}
      </td>
      <td>
        {user.secondFactor.length ? user.secondFactor.join(', ') : 'none'}{' '}
        {user.secondFactor.length > 0 && (
          <button
            type="button"
            className="link-button"
            disabled={busy}
            onClick={onReset}
            aria-label={`Reset the second factor of ${user.email}`}
          >
            Reset
          </button>
        )}
      </td>
      <td>{user.disabled ? 'Disabled' : user.invited ? 'Invited' : 'Active'}</td>
      <td>
        {/* Signing yourself out of the dashboard for good is never what was meant here. */}
        {isMe ? (
          <span className="muted small">You</span>
        ) : (
          <button
            type="button"
            className="button-secondary"
            disabled={busy}
            onClick={() => onChange({ disabled: !user.disabled })}
            aria-label={`${user.disabled ? 'Enable' : 'Disable'} ${user.email}`}
          >
            {user.disabled ? 'Enable' : 'Disable'}
          </button>
        )}
      </td>
    </tr>
  );
}

function InviteForm({
  roles,
  accounts,
  busy,
  onInvite,
}: {
  roles: readonly Role[];
  accounts: { id: string; name: string }[];
  busy: boolean;
  onInvite: (body: { email: string; role: Role; accounts?: string[] }) => void;
}) {
  const ids = { email: useId(), role: useId() };
  const [email, setEmail] = useState('');
  const [role, setRole] = useState<Role>('account_user');
  const [chosen, setChosen] = useState<string[]>([]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    onInvite({ email: email.trim(), role, ...(role === 'account_user' && chosen.length ? { accounts: chosen } : {}) });
  };
  return (
    <form className="invite-form panel" onSubmit={submit} aria-label="Invite a user">
      <h2>Invite a user</h2>
      <div className="field">
        <label htmlFor={ids.email}>Email</label>
        <input id={ids.email} type="email" required value={email} onChange={(e) => setEmail(e.target.value)} />
      </div>
      <div className="field">
        <label htmlFor={ids.role}>Role</label>
        <select id={ids.role} value={role} onChange={(e) => setRole(e.target.value as Role)}>
          {roles.map((r) => (
            <option key={r} value={r}>
              {POLICY[r].label}
            </option>
          ))}
        </select>
      </div>
      {role === 'account_user' && (
        <AccountPicker legend="Connected accounts" accounts={accounts} chosen={chosen} onChange={setChosen} />
      )}
      <button type="submit" disabled={busy || !email.trim()}>
        {busy ? 'Inviting…' : 'Invite'}
      </button>
    </form>
  );
}

/** The platform's connected accounts by name, each a checkbox: memberships are picked, not typed. */
function AccountPicker({
  legend,
  accounts,
  chosen,
  onChange,
}: {
  legend: string;
  accounts: { id: string; name: string }[];
  chosen: string[];
  onChange: (ids: string[]) => void;
}) {
  return (
    <fieldset className="account-picker">
      <legend>{legend}</legend>
      {accounts.length === 0 && <p className="muted small">No connected accounts to choose from yet.</p>}
      {accounts.map((account) => (
        <label key={account.id} className="checkbox">
          <input
            type="checkbox"
            checked={chosen.includes(account.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...chosen, account.id] : chosen.filter((id) => id !== account.id))
            }
          />{' '}
          {account.name} <span className="muted small">{account.id}</span>
        </label>
      ))}
    </fieldset>
  );
}
