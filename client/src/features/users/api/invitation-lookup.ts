// What an invitation link is for (POST /api/invitations/lookup, decision 165): asked when the
// invitation page opens, before a password is typed. The token goes in the body, never a URL.
import { useQuery } from '@tanstack/react-query';
import type { InvitationDetails } from '@shared/enrolment.ts';
import { api } from '../../../lib/api-client.ts';

export function useInvitation(token: string) {
  return useQuery({
    queryKey: ['invitation', token],
    queryFn: () => api.post<InvitationDetails>('/api/invitations/lookup', { token }, { redirectOnUnauthorized: false }),
    enabled: token !== '',
    // A refused link stays refused, and each lookup counts against the address's bound.
    retry: false,
    staleTime: Infinity,
    refetchOnWindowFocus: false,
  });
}
