import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, buildUrl } from '../../../lib/api-client.ts';
import type {
  AuthorizationExportQuery,
  AuthorizationListQuery,
  AuthorizationListResponse,
  DailyActivityResponse,
} from '@shared/activity-filters.ts';

/** Whose authorizations: one card's, or a whole account's. */
export type ActivitySubject = { card: string } | { account: string };

function pathOf(subject: ActivitySubject): string {
  return 'card' in subject
    ? `/api/cards/${encodeURIComponent(subject.card)}/authorizations`
    : `/api/accounts/${encodeURIComponent(subject.account)}/authorizations`;
}

export function getAuthorizations(
  subject: ActivitySubject,
  query: AuthorizationListQuery,
  signal?: AbortSignal,
): Promise<AuthorizationListResponse> {
  return api.get<AuthorizationListResponse>(pathOf(subject), { ...query }, signal);
}

export function authorizationsQueryOptions(subject: ActivitySubject, query: AuthorizationListQuery) {
  return queryOptions({
    queryKey: ['authorizations', subject, query],
    queryFn: ({ signal }) => getAuthorizations(subject, query, signal),
    placeholderData: keepPreviousData,
  });
}

export function useAuthorizations(subject: ActivitySubject, query: AuthorizationListQuery) {
  return useQuery(authorizationsQueryOptions(subject, query));
}

/** The link that downloads the filtered rows as CSV (the session cookie goes with it, same origin). */
export function csvHref(subject: ActivitySubject, query: AuthorizationExportQuery): string {
  return buildUrl(`${pathOf(subject)}.csv`, { ...query });
}

/** The viewer's time zone: the charts' days begin at their midnight. */
export function browserTimeZone(): string {
  try {
    return Intl.DateTimeFormat().resolvedOptions().timeZone || 'UTC';
  } catch {
    return 'UTC';
  }
}

// Under the 'authorizations' key, so that the live feed (lib/use-live-activity.ts) refreshes it too.
export function useDailyActivity(subject: ActivitySubject, currency?: string) {
  const tz = browserTimeZone();
  return useQuery({
    queryKey: ['authorizations', 'daily', subject, tz, currency ?? null],
    queryFn: ({ signal }) =>
      api.get<DailyActivityResponse>(`${pathOf(subject)}/daily`, { tz, days: 30, currency }, signal),
    placeholderData: keepPreviousData,
  });
}
