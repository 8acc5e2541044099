import { useMutation, useQueryClient } from '@tanstack/react-query';
import { ApiError, api } from '../../../lib/api-client.ts';

export async function logout(): Promise<void> {
  try {
    await api.delete<void>('/api/session', { redirectOnUnauthorized: false });
  } catch (error) {
    // An expired session is already signed out; that is what the user asked for.
    if (!(error instanceof ApiError && error.status === 401)) throw error;
  }
}

export function useLogout({ onSuccess }: { onSuccess?: () => unknown } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSuccess: async () => {
      // Leave the signed-in pages first: clearing the cache under mounted queries makes them
      // refetch, and those requests would now answer 401.
      await onSuccess?.();
      queryClient.removeQueries();
    },
  });
}
