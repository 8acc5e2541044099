import { useQueryClient } from '@tanstack/react-query';
import { useEffect, useState } from 'react';
import { buildUrl } from '../../../lib/api-client.ts';

/**
 * Follows a card's (or an account's) activity through the server's event stream (fed by Stripe's
 * webhook events) and refetches its authorizations and remaining limits when something happens.
 * EventSource reconnects by itself when the server ends a connection.
 */
export function useLiveActivity(subject: { card: string } | { account: string }): 'connecting' | 'live' | 'offline' {
  const queryClient = useQueryClient();
  const [state, setState] = useState<'connecting' | 'live' | 'offline'>('connecting');
  const key = 'card' in subject ? `card=${subject.card}` : `account=${subject.account}`;
  useEffect(() => {
    if (typeof EventSource === 'undefined') return;
    const [name, value] = key.split('=') as [string, string];
    const source = new EventSource(buildUrl('/api/events', { [name]: value }));
    source.addEventListener('ready', () => setState('live'));
    source.addEventListener('activity', (message) => {
      let card: string | undefined;
      try {
        card = (JSON.parse((message as MessageEvent<string>).data) as { card?: string }).card;
      } catch {
        card = undefined;
      }
      void queryClient.invalidateQueries({ queryKey: ['authorizations'] });
      void queryClient.invalidateQueries({ queryKey: card ? ['limits', card] : ['limits'] });
    });
    source.onerror = () => setState(source.readyState === EventSource.CLOSED ? 'offline' : 'connecting');
    return () => source.close();
  }, [key, queryClient]);
  return state;
}
