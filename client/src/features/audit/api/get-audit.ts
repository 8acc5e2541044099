import { keepPreviousData, queryOptions, useQuery } from '@tanstack/react-query';
import { api, buildUrl } from '../../../lib/api-client.ts';
import type { AuditQuery, AuditResponse } from '@shared/api.ts';

export type AuditFilters = Pick<AuditQuery, 'kind' | 'account' | 'card' | 'user' | 'from' | 'to'>;

export function getAudit(filters: AuditFilters, signal?: AbortSignal): Promise<AuditResponse> {
  return api.get<AuditResponse>('/api/audit', { ...filters }, signal);
}

export function auditQueryOptions(filters: AuditFilters) {
  return queryOptions({
    queryKey: ['audit', filters],
    queryFn: ({ signal }) => getAudit(filters, signal),
    placeholderData: keepPreviousData,
    // The trail grows with every action; show what is there now.
    staleTime: 0,
  });
}

export function useAudit(filters: AuditFilters) {
  return useQuery(auditQueryOptions(filters));
}

/** The same rows as CSV, downloaded by the browser with the session cookie. */
export function auditCsvUrl(filters: AuditFilters): string {
  return buildUrl('/api/audit', { ...filters, format: 'csv' });
}
