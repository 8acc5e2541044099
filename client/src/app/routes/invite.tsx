import { useId, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import { useNavigate } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { meQueryOptions } from '../../lib/me.ts';
import { acceptInvitation } from '../../features/users/api/users.ts';
import { errorMessage } from '../../lib/api-client.ts';
import { paths } from '../../lib/paths.ts';

/**
 * The page an invitation link opens: the token is in the URL's fragment (never sent to the
 * server with the page, nor in a Referer); the invited user chooses a password and is signed in.
 */
export default function InvitePage() {
  usePageTitle('Accept your invitation');
  const ids = { password: useId(), confirm: useId() };
  const navigate = useNavigate();
  const queryClient = useQueryClient();
  const [token] = useState(() => window.location.hash.slice(1));
  const [password, setPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  async function submit(event: FormEvent) {
    event.preventDefault();
    if (password.length < 10) return setError('Choose a password of at least 10 characters.');
    if (password !== confirm) return setError('The two passwords differ.');
    setBusy(true);
    setError(null);
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
      setError(errorMessage(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <main id="main" className="login-page">
      <div className="login-card">
        <h1>Accept your invitation</h1>
        {!token ? (
          <p className="form-error" role="alert">
            This page needs the whole invitation link. Open the link you were sent.
          </p>
        ) : (
          <form className="login-form" onSubmit={(e) => void submit(e)} noValidate>
            <div className="field">
              <label htmlFor={ids.password}>New password</label>
              <input
                id={ids.password}
                type="password"
                autoComplete="new-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
              />
            </div>
            <div className="field">
              <label htmlFor={ids.confirm}>Confirm password</label>
              <input
                id={ids.confirm}
                type="password"
                autoComplete="new-password"
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
              />
            </div>
            {error && (
              <p className="form-error" role="alert">
                {error}
              </p>
            )}
            <button type="submit" disabled={busy}>
              {busy ? 'Setting up…' : 'Set password and sign in'}
            </button>
          </form>
        )}
      </div>
    </main>
  );
}
