// Stripe's Issuing PIN encryption key (docs.stripe.com/issuing/cards/pin-management): fetched
// straight from Stripe (the emulator in emulator mode) for every PIN operation, never cached,
// because Stripe may rotate it without notice. Not a React Query query for that reason.
import type { JWK } from 'jose';

export interface IssuingKey {
  key_id: string;
  jwk: JWK;
}

export class IssuingKeyError extends Error {
  override readonly name = 'IssuingKeyError';
}

export async function fetchIssuingKey(url: string, signal?: AbortSignal): Promise<IssuingKey> {
  let response: Response;
  try {
    // No cookies or referrer go to Stripe; `no-store` keeps the browser from reusing a copy.
    response = await fetch(url, { cache: 'no-store', credentials: 'omit', referrerPolicy: 'no-referrer', signal });
  } catch {
    throw new IssuingKeyError(
      'Could not reach Stripe for the PIN encryption key. Check your connection and try again.',
    );
  }
  if (!response.ok)
    throw new IssuingKeyError(`Stripe did not give the PIN encryption key (HTTP ${response.status}). Try again.`);
  const body = (await response.json().catch(() => null)) as Partial<IssuingKey> | null;
  if (!body || typeof body.key_id !== 'string' || !body.key_id || typeof body.jwk !== 'object' || body.jwk === null) {
    throw new IssuingKeyError('Stripe answered with a PIN encryption key the app could not read.');
  }
  return { key_id: body.key_id, jwk: body.jwk };
}
