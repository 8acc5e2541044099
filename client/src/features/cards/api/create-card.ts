import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardSummary, CreateCardBody } from '@shared/api.ts';
import { cardQueryOptions } from './get-card.ts';

export function createCard(input: CreateCardBody): Promise<CardSummary> {
  return api.post<CardSummary>('/api/cards', input);
}

/** Issues a card; the lists and the accounts' card counts then reload. */
export function useCreateCard({ onSuccess }: { onSuccess?: (card: CardSummary) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: createCard,
    onSuccess: async (card) => {
      queryClient.setQueryData(cardQueryOptions(card.id).queryKey, card);
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['cards'] }),
        queryClient.invalidateQueries({ queryKey: ['accounts'] }),
      ]);
      onSuccess?.(card);
    },
  });
}
