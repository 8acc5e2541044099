import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api } from '../../../lib/api-client.ts';
import type { AuthorizationsQuery, AuthorizationsResponse } from '@shared/authorizations-api.ts';

/** Whose authorizations: one card's, or a whole account's. */
export type ActivitySubject = { card: string } | { account: string };

function pathOf(subject: ActivitySubject): string {
  return 'card' in subject
    ? `/api/cards/${encodeURIComponent(subject.card)}/authorizations`
    : `/api/accounts/${encodeURIComponent(subject.account)}/authorizations`;
}

export function getAuthorizations(
  subject: ActivitySubject,
  query: AuthorizationsQuery,
  signal?: AbortSignal,
): Promise<AuthorizationsResponse> {
  return api.get<AuthorizationsResponse>(pathOf(subject), { ...query }, signal);
}

export function authorizationsQueryOptions(subject: ActivitySubject, query: AuthorizationsQuery) {
  return queryOptions({
    queryKey: ['authorizations', subject, query],
    queryFn: ({ signal }) => getAuthorizations(subject, query, signal),
    placeholderData: keepPreviousData,
  });
}

export function useAuthorizations(subject: ActivitySubject, query: AuthorizationsQuery) {
  return useQuery(authorizationsQueryOptions(subject, query));
}
