// The Security page's password and sessions (issue 17, item 11; decision 142): the password
// typed again before an enrolment, a password change, and signing out
// every other browser. A change of password or factor ends the other sessions on the server.
import { useId, useState, type FormEvent } from 'react';
import { PASSWORD_RULE_TEXT, passwordProblem } from '@shared/password-rule.ts';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { changePassword, reauthenticate, signOutEverywhere, useSecurityChange } from '../api/security.ts';
import { useStepUpDue } from '../../../components/step-up/step-up-due.ts';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';

const ended = (n: number) =>
  n === 0 ? 'No other session was signed in.' : `${n} other session${n === 1 ? ' was' : 's were'} signed out.`;

/**
 * Asked in place before an enrolment or a link when /api/me's `passwordFreshUntil` has run out (or
 * when the server answers 403 `reauthentication_required` all the same); then the change goes on.
 * Passing refreshes /api/me (useSecurityChange), so the next change is not asked again.
 */
export function PasswordPrompt({
  intro,
  onVerified,
  onCancel,
}: {
  intro: string;
  onVerified: () => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [password, setPassword] = useState('');
  const check = useSecurityChange(reauthenticate);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    check.mutate(password, { onSuccess: onVerified });
  };
  return (
    <section className="step-up-panel" aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Confirm it is you</h2>
      <form onSubmit={submit} noValidate aria-label="Confirm your password">
        <p>{intro}</p>
        <div className="field">
          <label htmlFor={`${id}-password`}>Your password</label>
          <input
            id={`${id}-password`}
            type="password"
            autoComplete="current-password"
            // The prompt appears because the user just asked for a change: the field is where they type next.
            autoFocus
            value={password}
            onChange={(e) => setPassword(e.target.value)}
            aria-invalid={check.isError || undefined}
            aria-describedby={check.isError ? `${id}-error` : undefined}
            required
          />
        </div>
        {check.isError && (
          <p id={`${id}-error`} className="form-error" role="alert">
            {errorMessage(check.error)}
          </p>
        )}
        <button type="submit" disabled={check.isPending || password === ''}>
          {check.isPending ? 'Checking…' : 'Confirm password'}
        </button>{' '}
        <button type="button" className="link-button" onClick={onCancel}>
          Cancel
        </button>
      </form>
    </section>
  );
}

/**
 * The password change: the current password, and with a second factor a fresh check of it too
 * (the server's requireOwnerCheck), asked before sending when /api/me says it is stale, or when
 * the server answers 403 `step_up_required` all the same; then the change goes on.
 */
export function ChangePasswordForm() {
  const id = useId();
  const [current, setCurrent] = useState('');
  const [next, setNext] = useState('');
  const [again, setAgain] = useState('');
  const [local, setLocal] = useState<{ field: string; message: string } | null>(null);
  const [done, setDone] = useState<string | null>(null);
  const change = useSecurityChange(changePassword);
  // Same freshness as a change of factors: only due when the user has one.
  const stepUpDue = useStepUpDue('changeFactors');
  const [stepUp, setStepUp] = useState<(() => void) | null>(null);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    setDone(null);
    change.reset();
    // The same rule as the server's (shared/password-rule.ts), said before sending.
    const problem = passwordProblem(next);
    if (problem) return setLocal({ field: 'new_password', message: problem });
    if (next !== again) return setLocal({ field: 'confirm', message: 'The two new passwords differ.' });
    setLocal(null);
    const send = () =>
      change.mutate(
        { current_password: current, new_password: next },
        {
          onSuccess: (r) => {
            setCurrent('');
            setNext('');
            setAgain('');
            setDone(`Password changed. ${ended(r.otherSessionsEnded)}`);
          },
          onError: (error) => {
            if (error instanceof ApiError && error.code === 'step_up_required') {
              change.reset();
              setStepUp(() => send);
            }
          },
        },
      );
    if (stepUpDue()) return setStepUp(() => send);
    send();
  };
  const serverError = change.error instanceof ApiError ? change.error : null;
  const errorFor = (field: string) =>
    local?.field === field ? local.message : serverError?.field === field ? serverError.message : null;
  const general = change.isError && !serverError?.field ? errorMessage(change.error) : null;
  const field = (
    name: string,
    label: string,
    value: string,
    set: (v: string) => void,
    autoComplete: string,
    hint?: string,
  ) => {
    const error = errorFor(name);
    const describedBy =
      [hint ? `${id}-${name}-hint` : '', error ? `${id}-${name}-error` : ''].filter(Boolean).join(' ') || undefined;
    return (
      <div className="field">
        <label htmlFor={`${id}-${name}`}>{label}</label>
        <input
          id={`${id}-${name}`}
          type="password"
          autoComplete={autoComplete}
          value={value}
          onChange={(e) => set(e.target.value)}
          aria-invalid={error ? true : undefined}
          aria-describedby={describedBy}
          required
        />
        {hint && (
          <p id={`${id}-${name}-hint`} className="muted">
            {hint}
          </p>
        )}
        {error && (
          <p id={`${id}-${name}-error`} className="form-error" role="alert">
            {error}
          </p>
        )}
      </div>
    );
  };

  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Password</h2>
      {stepUp && (
        <StepUpPrompt
          action="change your password"
          intro="Changing your password needs a fresh check."
          onVerified={() => {
            const again = stepUp;
            setStepUp(null);
            again();
          }}
          onCancel={() => setStepUp(null)}
        />
      )}
      <form onSubmit={submit} noValidate aria-label="Change password">
        {field('current_password', 'Current password', current, setCurrent, 'current-password')}
        {field('new_password', 'New password', next, setNext, 'new-password', PASSWORD_RULE_TEXT)}
        {field('confirm', 'Confirm new password', again, setAgain, 'new-password')}
        {general && (
          <p className="form-error" role="alert">
            {general}
          </p>
        )}
        {done && (
          <p className="status status-empty" role="status">
            {done}
          </p>
        )}
        <button type="submit" disabled={change.isPending || current === '' || next === ''}>
          {change.isPending ? 'Changing…' : 'Change password'}
        </button>
        <p className="muted">Changing it signs out every other browser where you are signed in.</p>
      </form>
    </section>
  );
}

export function SignOutEverywhere() {
  const id = useId();
  const end = useSecurityChange(signOutEverywhere);
  return (
    <section aria-labelledby={`${id}-heading`}>
      <h2 id={`${id}-heading`}>Sign out everywhere else</h2>
      <p>Signed in on a computer you no longer use, or think someone else is? End every session but this one.</p>
      {/* Not "Sign out …": the header's "Sign out" button stays the only one of that name. */}
      <button type="button" className="button-secondary" disabled={end.isPending} onClick={() => end.mutate(undefined)}>
        {end.isPending ? 'Ending the other sessions…' : 'End all other sessions'}
      </button>
      {end.isSuccess && (
        <p className="status status-empty" role="status">
          {ended(end.data.otherSessionsEnded)}
        </p>
      )}
      {end.isError && (
        <p className="form-error" role="alert">
          {errorMessage(end.error)}
        </p>
      )}
    </section>
  );
}
