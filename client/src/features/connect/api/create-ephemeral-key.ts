import { api } from '../../../lib/api-client.ts';
import type { EphemeralKeyBody, EphemeralKeyResponse } from '../../../../../shared/api.ts';

/**
 * Asks the app server for a card-scoped ephemeral key; the server audits every request. A
 * `reason` is required of roles whose policy says so (support agents).
 */
export function createEphemeralKey(input: EphemeralKeyBody): Promise<EphemeralKeyResponse> {
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
 * card shown and expect the key back for that same card and nonce. `account` is the connected
 * account the page shows (from its URL): the server then finds the card without a lookup, and
 * checks that the card is really there.
 */
export function ephemeralKeyFetcher(reason?: string, account?: string) {
  return async ({ issuingCard, nonce }: FetchEphemeralKeyParams): Promise<FetchEphemeralKeyResult> => {
    const key = await createEphemeralKey({ card_id: issuingCard, nonce, ...(reason ? { reason } : {}), ...(account ? { account } : {}) });
    return { issuingCard, nonce, ephemeralKeySecret: key.ephemeralKeySecret };
  };
}
