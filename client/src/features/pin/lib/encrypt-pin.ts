// The PIN leaves the browser only as a compact JWE made with Stripe's Issuing key, exactly as
// Stripe's "Encrypting PINs" example does it (docs.stripe.com/issuing/cards/pin-management):
// RSA-OAEP wraps the content key, A128CBC-HS256 encrypts the PIN, `kid` names Stripe's key.
import { CompactEncrypt, importJWK } from 'jose';
import type { IssuingKey } from '../api/get-issuing-key.ts';

export async function encryptPin(pin: string, key: IssuingKey): Promise<string> {
  const publicKey = await importJWK(key.jwk, 'RSA-OAEP');
  return new CompactEncrypt(new TextEncoder().encode(pin))
    .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: key.key_id })
    .encrypt(publicKey);
}
