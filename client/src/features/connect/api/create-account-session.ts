import { api } from '../../../lib/api-client.ts';
import type { AccountSessionResponse } from '@shared/api.ts';

// Not a query: an Account Session's client secret is single-use and short-lived, and Connect.js
// asks for a new one itself whenever it needs one (docs.stripe.com/api/account_sessions).
export function createAccountSession(account: string): Promise<AccountSessionResponse> {
  return api.post<AccountSessionResponse>('/api/account-sessions', { account });
}

export async function fetchClientSecret(account: string): Promise<string> {
  const session = await createAccountSession(account);
  return session.client_secret;
}
