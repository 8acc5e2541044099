import { api } from '../../../lib/api-client.ts';
import type { EphemeralKeyResponse } from '../../../lib/api-types.ts';

export interface EphemeralKeyInput {
  card_id: string;
  nonce: string;
  /** Required by roles whose policy says so (support agents); written to the audit log. */
  reason?: string;
}

/** Asks the app server for a card-scoped ephemeral key; the server audits every request. */
export function createEphemeralKey(input: EphemeralKeyInput): Promise<EphemeralKeyResponse> {
  return api.post<EphemeralKeyResponse>('/api/ephemeral-keys', input);
}

export interface FetchEphemeralKeyParams {
  issuingCard: string;
  nonce: string;
}

export interface FetchEphemeralKeyResult extends FetchEphemeralKeyParams {
  ephemeralKeySecret: string;
}

/**
 * The `fetchEphemeralKey` callback of Connect's issuing components: they create a nonce for the
 * card shown and expect the key back for that same card and nonce.
 */
export function ephemeralKeyFetcher(reason?: string) {
  return async ({ issuingCard, nonce }: FetchEphemeralKeyParams): Promise<FetchEphemeralKeyResult> => {
    const key = await createEphemeralKey({ card_id: issuingCard, nonce, ...(reason ? { reason } : {}) });
    return { issuingCard, nonce, ephemeralKeySecret: key.ephemeralKeySecret };
  };
}
