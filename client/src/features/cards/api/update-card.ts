import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { CardSummary, ReportLostBody, UpdateCardBody } from '@shared/api.ts';
import { cardQueryOptions } from './get-card.ts';

export function updateCard(id: string, change: UpdateCardBody): Promise<CardSummary> {
  return api.post<CardSummary>(`/api/cards/${encodeURIComponent(id)}`, change);
}

/** A card reported lost: frozen, the report audited (support agents may do this and no more). */
export function reportCardLost(id: string, body: ReportLostBody): Promise<CardSummary> {
  return api.post<CardSummary>(`/api/cards/${encodeURIComponent(id)}/report-lost`, body);
}

/** Changes a card (freeze, activate, cancel); the card and the lists show the new state. */
export function useUpdateCard(id: string, { onSuccess }: { onSuccess?: (card: CardSummary) => void } = {}) {
  return useCardMutation(id, (change: UpdateCardBody) => updateCard(id, change), onSuccess);
}

export function useReportCardLost(id: string, { onSuccess }: { onSuccess?: (card: CardSummary) => void } = {}) {
  return useCardMutation(id, (body: ReportLostBody) => reportCardLost(id, body), onSuccess);
}

function useCardMutation<T>(
  id: string,
  mutationFn: (input: T) => Promise<CardSummary>,
  onSuccess?: (card: CardSummary) => void,
) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn,
    onSuccess: async (card) => {
      queryClient.setQueryData(cardQueryOptions(id).queryKey, card);
      await queryClient.invalidateQueries({ queryKey: ['cards'], predicate: (q) => q.queryKey[1] !== 'detail' });
      onSuccess?.(card);
    },
  });
}
