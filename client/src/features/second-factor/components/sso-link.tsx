// The Security page's single sign-on section (decision 103): a user links their own account to
// an identity at the provider, signed in here (a fresh second-factor check, or the password typed
// again, first), then confirms the identity the provider answered with, here, in the same session
// (the browser that came back from the provider may not be the one that started the link).
// Single sign-on never links an account by a matching email.
import { useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { useSearchParams } from 'react-router';
import { ApiError, errorMessage } from '../../../lib/api-client.ts';
import { useConfig } from '../../../lib/config.ts';
import { securityQueryKey, useSecurity } from '../api/security.ts';
import { cancelSsoLink, confirmSsoLink, getPendingSsoLink, startSsoLink } from '../api/sso-link.ts';
import { useOwnerCheckDue } from '../../../components/step-up/step-up-due.ts';
import { PasswordPrompt } from './password-and-sessions.tsx';
import { StepUpPrompt } from '../../../components/step-up/step-up-prompt.tsx';

/** Why a link came back without being made (GET /api/oidc/callback's `sso_error` on /security). */
const LINK_ERRORS: Record<string, string> = {
  identity_in_use: 'That identity at your identity provider is linked to another user of this dashboard already.',
  link_expired: 'You were signed out before the identity provider answered. Sign in and start again.',
  provider_refused: 'The identity provider did not sign you in.',
  provider_unavailable: 'The identity provider cannot be reached right now. Try again in a moment.',
  sign_in_failed: 'Linking failed. Start again.',
};

export function SsoLink() {
  const config = useConfig();
  const security = useSecurity();
  const [params, setParams] = useSearchParams();
  const queryClient = useQueryClient();
  const [ask, setAsk] = useState<'step-up' | 'password' | null>(null);
  // The provider's answer, waiting for this user's confirmation (GET /api/oidc/link/:id).
  const confirmId = params.get('confirm_link');
  const pending = useQuery({
    queryKey: ['sso-link', confirmId],
    queryFn: ({ signal }) => getPendingSsoLink(confirmId!, signal),
    enabled: confirmId !== null && config.data?.signIn.sso === true,
    retry: false,
  });
  const confirm = useMutation({
    mutationFn: confirmSsoLink,
    onSuccess: async () => {
      await queryClient.invalidateQueries({ queryKey: securityQueryKey });
      setParams({ sso_linked: '1' }, { replace: true });
    },
  });
  const cancel = useMutation({ mutationFn: cancelSsoLink, onSettled: () => setParams({}, { replace: true }) });
  const ownerCheckDue = useOwnerCheckDue();
  const start = useMutation({
    mutationFn: startSsoLink,
    // Off to the provider; it sends the browser back to this page.
    onSuccess: ({ url }) => window.location.assign(url),
    onError: (error) => {
      if (error instanceof ApiError && error.code === 'step_up_required') setAsk('step-up');
      else if (error instanceof ApiError && error.code === 'reauthentication_required') setAsk('password');
    },
  });
  if (!config.data?.signIn.sso) return null;
  const linked = security.data?.ssoLinked === true;
  const linkError = params.get('sso_error');
  const again = () => {
    setAsk(null);
    start.mutate();
  };
  // Known due from /api/me: the check first, not a request the server would refuse (403).
  const link = () => {
    const due = ownerCheckDue();
    if (due) return setAsk(due);
    start.mutate();
  };
  const shownError =
    start.isError &&
    !(start.error instanceof ApiError && ['step_up_required', 'reauthentication_required'].includes(start.error.code));

  return (
    <section aria-labelledby="sso-heading">
      <h2 id="sso-heading">Single sign-on</h2>
      {params.get('sso_linked') === '1' && (
        <p className="status status-empty" role="status">
          Single sign-on linked: you can now sign in with your organisation’s identity provider.
        </p>
      )}
      {linkError && (
        <p className="form-error" role="alert">
          Single sign-on was not linked. {LINK_ERRORS[linkError] ?? LINK_ERRORS.sign_in_failed}
        </p>
      )}
      {confirmId && (
        <div className="step-up-panel" role="group" aria-labelledby="sso-confirm-heading">
          <h3 id="sso-confirm-heading">Confirm the link</h3>
          {pending.isPending && <p className="muted">Loading…</p>}
          {pending.isError && (
            <p className="form-error" role="alert">
              {errorMessage(pending.error)}
            </p>
          )}
          {pending.data && (
            <>
              <p>
                Link the {pending.data.issuer} identity
                {pending.data.email ? (
                  <>
                    {' '}
                    <strong>{pending.data.email}</strong>
                  </>
                ) : null}{' '}
                to your account? From then on, that identity signs in as you.
              </p>
              {confirm.isError && (
                <p className="form-error" role="alert">
                  {errorMessage(confirm.error)}
                </p>
              )}
              <button
                type="button"
                disabled={confirm.isPending || cancel.isPending}
                onClick={() => confirm.mutate(confirmId)}
              >
                {confirm.isPending ? 'Linking…' : 'Confirm link'}
              </button>{' '}
              <button
                type="button"
                className="link-button"
                disabled={confirm.isPending || cancel.isPending}
                onClick={() => cancel.mutate(confirmId)}
              >
                Don’t link
              </button>
            </>
          )}
        </div>
      )}
      {shownError && (
        <p className="form-error" role="alert">
          {errorMessage(start.error)}
        </p>
      )}
      {ask === 'step-up' && (
        <StepUpPrompt
          action="link single sign-on"
          intro="Linking single sign-on needs a fresh check."
          onVerified={again}
          onCancel={() => setAsk(null)}
        />
      )}
      {ask === 'password' && (
        <PasswordPrompt
          intro="Linking single sign-on needs your password."
          onVerified={again}
          onCancel={() => setAsk(null)}
        />
      )}
      <p className="muted">
        {linked
          ? 'Your account is linked to an identity at your organisation’s identity provider. Linking again replaces it.'
          : 'Link your account to your identity at your organisation’s identity provider, then sign in with single sign-on.'}
      </p>
      <button type="button" disabled={start.isPending} onClick={link}>
        {start.isPending
          ? 'Going to your identity provider…'
          : linked
            ? 'Link single sign-on again'
            : 'Link single sign-on'}
      </button>
    </section>
  );
}
