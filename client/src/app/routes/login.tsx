import { useNavigate, useSearchParams } from 'react-router';
import { usePageTitle } from '../../components/page-title.ts';
import { LoginForm } from '../../features/auth/components/login-form.tsx';
import { useConfig } from '../../features/connect/api/get-config.ts';
import { safeRedirectTarget } from '../paths.ts';

// The seeded demo users (docs/architecture.md, "Demo data"); offered only in emulator mode,
// where they exist.
const DEMO_USERS = [
  { email: 'admin@example.com', role: 'platform admin' },
  { email: 'account@example.com', role: 'account user' },
  { email: 'support@example.com', role: 'support agent' },
] as const;
const DEMO_PASSWORD = 'demo1234';

export default function LoginPage() {
  usePageTitle('Sign in');
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const config = useConfig();
  const demo = config.data?.mode === 'emulator';

  return (
    <main id="main" className="login-page">
      <div className="login-card">
        <h1>Sign in</h1>
        <p className="muted">Issuing dashboard for the platform’s connected accounts.</p>
        <LoginForm
          onSuccess={() => void navigate(safeRedirectTarget(params.get('redirectTo')), { replace: true })}
          demoUsers={demo ? DEMO_USERS : undefined}
          demoPassword={demo ? DEMO_PASSWORD : undefined}
        />
      </div>
    </main>
  );
}
