import { ConnectComponentsProvider } from '@stripe/react-connect-js';
import type { ReactNode } from 'react';
import { ErrorMessage, Loading } from '../../../components/status.tsx';
import { useConfig } from '../api/get-config.ts';
import { connectInstanceFor } from '../lib/connect-instance.ts';

/**
 * Provides the Connect.js instance of one connected account to the embedded components inside.
 * Keyed by account so that components never outlive the instance they were created with.
 */
export function ConnectAccountProvider({ account, children }: { account: string; children: ReactNode }) {
  const config = useConfig();
  if (config.isPending) return <Loading label="Loading Stripe…" />;
  if (config.isError) {
    return <ErrorMessage error={config.error} title="Stripe is not available" onRetry={() => void config.refetch()} />;
  }
  const instance = connectInstanceFor(account, config.data.publishableKey);
  return (
    <ConnectComponentsProvider key={account} connectInstance={instance}>
      {children}
    </ConnectComponentsProvider>
  );
}
