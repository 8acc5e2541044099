import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardSummary, UpdateCardBody } from '../../../../../shared/api.ts';
import { cardQueryOptions } from './get-card.ts';

export function updateCard(id: string, change: UpdateCardBody): Promise<CardSummary> {
  return api.post<CardSummary>(`/api/cards/${encodeURIComponent(id)}`, change);
}

/** Changes a card (freeze, activate, cancel); the card and the lists show the new state. */
export function useUpdateCard(id: string, { onSuccess }: { onSuccess?: (card: CardSummary) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (change: UpdateCardBody) => updateCard(id, change),
    onSuccess: async (card) => {
      queryClient.setQueryData(cardQueryOptions(id).queryKey, card);
      await queryClient.invalidateQueries({ queryKey: ['cards'], predicate: (q) => q.queryKey[1] !== 'detail' });
      onSuccess?.(card);
    },
  });
}
