// Linking this account to the identity provider (POST /api/oidc/link, decision 103): the server
// answers the provider's sign-in page, where the browser goes next.
import type { SsoLinkResponse } from '../../../../../shared/api.ts';
import { api } from '../../../lib/api-client.ts';

export const startSsoLink = () => api.post<SsoLinkResponse>('/api/oidc/link');
