import { useCallback, useMemo, useRef, useState } from 'react';
import { api, ApiError } from '../../../lib/api-client.ts';
import type { EphemeralKeyBody, EphemeralKeyResponse } from '@shared/api.ts';

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

/** Refusals that say "this card shows no numbers" (physical, canceled): the component shows no button, which says enough. */
const QUIET_REFUSALS = new Set(['card_type_not_allowed', 'card_canceled']);

// Per page load (module state, like the Connect instance): cards the server said show no numbers,
// which are asked no key again (issue 17.6: such refusals are no probing, and the client does
// not repeat them), and when each card last got a key.
const showsNoNumbers = new Set<string>();

// When each card last got a key, kept in sessionStorage so that a reload of the page (a new
// component, a new key for the same card) waits out the per-card interval too. Card ids and
// times only; entries older than a minute are dropped.
const LAST_KEY_STORAGE = 'cid-component-key-times';
const lastKeyAt = {
  read(): Record<string, number> {
    try {
      const parsed: unknown = JSON.parse(sessionStorage.getItem(LAST_KEY_STORAGE) ?? '{}');
      return parsed && typeof parsed === 'object' ? (parsed as Record<string, number>) : {};
    } catch {
      return {};
    }
  },
  get(card: string): number | undefined {
    const at = this.read()[card];
    return typeof at === 'number' ? at : undefined;
  },
  set(card: string, at: number): void {
    const recent = Object.fromEntries(
      Object.entries(this.read()).filter(([, t]) => typeof t === 'number' && at - t < 60_000),
    );
    try {
      sessionStorage.setItem(LAST_KEY_STORAGE, JSON.stringify({ ...recent, [card]: at }));
    } catch {
      // Storage full or disabled: the server's refusal then says to wait.
    }
  },
};

/** Margin over the policy's per-card interval: the server counts from when it granted the key, a little after the browser sent the request. */
const INTERVAL_MARGIN_MS = 300;

class NoNumbers extends Error {
  constructor() {
    super('This card shows no numbers.');
  }
}

export interface ComponentKeyOptions {
  /** The role's per-card interval (shared/policy.ts `componentKeys.perCardMinSeconds`): a card loaded again sooner waits for it. */
  perCardMinSeconds?: number;
  onResult?: (error: unknown) => void;
}

/**
 * The `fetchEphemeralKey` callback of Connect's issuing components. Stripe calls it as soon as a
 * card is loaded or selected, not when the user presses "Show numbers"
 * (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display), so the key is
 * asked for as a component key (`component`), which the server audits as its own kind within its
 * own bounds (docs/decisions/060, 062). `account` is the connected account the page shows
 * (from its URL): the server then finds the card without a lookup, and checks it is really there.
 * A card loaded again within the role's per-card interval (the card page remounts the component
 * after a status change) waits out the interval rather than be refused; a card the server said
 * shows no numbers is not asked again.
 */
export function ephemeralKeyFetcher(
  component: ConnectComponentName,
  account?: string,
  options: ComponentKeyOptions | ComponentKeyOptions['onResult'] = {},
) {
  const { perCardMinSeconds = 0, onResult } = typeof options === 'function' ? { onResult: options } : options;
  return async ({ issuingCard, nonce }: FetchEphemeralKeyParams): Promise<FetchEphemeralKeyResult> => {
    try {
      if (showsNoNumbers.has(issuingCard)) throw new NoNumbers();
      const wait =
        (lastKeyAt.get(issuingCard) ?? -Infinity) + perCardMinSeconds * 1000 + INTERVAL_MARGIN_MS - Date.now();
      if (perCardMinSeconds > 0 && wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      const key = await createEphemeralKey({ card_id: issuingCard, nonce, component, ...(account ? { account } : {}) });
      lastKeyAt.set(issuingCard, Date.now());
      onResult?.(null);
      return { issuingCard, nonce, ephemeralKeySecret: key.ephemeralKeySecret };
    } catch (error) {
      if (error instanceof ApiError && QUIET_REFUSALS.has(error.code)) showsNoNumbers.add(issuingCard);
      onResult?.(error);
      throw error;
    }
  };
}

/** A session restart at most this often: a server that keeps refusing must not make the page loop. */
const RESTART_AT_MOST_EVERY_MS = 30_000;

/**
 * The callback for one component on a page, and why the last key was refused: the component
 * itself only leaves out its "Show numbers" button (no key, no button), so the page says why,
 * e.g. that Stripe must enable Issuing Elements for connected accounts. When the server answers
 * that the components' Account Session belongs to an earlier app session (after a session
 * rotation), `onSessionStale` runs so the page can open the components anew.
 */
export function useComponentKeys(
  component: ConnectComponentName,
  account: string | undefined,
  { perCardMinSeconds, onSessionStale }: { perCardMinSeconds?: number; onSessionStale?: () => void } = {},
) {
  const [problem, setProblem] = useState<string | null>(null);
  const lastRestart = useRef(-Infinity);
  const staleRef = useRef(onSessionStale);
  staleRef.current = onSessionStale;
  const onResult = useCallback((error: unknown) => {
    if (!error) setProblem(null);
    else if (error instanceof NoNumbers || (error instanceof ApiError && QUIET_REFUSALS.has(error.code)))
      setProblem(null);
    else if (
      error instanceof ApiError &&
      error.code === 'account_session_required' &&
      staleRef.current &&
      Date.now() - lastRestart.current > RESTART_AT_MOST_EVERY_MS
    ) {
      lastRestart.current = Date.now();
      setProblem(null);
      staleRef.current();
    } else setProblem(error instanceof Error ? error.message : 'The card details could not be loaded.');
  }, []);
  const fetchEphemeralKey = useMemo(
    () => ephemeralKeyFetcher(component, account, { perCardMinSeconds, onResult }),
    [component, account, perCardMinSeconds, onResult],
  );
  return { fetchEphemeralKey, problem };
}
