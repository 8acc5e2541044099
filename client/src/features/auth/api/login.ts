import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { LoginBody, LoginResponse } from '../../../../../shared/api.ts';
import { meQueryOptions } from './get-me.ts';

export function login(input: LoginBody): Promise<LoginResponse> {
  // A 401 here means wrong credentials, which the form shows; it is not an expired session.
  return api.post<LoginResponse>('/api/session', input, { redirectOnUnauthorized: false });
}

/** Whether the password was right but the second factor is still due (POST /api/step-up). */
export function needsSecondFactor(response: LoginResponse): response is Extract<LoginResponse, { secondFactorRequired: true }> {
  return 'secondFactorRequired' in response;
}

export function useLogin({ onSuccess, onSecondFactor }: { onSuccess?: () => void; onSecondFactor?: (methods: Extract<LoginResponse, { secondFactorRequired: true }>['methods']) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: async (response) => {
      // Whatever was cached belonged to the previous session (or to nobody).
      queryClient.removeQueries();
      if (needsSecondFactor(response)) return onSecondFactor?.(response.methods);
      await queryClient.prefetchQuery(meQueryOptions());
      onSuccess?.();
    },
  });
}
