// POST /api/cards/:id/replace: a card reported lost is canceled and replaced (decision 164).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import type { ReplaceCardBody, ReplaceCardResponse } from '@shared/api/card-replacement.ts';
import { api } from '../../../lib/api-client.ts';
import { cardQueryOptions } from './get-card.ts';

export function replaceCard(id: string, body: ReplaceCardBody): Promise<ReplaceCardResponse> {
  return api.post<ReplaceCardResponse>(`/api/cards/${encodeURIComponent(id)}/replace`, body);
}

/** Both cards as the server answered them: the lost one canceled, its replacement ready to open. */
export function useReplaceCard(
  id: string,
  { onSuccess, onError }: { onSuccess?: (result: ReplaceCardResponse) => void; onError?: (error: Error) => void } = {},
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: ReplaceCardBody) => replaceCard(id, body),
    onSuccess: async (result) => {
      queryClient.setQueryData(cardQueryOptions(id).queryKey, result.canceled);
      queryClient.setQueryData(cardQueryOptions(result.replacement.id).queryKey, result.replacement);
      await queryClient.invalidateQueries({ queryKey: ['cards'], predicate: (q) => q.queryKey[1] !== 'detail' });
      onSuccess?.(result);
    },
    ...(onError ? { onError } : {}),
  });
}
