// Whether an action needs a fresh second-factor check before it is sent, known from /api/me
// (the policy's `stepUp` and the session's `freshUntil`): the page asks for the check first
// instead of sending a request the server would refuse (403 step_up_required, which the browser
// logs as a console error); likewise the password before a first factor or a single sign-on
// link (`passwordFreshUntil`, 403 reauthentication_required). The server decides all the same;
// when it still refuses (the browser's clock differs from the server's), the page asks then.
import { useQueryClient } from '@tanstack/react-query';
import { useCallback } from 'react';
import type { MeResponse } from '@shared/api.ts';
import { meQueryKey } from '../../lib/me.ts';

/** `changeFactors`: adding, removing or renewing a factor once one exists (decision 100). */
export type StepUpAction = keyof MeResponse['secondFactor']['stepUp'] | 'changeFactors';

export function stepUpDue(
  me: Pick<MeResponse, 'secondFactor'> | undefined,
  action: StepUpAction,
  now = Date.now(),
): boolean {
  if (!me) return false;
  const { secondFactor } = me;
  const needed = action === 'changeFactors' ? secondFactor.enrolled.length > 0 : secondFactor.stepUp[action];
  if (!needed) return false;
  return secondFactor.freshUntil === null || Date.parse(secondFactor.freshUntil) <= now;
}

/**
 * The owner's check before enrolling a factor or linking single sign-on (the server's
 * requireOwnerCheck): with a factor, a fresh check of it (`step-up`); with none, the password
 * within the step-up age (`password`: /api/me's `passwordFreshUntil`, read on the same clock as
 * `freshUntil`); null when nothing is due, or /api/me is not loaded (the server decides).
 */
export type OwnerCheck = 'step-up' | 'password' | null;

export function ownerCheckDue(me: Pick<MeResponse, 'secondFactor'> | undefined, now = Date.now()): OwnerCheck {
  if (!me) return null;
  if (me.secondFactor.enrolled.length > 0) return stepUpDue(me, 'changeFactors', now) ? 'step-up' : null;
  const until = me.secondFactor.passwordFreshUntil;
  return until === null || Date.parse(until) <= now ? 'password' : null;
}

/** Asked at the moment of the action, from the cached /api/me (refetched after every check). */
export function useStepUpDue(action: StepUpAction): () => boolean {
  const queryClient = useQueryClient();
  return useCallback(() => stepUpDue(queryClient.getQueryData<MeResponse>(meQueryKey), action), [queryClient, action]);
}

/** `ownerCheckDue` at the moment of the action, from the cached /api/me. */
export function useOwnerCheckDue(): () => OwnerCheck {
  const queryClient = useQueryClient();
  return useCallback(() => ownerCheckDue(queryClient.getQueryData<MeResponse>(meQueryKey)), [queryClient]);
}
