import { api } from '../../../lib/api-client.ts';
import type { SetPinBody, SetPinResponse } from '@shared/api.ts';

/** Sends only the JWE; the app server forwards it to Stripe and never sees the PIN. */
export function setCardPin(cardId: string, body: SetPinBody): Promise<SetPinResponse> {
  return api.post<SetPinResponse>(`/api/cards/${encodeURIComponent(cardId)}/pin`, body);
}
