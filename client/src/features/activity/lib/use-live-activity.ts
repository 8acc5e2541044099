import { useQueryClient, type QueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { buildUrl } from '../../../lib/api-client.ts';
import { followLiveFeed, type LiveState } from './live-feed.ts';

/** Which of the page's data an event changes: the card itself (status, spending controls) or its activity. */
function refetchFor(queryClient: QueryClient, data: string): void {
  let event: { type?: string; card?: string } = {};
  try {
    event = JSON.parse(data) as typeof event;
  } catch {
    // Unreadable: refetch everything the feed covers.
  }
  const card = event.card;
  void queryClient.invalidateQueries({ queryKey: card ? ['limits', card] : ['limits'] });
  if (event.type?.startsWith('issuing_card.')) {
    // The card changed (Stripe's embedded component saved its spending controls, or its status
    // changed): the card (its page's header, the lists that show it) and its remaining limits;
    // its authorizations did not.
    void queryClient.invalidateQueries({ queryKey: ['cards'] });
    return;
  }
  void queryClient.invalidateQueries({ queryKey: ['authorizations'] });
}

/** After a drop, anything may have happened: everything the feed covers is fetched again. */
function refetchAll(queryClient: QueryClient): void {
  void queryClient.invalidateQueries({ queryKey: ['authorizations'] });
  void queryClient.invalidateQueries({ queryKey: ['limits'] });
  void queryClient.invalidateQueries({ queryKey: ['cards', 'detail'] });
}

/**
 * Follows a card's (or an account's) activity and changes through the server's event stream
 * (fed by Stripe's webhook events) and refetches what they change: its authorizations, its
 * remaining limits, the card itself (./live-feed.ts: planned ends, drops, pauses).
 */
export function useLiveActivity(subject: { card: string } | { account: string }): LiveState {
  const queryClient = useQueryClient();
  const [state, setState] = useState<LiveState>('connecting');
  const key = 'card' in subject ? `card=${subject.card}` : `account=${subject.account}`;
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const [name, value] = key.split('=') as [string, string];
    return followLiveFeed({
      open: () => new EventSource(buildUrl('/api/events', { [name]: value })),
      onState: setState,
      onActivity: (data) => refetchFor(queryClient, data),
      onBack: () => refetchAll(queryClient),
    });
  }, [key, queryClient]);
  return state;
}
