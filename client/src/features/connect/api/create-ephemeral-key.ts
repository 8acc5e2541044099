import { useCallback, useMemo, useState } from 'react';
import { api, ApiError } from '../../../lib/api-client.ts';
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

export type ConnectComponentName = NonNullable<EphemeralKeyBody['component']>;

/**
 * The `fetchEphemeralKey` callback of Connect's issuing components. Stripe calls it as soon as a
 * card is loaded or selected, not when the user presses "Show numbers"
 * (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display), so the key is
 * asked for as a component key (`component`), which the server audits as its own kind with its
 * own, generous limit (docs/decisions/060). `account` is the connected account the page shows
 * (from its URL): the server then finds the card without a lookup, and checks it is really there.
 */
export function ephemeralKeyFetcher(component: ConnectComponentName, account?: string, onResult?: (error: unknown) => void) {
  return async ({ issuingCard, nonce }: FetchEphemeralKeyParams): Promise<FetchEphemeralKeyResult> => {
    try {
      const key = await createEphemeralKey({ card_id: issuingCard, nonce, component, ...(account ? { account } : {}) });
      onResult?.(null);
      return { issuingCard, nonce, ephemeralKeySecret: key.ephemeralKeySecret };
    } catch (error) {
      onResult?.(error);
      throw error;
    }
  };
}

/** Refusals that are simply the policy for this card (e.g. a physical card's number): the component shows no button, which says enough. */
const QUIET_REFUSALS = new Set(['card_type_not_allowed']);

/**
 * The callback for one component on a page, and why the last key was refused: the component
 * itself only leaves out its "Show numbers" button (no key, no button), so the page says why,
 * e.g. that Stripe must enable Issuing Elements for connected accounts.
 */
export function useComponentKeys(component: ConnectComponentName, account: string | undefined) {
  const [problem, setProblem] = useState<string | null>(null);
  const onResult = useCallback((error: unknown) => {
    if (!error) setProblem(null);
    else if (error instanceof ApiError && QUIET_REFUSALS.has(error.code)) setProblem(null);
    else setProblem(error instanceof Error ? error.message : 'The card details could not be loaded.');
  }, []);
  const fetchEphemeralKey = useMemo(() => ephemeralKeyFetcher(component, account, onResult), [component, account, onResult]);
  return { fetchEphemeralKey, problem };
}
