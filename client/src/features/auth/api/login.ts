import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { LoginBody, LoginResponse } from '../../../../../shared/api.ts';
import { meQueryOptions } from './get-me.ts';

export function login(input: LoginBody): Promise<LoginResponse> {
  // A 401 here means wrong credentials, which the form shows; it is not an expired session.
  return api.post<LoginResponse>('/api/session', input, { redirectOnUnauthorized: false });
}

export function useLogin({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: login,
    onSuccess: async () => {
      // Whatever was cached belonged to the previous session (or to nobody).
      queryClient.removeQueries();
      await queryClient.prefetchQuery(meQueryOptions());
      onSuccess?.();
    },
  });
}
