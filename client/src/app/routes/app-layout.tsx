import { useEffect, useId, useRef, useState, type KeyboardEvent } from 'react';
import { Link, Navigate, NavLink, Outlet, useLocation, useNavigate } from 'react-router';
import { Loading, ErrorMessage } from '../../components/status.tsx';
import { useMe } from '../../lib/me.ts';
import { useSession } from '../../features/auth/api/get-session.ts';
import { useLogout } from '../../features/auth/api/logout.ts';
import { endConnectSession } from '../../features/connect/lib/connect-instance.ts';
import { FreshnessBanner } from '../../features/mirror/components/freshness-banner.tsx';
import { ApiError, errorMessage } from '../../lib/api-client.ts';
import type { MeResponse } from '@shared/api.ts';
import { navItems, roleLabel } from '../nav.ts';
import { paths } from '../../lib/paths.ts';

/**
 * Every signed-in page: the header (who, navigation, sign out) around the page's content. Asks
 * whether anyone is signed in first (200 either way), so that a signed-out visitor goes to the
 * sign-in page without a refused /api/me.
 */
export default function AppLayout() {
  const session = useSession();
  const location = useLocation();
  const toLogin = <Navigate to={paths.login.href(location.pathname + location.search)} replace />;

  if (session.isPending) return <Loading label="Loading your dashboard…" />;
  if (session.isError) {
    return (
      <main className="page-error">
        <ErrorMessage
          error={session.error}
          title="The dashboard could not start"
          onRetry={() => void session.refetch()}
        />
      </main>
    );
  }
  // Signed out, or a sign-in whose second step was left unfinished: start at the sign-in page.
  if (!session.data.signedIn || session.data.secondFactorRequired) return toLogin;
  return <SignedInLayout />;
}

function SignedInLayout() {
  const me = useMe();
  const location = useLocation();

  if (me.isPending) return <Loading label="Loading your dashboard…" />;
  if (me.isError) {
    if (me.error instanceof ApiError && me.error.status === 401) {
      return <Navigate to={paths.login.href(location.pathname + location.search)} replace />;
    }
    return (
      <main className="page-error">
        <ErrorMessage error={me.error} title="The dashboard could not start" onRetry={() => void me.refetch()} />
      </main>
    );
  }
  // A sign-in whose second step was left unfinished starts again at the sign-in page; a role
  // that must have a second factor enrols one before anything else.
  if (me.data.secondFactor.pending === 'sign-in')
    return <Navigate to={paths.login.href(location.pathname + location.search)} replace />;
  if (me.data.secondFactor.pending === 'enrolment' && location.pathname !== paths.security.path) {
    return <Navigate to={paths.security.href()} replace />;
  }

  return (
    <>
      <FocusOnNavigation pathname={location.pathname} />
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <Header me={me.data} />
      {/* How old the page's data is, when old, and whether Stripe answers (decision 152). */}
      <FreshnessBanner />
      <main id="main" className="page" tabIndex={-1}>
        <Outlet />
      </main>
    </>
  );
}

/**
 * After moving to another page, put keyboard and screen reader focus at the start of the new
 * content (as a full page load would), not on the link that was clicked in the old one.
 */
function FocusOnNavigation({ pathname }: { pathname: string }) {
  const previous = useRef(pathname);
  useEffect(() => {
    if (previous.current === pathname) return;
    previous.current = pathname;
    document.getElementById('main')?.focus({ preventScroll: false });
  }, [pathname]);
  return null;
}

function Header({ me }: { me: MeResponse }) {
  const navigate = useNavigate();
  const location = useLocation();
  const signOut = useLogout({
    onSuccess: async () => {
      await navigate(paths.login.href(), { replace: true });
      // After the embedded components have unmounted, so that they do not flash an error.
      endConnectSession();
    },
  });
  const items = navItems(me);
  const menuId = useId();
  const menuButton = useRef<HTMLButtonElement>(null);
  // On a phone the navigation and the session controls fold behind a menu button (a
  // disclosure), so that the header takes one line; on wider screens the button is not shown
  // and the menu always is (styles.css).
  const [menuOpen, setMenuOpen] = useState(false);
  // Following a link closes the menu (React's "adjust state when a prop changes" pattern).
  const [menuPath, setMenuPath] = useState(location.pathname);
  if (menuPath !== location.pathname) {
    setMenuPath(location.pathname);
    setMenuOpen(false);
  }

  function onMenuKeyDown(event: KeyboardEvent) {
    if (event.key !== 'Escape' || !menuOpen) return;
    setMenuOpen(false);
    menuButton.current?.focus();
  }

  return (
    <header className="app-header" onKeyDown={onMenuKeyDown}>
      <Link to={paths.home.href()} className="brand">
        Issuing dashboard
      </Link>
      <button
        type="button"
        ref={menuButton}
        className="button-secondary menu-button"
        aria-expanded={menuOpen}
        aria-controls={menuId}
        onClick={() => setMenuOpen(!menuOpen)}
      >
        <span aria-hidden="true">{menuOpen ? '✕' : '☰'}</span> Menu
      </button>
      <div id={menuId} className={menuOpen ? 'app-menu open' : 'app-menu'}>
        {items.length > 0 && (
          <nav aria-label="Main">
            <ul>
              {items.map((item) => (
                <li key={item.href}>
                  {/* A link to the page already shown does not navigate; it still closes the menu. */}
                  <NavLink to={item.href} onClick={() => setMenuOpen(false)}>
                    {item.label}
                  </NavLink>
                </li>
              ))}
            </ul>
          </nav>
        )}
        <div className="session">
          <span className="who">
            <span className="email">{me.user.email}</span> <span className="role">{roleLabel(me)}</span>
          </span>
          <NavLink to={paths.security.href()} onClick={() => setMenuOpen(false)}>
            Security
          </NavLink>
          <button
            type="button"
            className="button-secondary"
            disabled={signOut.isPending}
            onClick={() => signOut.mutate()}
          >
            Sign out
          </button>
          {signOut.isError && (
            <span className="form-error" role="alert">
              Could not sign out: {errorMessage(signOut.error)}
            </span>
          )}
        </div>
      </div>
    </header>
  );
}
