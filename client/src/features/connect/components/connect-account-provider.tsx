import { ConnectComponentsProvider } from '@stripe/react-connect-js';
import { useQuery } from '@tanstack/react-query';
import { useEffect, useState, type ReactNode } from 'react';
import { ErrorMessage, Loading } from '../../../components/status.tsx';
import { useConfig } from '../../../lib/config.ts';
import { connectInstanceFor, connectJsReady, endConnectSession, onSessionError } from '../lib/connect-instance.ts';

/**
 * Provides the Connect.js instance of one connected account to the embedded components inside,
 * once Stripe's script and the app's config are there; says so plainly when either fails or
 * the app server refuses a session for the account.
 */
export function ConnectAccountProvider({ account, children }: { account: string; children: ReactNode }) {
  const config = useConfig();
  const script = useQuery({
    queryKey: ['connect-js'],
    // React Query needs a value; `true` = the script is there.
    queryFn: () => connectJsReady().then(() => true),
    staleTime: Infinity,
    retry: false,
  });
  // Bumped by "Try again" to start over with a new instance and session.
  const [attempt, setAttempt] = useState(0);

  if (config.isPending || script.isPending) return <Loading label="Loading Stripe…" />;
  if (config.isError) {
    return <ErrorMessage error={config.error} title="Stripe is not available" onRetry={() => void config.refetch()} />;
  }
  if (script.isError) {
    return (
      <ErrorMessage
        error={script.error}
        title="Stripe’s card components are not available"
        onRetry={() => void script.refetch()}
      />
    );
  }
  return (
    <AccountInstance
      key={`${account}#${attempt}`}
      account={account}
      publishableKey={config.data.publishableKey}
      onRetry={() => {
        endConnectSession();
        setAttempt((n) => n + 1);
      }}
    >
      {children}
    </AccountInstance>
  );
}

function AccountInstance({
  account,
  publishableKey,
  onRetry,
  children,
}: {
  account: string;
  publishableKey: string;
  onRetry: () => void;
  children: ReactNode;
}) {
  // Held in state: a later re-render (a navigation away, after sign-out ended the session) must
  // not start a new session. A new account or a retry remounts this component (see key).
  const [instance] = useState(() => connectInstanceFor(account, publishableKey));
  const [sessionError, setSessionError] = useState<unknown>();
  useEffect(() => onSessionError(instance, setSessionError), [instance]);

  if (sessionError !== undefined) {
    return <ErrorMessage error={sessionError} title="Could not open this account’s cards" onRetry={onRetry} />;
  }
  return <ConnectComponentsProvider connectInstance={instance}>{children}</ConnectComponentsProvider>;
}
