import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { LoginBody, LoginResponse } from '@shared/api.ts';
import { configQueryOptions } from '../../../lib/config.ts';
import { meQueryOptions } from '../../../lib/me.ts';
import { sessionQueryOptions } from './get-session.ts';

export function login(input: LoginBody): Promise<LoginResponse> {
  // A 401 here means wrong credentials, which the form shows; it is not an expired session.
  return api.post<LoginResponse>('/api/session', input, { redirectOnUnauthorized: false });
}

/** Whether the password was right but the second factor is still due (POST /api/step-up). */
export function needsSecondFactor(
  response: LoginResponse,
): response is Extract<LoginResponse, { secondFactorRequired: true }> {
  return 'secondFactorRequired' in response;
}

export function useLogin({
  onSuccess,
  onSecondFactor,
}: {
  onSuccess?: () => void;
  onSecondFactor?: (methods: Extract<LoginResponse, { secondFactorRequired: true }>['methods']) => void;
} = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: async (response) => {
      // Whatever was cached belonged to the previous session (or to nobody), except the
      // server's config (fixed for its process): the first page's Stripe components need it
      // before they ask for their Account Session, one request later otherwise (issue 18).
      queryClient.removeQueries({ predicate: (query) => query.queryKey[0] !== configQueryOptions().queryKey[0] });
      if (needsSecondFactor(response)) return onSecondFactor?.(response.methods);
      // Both asked by the signed-in layout before it shows anything: together, not one after the other.
      await Promise.all([
        queryClient.prefetchQuery(meQueryOptions()),
        queryClient.prefetchQuery(sessionQueryOptions()),
      ]);
      onSuccess?.();
    },
  });
}
