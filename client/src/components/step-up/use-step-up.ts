// POST /api/step-up (complete a sign-in or refresh the step-up) and POST /api/step-up/options
// (the WebAuthn challenge for a passkey check).
import { useMutation, useQueryClient } from '@tanstack/react-query';
import { startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from '@simplewebauthn/browser';
import type { PasskeyOptionsResponse, StepUpBody, StepUpResponse } from '@shared/api.ts';
import { api } from '../../lib/api-client.ts';
import { meQueryKey } from '../../lib/me.ts';
import { sessionReplaced } from '../../lib/session-events.ts';

export function stepUp(body: StepUpBody): Promise<StepUpResponse> {
  // A wrong code is a 400; a 401 here means the half-signed-in session is gone, which the form shows.
  return api.post<StepUpResponse>('/api/step-up', body, { redirectOnUnauthorized: false });
}

/** Asks the server for a challenge, lets the browser's passkey sign it, and sends the assertion. */
export async function stepUpWithPasskey(): Promise<StepUpResponse> {
  const { options } = await api.post<PasskeyOptionsResponse>('/api/step-up/options', undefined, {
    redirectOnUnauthorized: false,
  });
  const response = await startAuthentication({
    optionsJSON: options as unknown as PublicKeyCredentialRequestOptionsJSON,
  });
  return stepUp({ method: 'webauthn', response: response });
}

export type StepUpInput = { method: 'totp' | 'recovery_code'; code: string } | { method: 'webauthn' };

export function useStepUp({ onSuccess }: { onSuccess?: (result: StepUpResponse) => void } = {}) {
  const queryClient = useQueryClient();
  return useMutation({
    mutationFn: (input: StepUpInput) => (input.method === 'webauthn' ? stepUpWithPasskey() : stepUp(input)),
    onSuccess: async (result) => {
      // A check replaces the app session (decision 100), and component keys are made only for
      // Account Sessions the current app session opened (decision 062): the embedded components
      // start a new one when they mount next, instead of being refused.
      sessionReplaced();
      // The session changed (signed in, or fresh until a new time).
      await queryClient.invalidateQueries({ queryKey: meQueryKey });
      onSuccess?.(result);
    },
  });
}
