// One Connect.js instance per connected account: an Account Session belongs to one account, so
// switching accounts means a new instance (and the old one is logged out, which ends its
// session at Stripe). Kept outside React so that re-renders and StrictMode's double effects
// never create a second instance for the same account.
// The pure entry loads Connect.js on first use, not on import (the layout imports this file).
import { loadConnectAndInitialize, type StripeConnectInstance } from '@stripe/connect-js/pure.js';
import { connectAppearanceVariables } from '../../../app/appearance.ts';
import { fetchClientSecret } from '../api/create-account-session.ts';

let current: { account: string; publishableKey: string; instance: StripeConnectInstance } | undefined;

export function connectInstanceFor(account: string, publishableKey: string): StripeConnectInstance {
  if (current && current.account === account && current.publishableKey === publishableKey) return current.instance;
  endConnectSession();
  const instance = loadConnectAndInitialize({
    publishableKey,
    fetchClientSecret: () => fetchClientSecret(account),
    appearance: { overlays: 'dialog', variables: connectAppearanceVariables },
  });
  current = { account, publishableKey, instance };
  return instance;
}

/** Ends the current account's embedded session (on sign-out or when switching accounts). */
export function endConnectSession(): void {
  const previous = current;
  current = undefined;
  // A session that never started has nothing to end; logout() then rejects, harmlessly.
  previous?.instance.logout().catch(() => undefined);
}
