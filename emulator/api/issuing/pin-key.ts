// The Issuing PIN key: the stand-in for https://issuing-key.stripe.com/v1/keys, which answers
// `{key_id, jwk, pkcs8}` (docs.stripe.com/issuing/cards/pin-management#encrypting-pins). Clients
// encrypt a new PIN as a compact JWE with it (`alg: RSA-OAEP`, `enc: A128CBC-HS256`,
// `kid: key_id`) and send it as `pin[encrypted_number]`; the emulator decrypts it here.
//
// One RSA key per emulator instance, generated when the emulator starts (Stripe may rotate its key
// at any time, so clients fetch it for every PIN operation; a restart here is such a rotation).
// Generated off the main thread (an RSA key takes ~130 ms of CPU, which would otherwise block the
// start) and awaited by whatever needs it first.
import { generateKeyPair, type KeyObject } from 'node:crypto';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import { compactDecrypt, decodeProtectedHeader } from 'jose';
import { invalidParam, type StripeApiError } from '../errors.ts';
import { newId } from '../ids.ts';

export const PIN_PARAM = 'pin[encrypted_number]';
const ALG = 'RSA-OAEP';
const ENC = 'A128CBC-HS256';

export interface PinKey {
  keyId: string;
  privateKey: KeyObject;
  /** What GET /issuing-key/v1/keys answers. */
  published: { key_id: string; jwk: Record<string, unknown>; pkcs8: string };
}

const keys = new WeakMap<object, Promise<PinKey>>();
const generateRsa = promisify(generateKeyPair);

async function generate(): Promise<PinKey> {
  const { publicKey, privateKey } = await generateRsa('rsa', { modulusLength: 2048 });
  const keyId = newId('pinkey');
  const jwk = { ...(publicKey.export({ format: 'jwk' }) as Record<string, unknown>), kid: keyId, use: 'enc', alg: ALG };
  // Stripe calls the field pkcs8; for a public key that is the SubjectPublicKeyInfo PEM.
  const pkcs8 = publicKey.export({ format: 'pem', type: 'spki' }).toString();
  return { keyId, privateKey, published: { key_id: keyId, jwk, pkcs8 } };
}

/** The PIN key of an emulator instance (keyed by its runtime object). */
export function pinKeyOf(owner: object): Promise<PinKey> {
  let key = keys.get(owner);
  if (!key) {
    key = generate();
    keys.set(owner, key);
  }
  return key;
}

function refused(message: string): StripeApiError {
  return invalidParam(message, PIN_PARAM, 'parameter_invalid_string');
}

/**
 * Decrypts `pin[encrypted_number]`: a compact JWE with protected header alg RSA-OAEP,
 * enc A128CBC-HS256 and the current key's kid, holding 4 to 12 digits. Anything else is a 400
 * naming the parameter (the message never contains the PIN).
 */
export async function decryptPin(owner: object, jwe: string): Promise<string> {
  const key = await pinKeyOf(owner);
  let header: ReturnType<typeof decodeProtectedHeader>;
  try {
    if (jwe.split('.').length !== 5) throw new Error('not compact');
    header = decodeProtectedHeader(jwe);
  } catch {
    throw refused(
      `Invalid ${PIN_PARAM}: expected a compact JWE (five base64url segments) encrypted with the Issuing PIN key.`,
    );
  }
  if (header.alg !== ALG)
    throw refused(`Invalid ${PIN_PARAM}: the JWE header alg must be ${ALG}, got ${String(header.alg)}.`);
  if (header.enc !== ENC)
    throw refused(`Invalid ${PIN_PARAM}: the JWE header enc must be ${ENC}, got ${String(header.enc)}.`);
  if (header.kid !== key.keyId) {
    throw refused(
      `Invalid ${PIN_PARAM}: the JWE header kid must be the current key_id from /issuing-key/v1/keys (${key.keyId}).`,
    );
  }
  let plaintext: string;
  try {
    const result = await compactDecrypt(jwe, key.privateKey, {
      keyManagementAlgorithms: [ALG],
      contentEncryptionAlgorithms: [ENC],
    });
    plaintext = new TextDecoder().decode(result.plaintext);
  } catch {
    throw refused(`Invalid ${PIN_PARAM}: the JWE could not be decrypted with the current Issuing PIN key.`);
  }
  if (!/^\d{4,12}$/.test(plaintext)) throw refused(`Invalid ${PIN_PARAM}: a PIN is 4 to 12 digits.`);
  return plaintext;
}

/** GET /issuing-key/v1/keys (CORS is open on the whole emulator). No key needed, as on Stripe. */
export function registerIssuingKey(app: FastifyInstance, owner: object): void {
  pinKeyOf(owner).catch(() => undefined); // started now, in the background (a failure shows on first use)
  app.get('/issuing-key/v1/keys', async (_request, reply) => {
    reply.header('cache-control', 'no-store');
    return (await pinKeyOf(owner)).published;
  });
}
