import { useEffect, useId, useRef, useState, type FormEvent } from 'react';
import type { AdminUser, InviteResponse } from '@shared/api.ts';
import { POLICY, ROLES, ROLE_RANK, type Role } from '@shared/policy.ts';
import { ErrorMessage, Loading } from '../../../components/status.tsx';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';
import { useStepUpDue } from '../../../components/step-up/step-up-due.ts';
import { inviteUser, resetSecondFactor, updateUser, useUserChange, useUsers } from '../api/users.ts';
import { CopyLinkButton } from './copy-link-button.tsx';
import { DisableDialog, RoleChangeDialog, roleWithArticle } from './user-change-dialogs.tsx';
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

/** A change waiting for its confirmation (decision 164): the user, and the role picked in their row. */
type Confirming = { kind: 'role'; user: AdminUser; role: Role } | { kind: 'disable'; user: AdminUser } | null;

/** A change sent to the server: what the step-up prompt names, and what is said once it is made. */
interface Change {
  /** The end of "Confirm it is you to …". */
  action: string;
  /** Announced (politely, and shown) once the server has made the change. */
  done?: string;
}

/**
 * The Users page for platform admins: invite (the one-time link is shown once, with a copy
 * button), change role and memberships, disable or enable, reset a second factor. A change of
 * role and disabling are confirmed first in a dialog that says who, from what to what and what it
 * means (decision 164). Every change needs a fresh second-factor check; when one is due it is
 * asked for here, naming the change, and the change is made once it passes. Each change made is
 * announced in a polite live region, and focus goes back to the control that started it.
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
  const [retry, setRetry] = useState<{ action: string; again: () => void } | null>(null);
  const [failure, setFailure] = useState<string | null>(null);
  const [invite, setInvite] = useState<InviteResponse | null>(null);
  const [confirming, setConfirming] = useState<Confirming>(null);
  const [news, setNews] = useState('');
  const inviteUrlRef = useRef<HTMLElement>(null);
  const grantable = ROLES.filter((r) => ROLE_RANK[r] <= ROLE_RANK[myRole]);

  // The control that started the change (a role list, a Disable button): focus returns there once
  // the dialog, the check and the request are over (it is disabled while the request runs).
  const opener = useRef<HTMLElement | null>(null);
  const [refocus, setRefocus] = useState(0);

  const stepUpDue = useStepUpDue('administerUsers');
  /** `checked`: a second-factor check has just passed, so the change goes out without asking again. */
  const run = <A, R>(
    mutation: { mutate: (a: A, o: { onSuccess?: (r: R) => void; onError: (e: unknown) => void }) => void },
    args: A,
    change: Change,
    onSuccess?: (r: R) => void,
    checked = false,
  ) => {
    setFailure(null);
    setNews('');
    const again = () => run(mutation, args, change, onSuccess, true);
    // Known stale from /api/me: the check first, not a request the server would refuse.
    if (!checked && stepUpDue()) return setRetry({ action: change.action, again });
    mutation.mutate(args, {
      onSuccess: (result) => {
        onSuccess?.(result);
        if (change.done) setNews(change.done);
        setRefocus((n) => n + 1);
      },
      onError: (error) => {
        if (error instanceof ApiError && error.code === 'step_up_required') setRetry({ action: change.action, again });
        else {
          setFailure(errorMessage(error));
          setRefocus((n) => n + 1);
        }
      },
    });
  };

  const inviting = useUserChange(inviteUser);
  const updating = useUserChange(updateUser);
  const resetting = useUserChange(resetSecondFactor);
  const busy = updating.isPending || resetting.isPending;

  useEffect(() => {
    if (refocus === 0 || busy || retry || confirming) return;
    const target = opener.current;
    if (target?.isConnected && !target.matches(':disabled')) target.focus();
  }, [refocus, busy, retry, confirming]);

  if (users.isPending) return <Loading label="Loading users…" />;
  if (users.isError)
    return (
      <ErrorMessage error={users.error} title="The users could not be loaded" onRetry={() => void users.refetch()} />
    );

  const changeRole = (user: AdminUser, role: Role) =>
    run(
      updating,
      { id: user.id, role },
      { action: `change the role of ${user.email}`, done: `${user.email} is now ${roleWithArticle(role)}.` },
    );
  const setDisabled = (user: AdminUser, disabled: boolean) =>
    run(
      updating,
      { id: user.id, disabled },
      disabled
        ? { action: `disable ${user.email}`, done: `${user.email} is disabled and signed out everywhere.` }
        : { action: `enable ${user.email}`, done: `${user.email} is enabled again and can sign in.` },
    );

  return (
    <div className="users-admin">
      {retry && (
        <StepUpPrompt
          action={retry.action}
          intro="Changing users needs a second-factor check within the last few minutes."
          onVerified={() => {
            const { again } = retry;
            setRetry(null);
            again();
          }}
          onCancel={() => {
            setRetry(null);
            setRefocus((n) => n + 1);
          }}
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
        onInvite={(body) => run(inviting, body, { action: `invite ${body.email}` }, setInvite)}
      />
      {invite && (
        <section className="invite-link" aria-label="Invitation link">
          <p>
            Send this link to <strong>{invite.user.email}</strong>. It works once, until{' '}
            {new Date(invite.expiresAt).toLocaleString()}, and is not shown again:
          </p>
          <p className="invite-url">
            <code data-testid="invite-url" ref={inviteUrlRef}>
              {invite.inviteUrl}
            </code>
          </p>
          <p>
            <CopyLinkButton text={invite.inviteUrl} target={inviteUrlRef} />
          </p>
          <button type="button" className="link-button" onClick={() => setInvite(null)}>
            Done
          </button>
        </section>
      )}
      <section className="panel" aria-labelledby="users-heading">
        <h2 id="users-heading">People with access</h2>
        {/* Present from the start, so that what is put in it is read out (politely). */}
        <div className="users-news" role="status" aria-live="polite">
          {news && <p className="form-success">{news}</p>}
        </div>
        <div className="table-scroll">
          <table className="table users stack-on-phone">
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
                  busy={busy}
                  onOpen={(control) => (opener.current = control)}
                  onRole={(role) => setConfirming({ kind: 'role', user: u, role })}
                  onDisable={() => setConfirming({ kind: 'disable', user: u })}
                  onEnable={() => setDisabled(u, false)}
                  onAccounts={(chosen) =>
                    run(
                      updating,
                      { id: u.id, accounts: chosen },
                      { action: `change the accounts of ${u.email}`, done: `The accounts of ${u.email} are saved.` },
                    )
                  }
                  onReset={() =>
                    run(resetting, u.id, {
                      action: `reset the second factor of ${u.email}`,
                      done: `The second factor of ${u.email} is reset: they set up a new one when they next sign in.`,
                    })
                  }
                />
              ))}
            </tbody>
          </table>
        </div>
      </section>
      {confirming?.kind === 'role' && (
        <RoleChangeDialog
          user={confirming.user}
          roles={grantable}
          initial={confirming.role}
          onConfirm={(role) => {
            setConfirming(null);
            changeRole(confirming.user, role);
          }}
          onCancel={() => setConfirming(null)}
        />
      )}
      {confirming?.kind === 'disable' && (
        <DisableDialog
          user={confirming.user}
          onConfirm={() => {
            setConfirming(null);
            setDisabled(confirming.user, true);
          }}
          onCancel={() => setConfirming(null)}
        />
      )}
    </div>
  );
}

function UserRow({
  user,
  isMe,
  accounts,
  roles,
  busy,
  onOpen,
  onRole,
  onDisable,
  onEnable,
  onAccounts,
  onReset,
}: {
  user: AdminUser;
  isMe: boolean;
  accounts: ReturnType<typeof useAccountNames>;
  roles: readonly Role[];
  busy: boolean;
  /** The control a change starts from, for focus to return to. */
  onOpen: (control: HTMLElement) => void;
  onRole: (role: Role) => void;
  onDisable: () => void;
  onEnable: () => void;
  onAccounts: (accounts: string[]) => void;
  onReset: () => void;
}) {
  const roleId = useId();
  const [chosen, setChosen] = useState<string[]>(user.accounts);
  return (
    <tr>
      <th scope="row" data-label="Email">
        {user.email}
      </th>
      <td data-label="Role">
        <label htmlFor={roleId} className="visually-hidden">
          Role of {user.email}
        </label>
        {/* The list shows the role the user has; a pick opens the confirmation, which makes the change. */}
        <select
          id={roleId}
          value={user.role}
          disabled={busy || isMe}
          onChange={(e) => {
            onOpen(e.currentTarget);
            onRole(e.target.value as Role);
          }}
        >
          {roles.map((r) => (
            <option key={r} value={r}>
              {POLICY[r].label}
            </option>
          ))}
        </select>
      </td>
      <td data-label="Accounts">
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
                  const submitter = e.nativeEvent.submitter;
                  if (submitter instanceof HTMLElement) onOpen(submitter);
                  onAccounts(chosen);
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
      <td data-label="Second factor">
        {user.secondFactor.length ? user.secondFactor.join(', ') : 'none'}{' '}
        {user.secondFactor.length > 0 && (
          <button
            type="button"
            className="link-button"
            disabled={busy}
            onClick={(e) => {
              onOpen(e.currentTarget);
              onReset();
            }}
            aria-label={`Reset the second factor of ${user.email}`}
          >
            Reset
          </button>
        )}
      </td>
      <td data-label="Status">{user.disabled ? 'Disabled' : user.invited ? 'Invited' : 'Active'}</td>
      <td data-label="Actions">
        {/* Signing yourself out of the dashboard for good is never what was meant here. */}
        {isMe ? (
          <span className="muted small">You</span>
        ) : (
          <button
            type="button"
            className="button-secondary"
            disabled={busy}
            onClick={(e) => {
              onOpen(e.currentTarget);
              if (user.disabled) onEnable();
              else onDisable();
            }}
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
