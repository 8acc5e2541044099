import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useNavigate, useSearchParams } from 'react-router';
import type { MeResponse } from '@shared/api.ts';
import { usePageTitle } from '../../components/page-title.ts';
import { meQueryOptions } from '../../lib/me.ts';
import { sessionQueryOptions } from '../../features/auth/api/get-session.ts';
import { LoginForm } from '../../features/auth/components/login-form.tsx';
import { SecondFactorCheck } from '../../components/step-up/second-factor-check.tsx';
import { apiRequest } from '../../lib/api-client.ts';
import { useConfig } from '../../lib/config.ts';
import { safeRedirectTarget } from '../../lib/paths.ts';

// The seeded demo users (docs/architecture.md, "Demo data"); offered only in emulator mode,
// where they exist.
const DEMO_USERS = [
  { email: 'admin@example.com', role: 'platform admin' },
  { email: 'account@example.com', role: 'account user' },
  { email: 'support@example.com', role: 'support agent' },
] as const;
const DEMO_PASSWORD = 'demo1234';

/** Why single sign-on sent the user back here (GET /api/oidc/callback's `sso_error`). */
const SSO_ERRORS: Record<string, string> = {
  account_not_linked:
    'A user with your email address exists in this dashboard, but is not linked to your identity provider. Sign in with your password, then link single sign-on from the Security page.',
  last_admin:
    'Your identity provider no longer makes you a platform admin, but you are the only one: make another admin first (or ask your administrator).',
  no_role:
    'Your identity provider signed you in, but gives you no role in this dashboard (no staff group and no connected account). Ask your administrator to grant one.',
  no_email: 'Your identity provider did not give a verified email address, which this dashboard needs.',
  disabled: 'Your account in this dashboard is disabled. Ask your administrator.',
  provider_unavailable: 'The identity provider cannot be reached right now. Try again in a moment.',
  provider_refused: 'The identity provider did not sign you in.',
  expired: 'The sign-in took too long. Start again.',
  state_mismatch: 'The sign-in was not started from this browser. Start again.',
  sign_in_failed: 'Single sign-on failed. Start again.',
};

export default function LoginPage() {
  usePageTitle('Sign in');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const config = useConfig();
  const queryClient = useQueryClient();
  const demo = config.data?.mode === 'emulator';
  const ssoError = params.get('sso_error');
  const passwordSignIn = config.data?.signIn.password ?? true;
  const goOn = () => void navigate(safeRedirectTarget(params.get('redirectTo')), { replace: true });
  // After single sign-on, a user with a second factor finishes signing in here (asked only
  // when the session says so: /api/me answers 401 to anyone else).
  const session = useQuery({ ...sessionQueryOptions(), enabled: params.get('second_factor') === '1' });
  const pending = useQuery({
    queryKey: ['sign-in-pending'],
    queryFn: () => apiRequest<MeResponse>('/api/me', { redirectOnUnauthorized: false }),
    enabled: session.data?.signedIn === true && session.data.secondFactorRequired,
    retry: false,
  });
  const pendingMethods = pending.data?.secondFactor.pending === 'sign-in' ? pending.data.secondFactor.enrolled : null;

  return (
    <main id="main" className="login-page">
      <div className="login-card">
        <h1>Sign in</h1>
        <p className="muted">Issuing dashboard for the platform’s connected accounts.</p>
        {ssoError && (
          <div className="status status-error" role="alert">
            <p>
              <strong>Single sign-on refused.</strong> {SSO_ERRORS[ssoError] ?? SSO_ERRORS.sign_in_failed}
            </p>
          </div>
        )}
        {pendingMethods ? (
          <SecondFactorCheck
            methods={pendingMethods}
            intro={`Signing in as ${pending.data!.user.email}. Confirm it is you.`}
            onVerified={async () => {
              queryClient.removeQueries();
              await queryClient.prefetchQuery(meQueryOptions());
              void navigate('/', { replace: true });
            }}
          />
        ) : (
          <>
            {config.data?.signIn.sso && (
              <p>
                <a className="button" href="/api/oidc/login">
                  Sign in with single sign-on
                </a>
              </p>
            )}
            {passwordSignIn && (
              <LoginForm
                onSuccess={goOn}
                demoUsers={demo ? DEMO_USERS : undefined}
                demoPassword={demo ? DEMO_PASSWORD : undefined}
              />
            )}
          </>
        )}
      </div>
    </main>
  );
}
