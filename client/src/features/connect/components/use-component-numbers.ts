import { useCallback, useEffect, useState } from 'react';
import type { MeResponse } from '@shared/api.ts';
import { componentKeyPolicy, mayFetchComponentKeys } from '@shared/policy.ts';
import { frozenAsLost, type LostCardFacts } from '@shared/lost-cards.ts';
import { useComponentKeys, type ConnectComponentName } from '../api/create-ephemeral-key.ts';
import { endConnectSession } from '../lib/connect-instance.ts';

/** Whether `until` (ISO time) is still ahead; re-renders the moment it passes. */
function useStillAhead(until: string | null): boolean {
  const [, setTick] = useState(0);
  const at = until ? Date.parse(until) : null;
  const ahead = at !== null && at > Date.now();
  useEffect(() => {
    if (!ahead || at === null) return;
    const timer = setTimeout(() => setTick((n) => n + 1), Math.min(at - Date.now() + 50, 2 ** 31 - 1));
    return () => clearTimeout(timer);
  }, [at, ahead]);
  return ahead;
}

/**
 * Whether an issuing component on this page gets its `fetchEphemeralKey` (and with it "Show
 * numbers"), decided before anything is asked (docs/decisions/104):
 * - only for roles that get component keys, and only for a card that shows numbers (virtual, not
 *   canceled, not frozen as reported lost: the server refuses the others, and the client asks no
 *   key for them);
 * - for roles whose policy puts the component's numbers behind a step-up (staff), only while the
 *   session's last second-factor check is fresh (`/api/me`): otherwise the page offers "Verify to
 *   show numbers" instead, and when the check goes stale the component is remounted without the
 *   callback, which drops the keys it holds.
 * `mountKey` changes whenever the component must start over (keys on or off, a new Account
 * Session after the server said the current one belongs to an earlier app session): use it as
 * the key of the ConnectAccountProvider.
 */
export function useComponentNumbers(
  me: MeResponse,
  component: ConnectComponentName,
  account: string | undefined,
  card?: LostCardFacts & { type: string },
) {
  const role = me.user.role;
  const [generation, setGeneration] = useState(0);
  const restart = useCallback(() => {
    endConnectSession();
    setGeneration((n) => n + 1);
  }, []);
  const keys = useComponentKeys(component, account, {
    perCardMinSeconds: componentKeyPolicy(role)?.perCardMinSeconds,
    onSessionStale: restart,
  });
  const allowed = mayFetchComponentKeys(role);
  const showsNumbers =
    !card ||
    (card.type === 'virtual' &&
      card.status !== 'canceled' &&
      !frozenAsLost(card) &&
      (me.permissions.reveal.cardTypes as readonly string[]).includes(card.type));
  const needsCheck = me.secondFactor.stepUp.componentNumbers;
  const fresh = useStillAhead(me.secondFactor.freshUntil);
  const withKeys = allowed && showsNumbers && (!needsCheck || fresh);
  return {
    fetchEphemeralKey: withKeys ? keys.fetchEphemeralKey : undefined,
    problem: withKeys ? keys.problem : null,
    /** Show "Verify to show numbers": the check is due before the component may ask for keys. */
    offerVerify: allowed && showsNumbers && needsCheck && !fresh,
    mountKey: `${generation}:${withKeys ? 'numbers' : 'none'}`,
  };
}
