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

export function useLogout({ onSuccess }: { onSuccess?: () => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: logout,
    onSuccess: () => {
      onSuccess?.();
      queryClient.removeQueries();
    },
  });
}
