import { api } from '../../../lib/api-client.ts';
import type { EphemeralKeyBody, EphemeralKeyResponse } from '@shared/api.ts';

/**
 * Exchanges a Stripe.js nonce for a card-scoped ephemeral key. The server checks role, scope,
 * reason and rate, writes the audit row, and only then asks Stripe; every call (the first
 * reveal and each refresh) is one audited reveal.
 */
export function createRevealKey(input: EphemeralKeyBody): Promise<EphemeralKeyResponse> {
  return api.post<EphemeralKeyResponse>('/api/ephemeral-keys', input);
}
