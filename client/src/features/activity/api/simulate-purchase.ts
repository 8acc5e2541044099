import { useMutation, useQueryClient } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { AuthorizationRow, SimulatePurchaseBody } from '@shared/authorizations-api.ts';

export function simulatePurchase(card: string, body: SimulatePurchaseBody): Promise<AuthorizationRow> {
  return api.post<AuthorizationRow>(`/api/cards/${encodeURIComponent(card)}/simulate-purchase`, body);
}

/** Creates a test authorization on the card; its list and remaining limits show it at once. */
export function useSimulatePurchase(card: string) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (body: SimulatePurchaseBody) => simulatePurchase(card, body),
    onSuccess: async () => {
      await Promise.all([
        queryClient.invalidateQueries({ queryKey: ['authorizations'] }),
        queryClient.invalidateQueries({ queryKey: ['limits', card] }),
      ]);
    },
  });
}
