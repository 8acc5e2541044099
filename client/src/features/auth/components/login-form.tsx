import { useId, useState, type FormEvent } from 'react';
import { useQueryClient } from '@tanstack/react-query';
import type { SecondFactorMethodName } from '@shared/api.ts';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { SecondFactorCheck } from '../../../components/step-up/second-factor-check.tsx';
import { meQueryOptions } from '../../../lib/me.ts';
import { useLogin } from '../api/login.ts';
import { logout } from '../api/logout.ts';

export interface DemoUser {
  email: string;
  role: string;
}

/** Email and password sign-in; the server's message is shown as is (one message for both). */
export function LoginForm({
  onSuccess,
  demoUsers,
  demoPassword,
}: {
  onSuccess: () => void;
  demoUsers?: readonly DemoUser[];
  demoPassword?: string;
}) {
  const emailId = useId();
  const passwordId = useId();
  const errorId = useId();
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  // Set once the password was right and the account has a second factor: the second step.
  const [methods, setMethods] = useState<readonly SecondFactorMethodName[] | null>(null);
  const queryClient = useQueryClient();
  const signIn = useLogin({
    onSuccess,
    onSecondFactor: (m) => {
      setPassword('');
      setMethods(m);
    },
  });

  if (methods) {
    return (
      <div className="login-form">
        <h2>Second step</h2>
        <SecondFactorCheck
          methods={methods}
          intro={`Signing in as ${email.trim()}. Confirm it is you.`}
          onVerified={async () => {
            await queryClient.prefetchQuery(meQueryOptions());
            onSuccess();
          }}
          onCancel={() => {
            // Ends the half-signed-in session; back to the password.
            void logout().catch(() => undefined);
            signIn.reset();
            setMethods(null);
          }}
        />
      </div>
    );
  }

  function submit(event: FormEvent) {
    event.preventDefault();
    signIn.mutate({ email: email.trim(), password });
  }

  const error = signIn.error;
  const field = error instanceof ApiError ? error.field : undefined;
  return (
    <form className="login-form" onSubmit={submit} noValidate aria-describedby={error ? errorId : undefined}>
      <div className="field">
        <label htmlFor={emailId}>Email</label>
        <input
          id={emailId}
          type="email"
          name="email"
          autoComplete="username"
          required
          autoFocus
          value={email}
          aria-invalid={field === 'email' || undefined}
          onChange={(event) => setEmail(event.target.value)}
        />
      </div>
      <div className="field">
        <label htmlFor={passwordId}>Password</label>
        <input
          id={passwordId}
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          aria-invalid={field === 'password' || undefined}
          onChange={(event) => setPassword(event.target.value)}
        />
      </div>
      {error && (
        <p id={errorId} className="form-error" role="alert">
          {errorMessage(error)}
        </p>
      )}
      <button type="submit" disabled={signIn.isPending}>
        {signIn.isPending ? 'Signing in…' : 'Sign in'}
      </button>
      {demoUsers && demoUsers.length > 0 && (
        <aside className="demo-hint" aria-label="Demo accounts">
          <p>
            Demo mode. Sign in as{' '}
            {demoUsers.map((user, index) => (
              <span key={user.email}>
                {index > 0 && (index === demoUsers.length - 1 ? ' or ' : ', ')}
                <button
                  type="button"
                  className="link-button"
                  onClick={() => {
                    setEmail(user.email);
                    if (demoPassword) setPassword(demoPassword);
                  }}
                >
                  {user.email}
                </button>{' '}
                <span className="muted">({user.role})</span>
              </span>
            ))}
            {demoPassword && (
              <>
                , password <code>{demoPassword}</code>
              </>
            )}
            .
          </p>
        </aside>
      )}
    </form>
  );
}
