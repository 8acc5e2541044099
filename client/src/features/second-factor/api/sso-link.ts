// Linking this account to the identity provider (decision 103): POST /api/oidc/link answers the
// provider's sign-in page, where the browser goes next; the provider's answer comes back to the
// Security page as `?confirm_link=<id>`, which the user confirms (or cancels) here, signed in.
import type { SsoLinkResponse, SsoPendingLinkResponse } from '@shared/api.ts';
import { api } from '../../../lib/api-client.ts';

export const startSsoLink = () => api.post<SsoLinkResponse>('/api/oidc/link');
export const getPendingSsoLink = (id: string, signal?: AbortSignal) =>
  api.get<SsoPendingLinkResponse>(`/api/oidc/link/${encodeURIComponent(id)}`, undefined, signal);
export const confirmSsoLink = (id: string) => api.post<void>(`/api/oidc/link/${encodeURIComponent(id)}/confirm`);
export const cancelSsoLink = (id: string) => api.delete<void>(`/api/oidc/link/${encodeURIComponent(id)}`);
