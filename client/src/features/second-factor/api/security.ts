// The Security page's endpoints: the user's own second factors (GET/POST /api/security…).
import { queryOptions, useMutation, useQuery, useQueryClient } from '@tanstack/react-query';
import { startRegistration, type PublicKeyCredentialCreationOptionsJSON } from '@simplewebauthn/browser';
import type {
  ChangePasswordBody,
  FactorAddedResponse,
  PasskeyOptionsResponse,
  PasskeyRegisterBody,
  ReauthenticateResponse,
  RecoveryCodesResponse,
  SecurityResponse,
  SessionsEndedResponse,
  TotpBeginResponse,
} from '@shared/api.ts';
import { api } from '../../../lib/api-client.ts';
import { meQueryKey } from '../../../lib/me.ts';

export const securityQueryKey = ['security'] as const;

export function securityQueryOptions() {
  return queryOptions({
    queryKey: securityQueryKey,
    queryFn: ({ signal }) => api.get<SecurityResponse>('/api/security', undefined, signal),
  });
}

export function useSecurity() {
  return useQuery(securityQueryOptions());
}

export const beginTotp = () => api.post<TotpBeginResponse>('/api/security/totp');
export const confirmTotp = (code: string) => api.post<FactorAddedResponse>('/api/security/totp/confirm', { code });

/** The browser creates a passkey for the server's challenge; the server verifies and keeps it. */
export async function registerPasskey(label: string): Promise<FactorAddedResponse> {
  const { options } = await api.post<PasskeyOptionsResponse>('/api/security/passkeys/options');
  const response = await startRegistration({
    optionsJSON: options as unknown as PublicKeyCredentialCreationOptionsJSON,
  });
  const body = { response: response as unknown as PasskeyRegisterBody['response'], ...(label ? { label } : {}) };
  return api.post<FactorAddedResponse>('/api/security/passkeys', body);
}

export const deleteFactor = (id: string) => api.delete<void>(`/api/security/factors/${encodeURIComponent(id)}`);
export const newRecoveryCodes = () => api.post<RecoveryCodesResponse>('/api/security/recovery-codes');

/** The password typed again before a first factor is enrolled (answered 403 `reauthentication_required`). */
export const reauthenticate = (password: string) =>
  api.post<ReauthenticateResponse>('/api/security/reauthenticate', { password });
export const changePassword = (body: ChangePasswordBody) =>
  api.post<SessionsEndedResponse>('/api/security/password', body);
export const signOutEverywhere = () => api.post<SessionsEndedResponse>('/api/security/sign-out-everywhere');

/** After any change: the factor list and /api/me (enrolled methods, freshness, pending enrolment). */
export function useSecurityChange<TArgs, TResult>(fn: (args: TArgs) => Promise<TResult>) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: fn,
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: securityQueryKey }),
        queryClient.invalidateQueries({ queryKey: meQueryKey }),
      ]);
    },
  });
}
