import { useId, useRef, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import type { InvitationDetails } from '@shared/enrolment.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { ErrorMessage, Loading } from '../../components/status.tsx';
import { meQueryOptions } from '../../lib/me.ts';
import { acceptInvitation } from '../../features/users/api/users.ts';
import { useInvitation } from '../../features/users/api/invitation-lookup.ts';
import { InvitationFacts } from '../../features/users/components/invitation-facts.tsx';
import { ApiError, errorMessage } from '../../lib/api-client.ts';
import { paths } from '../../lib/paths.ts';

/**
 * The page an invitation link opens: the token is in the URL's fragment (never sent to the
 * server with the page, nor in a Referer). Before anything is typed the page says what the link
 * is for and the password rule (the server's, shared/password-rule.ts, as the server sends it);
 * the invited user then chooses a password and is signed in.
 */
export default function InvitePage() {
  usePageTitle('Accept your invitation');
  const ids = { password: useId(), confirm: useId(), rule: useId(), passwordError: useId(), confirmError: useId() };
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [token] = useState(() => window.location.hash.slice(1));
  const invitation = useInvitation(token);
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [errors, setErrors] = useState<{ password?: string; confirm?: string; form?: string }>({});
  const [busy, setBusy] = useState(false);
  const passwordRef = useRef<HTMLInputElement>(null);
  const confirmRef = useRef<HTMLInputElement>(null);

  async function submit(event: FormEvent, rule: InvitationDetails['passwordRule']) {
    event.preventDefault();
    if (password.length < rule.minLength) {
      setErrors({ password: `The password is too short: at least ${rule.minLength} characters.` });
      return passwordRef.current?.focus();
    }
    if (password.length > rule.maxLength) {
      setErrors({ password: `The password is too long: at most ${rule.maxLength} characters.` });
      return passwordRef.current?.focus();
    }
    if (password !== confirm) {
      setErrors({ confirm: 'The two passwords differ: type the same password twice.' });
      return confirmRef.current?.focus();
    }
    setBusy(true);
    setErrors({});
    try {
      const result = await acceptInvitation({ token, password });
      queryClient.removeQueries();
      await queryClient.prefetchQuery(meQueryOptions());
      // Out of the address bar and history: the link is spent.
      window.history.replaceState(null, '', paths.invite.href());
      await navigate(
        'user' in result && result.secondFactorEnrollmentRequired ? paths.security.href() : paths.home.href(),
        { replace: true },
      );
    } catch (e) {
      if (e instanceof ApiError && e.field === 'password') {
        setErrors({ password: errorMessage(e) });
        passwordRef.current?.focus();
      } else setErrors({ form: errorMessage(e) });
    } finally {
      setBusy(false);
    }
  }

  let body;
  if (!token) {
    body = (
      <p className="form-error" role="alert">
        This page needs the whole invitation link. Open the link you were sent.
      </p>
    );
  } else if (invitation.isPending) {
    body = <Loading label="Checking your invitation…" />;
  } else if (invitation.isError) {
    const refused = invitation.error instanceof ApiError && invitation.error.status < 500;
    body = refused ? (
      <p className="form-error" role="alert">
        {errorMessage(invitation.error)}
      </p>
    ) : (
      <ErrorMessage
        error={invitation.error}
        title="Your invitation could not be checked"
        onRetry={() => void invitation.refetch()}
      />
    );
  } else {
    const rule = invitation.data.passwordRule;
    body = (
      <>
        <p>You have been invited to the cards dashboard. Choose a password to finish.</p>
        <InvitationFacts invitation={invitation.data} />
        <form className="login-form" onSubmit={(e) => void submit(e, rule)} noValidate>
          <div className="field">
            <label htmlFor={ids.password}>New password</label>
            <input
              id={ids.password}
              ref={passwordRef}
              type="password"
              autoComplete="new-password"
              value={password}
              aria-invalid={errors.password ? true : undefined}
              aria-describedby={[ids.rule, errors.password ? ids.passwordError : ''].filter(Boolean).join(' ')}
              onChange={(e) => setPassword(e.target.value)}
            />
            <p id={ids.rule} className="muted small">
              {rule.text}
            </p>
            {errors.password && (
              <p id={ids.passwordError} className="form-error">
                {errors.password}
              </p>
            )}
          </div>
          <div className="field">
            <label htmlFor={ids.confirm}>Confirm password</label>
            <input
              id={ids.confirm}
              ref={confirmRef}
              type="password"
              autoComplete="new-password"
              value={confirm}
              aria-invalid={errors.confirm ? true : undefined}
              aria-describedby={errors.confirm ? ids.confirmError : undefined}
              onChange={(e) => setConfirm(e.target.value)}
            />
            {errors.confirm && (
              <p id={ids.confirmError} className="form-error">
                {errors.confirm}
              </p>
            )}
          </div>
          {errors.form && (
            <p className="form-error" role="alert">
              {errors.form}
            </p>
          )}
          <button type="submit" disabled={busy}>
            {busy ? 'Setting up…' : 'Set password and sign in'}
          </button>
        </form>
      </>
    );
  }

  return (
    <main id="main" className="login-page">
      <div className="login-card">
        <h1>Accept your invitation</h1>
        {body}
      </div>
    </main>
  );
}
