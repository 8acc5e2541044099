// The only form in which a PIN may reach this server: a compact JWE made in the browser with
// Stripe's Issuing key (docs.stripe.com/issuing/cards/pin-management, "Encrypting PINs"). The
// server cannot decrypt it and does not try; it checks the shape so that a plain PIN, or a token
// Stripe would refuse, is turned away here with a clear message instead of being forwarded.
import { decodeProtectedHeader } from 'jose';

export const PIN_JWE_HEADER = { alg: 'RSA-OAEP', enc: 'A128CBC-HS256' } as const;

const BASE64URL = /^[A-Za-z0-9_-]+$/;

export type PinJweCheck = { ok: true; kid: string } | { ok: false; message: string };

/**
 * Whether `value` is a compact JWE (five base64url parts: header, encrypted key, IV, ciphertext,
 * tag) whose protected header is exactly `{alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid}`.
 * Messages never quote the value.
 */
export function checkPinJwe(value: string): PinJweCheck {
  const parts = value.split('.');
  if (parts.length !== 5 || !parts.every((part) => BASE64URL.test(part))) {
    return {
      ok: false,
      message:
        'encrypted_number must be a compact JWE (five base64url parts), made in the browser with Stripe’s Issuing key.',
    };
  }
  let header: Record<string, unknown>;
  try {
    header = decodeProtectedHeader(value);
  } catch {
    return { ok: false, message: 'encrypted_number has a protected header that is not base64url-encoded JSON.' };
  }
  const keys = Object.keys(header).sort();
  if (header.alg !== PIN_JWE_HEADER.alg || header.enc !== PIN_JWE_HEADER.enc) {
    return { ok: false, message: 'encrypted_number must be encrypted with alg RSA-OAEP and enc A128CBC-HS256.' };
  }
  if (typeof header.kid !== 'string' || header.kid.length === 0 || header.kid.length > 200) {
    return { ok: false, message: 'encrypted_number must name the Issuing key it was made with (kid).' };
  }
  if (keys.join(',') !== 'alg,enc,kid') {
    return { ok: false, message: 'encrypted_number’s protected header may hold only alg, enc and kid.' };
  }
  return { ok: true, kid: header.kid };
}
