// The Issuing PIN key and PIN setting: GET /issuing-key/v1/keys answers {key_id, jwk, pkcs8} as
// Stripe's key endpoint does; `pin[encrypted_number]` on card create/update is a compact JWE
// (RSA-OAEP, A128CBC-HS256, kid) that the emulator decrypts; the PIN reads back only through the
// card's ephemeral key with expand[]=pin.number.
import { CompactEncrypt, importJWK, importSPKI, type JWK } from 'jose';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
let account: string;
let cardholder: string;

interface KeyData {
  key_id: string;
  jwk: JWK;
  pkcs8: string;
}

async function fetchKey(): Promise<KeyData> {
  const res = await fetch(`${emu.baseUrl}/issuing-key/v1/keys`);
  expect(res.status).toBe(200);
  return (await res.json()) as KeyData;
}

async function encryptPin(pin: string, header: { alg?: string; enc?: string; kid?: string } = {}): Promise<string> {
  const key = await fetchKey();
  const alg = header.alg ?? 'RSA-OAEP';
  const publicKey = await importJWK({ ...key.jwk, alg }, alg);
  return new CompactEncrypt(new TextEncoder().encode(pin))
    .setProtectedHeader({ alg, enc: header.enc ?? 'A128CBC-HS256', kid: header.kid ?? key.key_id })
    .encrypt(publicKey);
}

async function readPin(cardId: string): Promise<string> {
  const nonce = await emu.raw('POST', '/v1/ephemeral_key_nonces', {
    key: 'pk_test_browser',
    account,
    body: `issuing_card=${cardId}`,
  });
  const key = await stripe.ephemeralKeys.create(
    { issuing_card: cardId, nonce: nonce.body.nonce },
    { apiVersion: STRIPE_API_VERSION, stripeAccount: account },
  );
  const card = await emu.stripe(key.secret).issuing.cards.retrieve(cardId, { expand: ['pin.number'] });
  return (card as unknown as { pin: { number: string } }).pin.number;
}

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  account = (await seededAccounts(stripe))[0]!.id;
  cardholder = (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: account })).data[0]!.id;
});
afterAll(() => emu.close());

describe('GET /issuing-key/v1/keys', () => {
  it('serves {key_id, jwk, pkcs8} with no key, CORS open, and the same key until restart', async () => {
    const res = await fetch(`${emu.baseUrl}/issuing-key/v1/keys`, { headers: { origin: 'http://localhost:3000' } });
    expect(res.status).toBe(200);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    const key = (await res.json()) as KeyData;
    expect(Object.keys(key).sort()).toEqual(['jwk', 'key_id', 'pkcs8']);
    expect(key.jwk).toMatchObject({ kty: 'RSA', e: 'AQAB', kid: key.key_id });
    expect(key.jwk).not.toHaveProperty('d');
    expect(key.pkcs8).toMatch(/^-----BEGIN PUBLIC KEY-----/);
    await importSPKI(key.pkcs8, 'RSA-OAEP');
    expect((await fetchKey()).key_id).toBe(key.key_id);

    const other = await startEmulator({ seed: false });
    try {
      const res2 = await fetch(`${other.baseUrl}/issuing-key/v1/keys`);
      expect(((await res2.json()) as KeyData).key_id).not.toBe(key.key_id);
    } finally {
      await other.close();
    }
  });
});

describe('pin[encrypted_number]', () => {
  it('sets the PIN at creation and on update; only the ephemeral key reads it back', async () => {
    const card = await stripe.issuing.cards.create(
      {
        cardholder,
        currency: 'usd',
        type: 'virtual',
        status: 'active',
        pin: { encrypted_number: await encryptPin('4821') },
      },
      { stripeAccount: account },
    );
    expect(JSON.stringify(card)).not.toContain('4821');
    expect(card).not.toHaveProperty('pin');
    expect(await readPin(card.id)).toBe('4821');

    const updated = await stripe.issuing.cards.update(
      card.id,
      { pin: { encrypted_number: await encryptPin('90817263') } },
      { stripeAccount: account },
    );
    expect(JSON.stringify(updated)).not.toContain('90817263');
    expect(await readPin(card.id)).toBe('90817263');

    // Even with expand, a secret key sees no PIN.
    const retrieved = await stripe.issuing.cards.retrieve(
      card.id,
      { expand: ['pin.number'] },
      { stripeAccount: account },
    );
    expect(retrieved).not.toHaveProperty('pin');
  });

  it('a card without a PIN set has the test-mode default 0000', async () => {
    const card = await stripe.issuing.cards.create(
      { cardholder, currency: 'usd', type: 'virtual' },
      { stripeAccount: account },
    );
    expect(await readPin(card.id)).toBe('0000');
  });

  const refusals: Array<[string, () => Promise<string>, RegExp]> = [
    ['alg RSA-OAEP-256', () => encryptPin('1234', { alg: 'RSA-OAEP-256' }), /alg must be RSA-OAEP/],
    ['enc A256GCM', () => encryptPin('1234', { enc: 'A256GCM' }), /enc must be A128CBC-HS256/],
    ['an old kid', () => encryptPin('1234', { kid: 'pinkey_1Rotated' }), /kid must be the current key_id/],
    ['a plain PIN', async () => '1234', /compact JWE/],
    ['three digits', () => encryptPin('123'), /4 to 12 digits/],
    ['thirteen digits', () => encryptPin('1234567890123'), /4 to 12 digits/],
    ['letters', () => encryptPin('12a4'), /4 to 12 digits/],
  ];
  for (const [name, make, message] of refusals) {
    it(`refuses ${name} with a 400 naming pin[encrypted_number]`, async () => {
      const card = (await stripe.issuing.cards.list({ status: 'active', limit: 1 }, { stripeAccount: account }))
        .data[0]!;
      const before = await readPin(card.id);
      const jwe = await make();
      const err = await stripeError(() =>
        stripe.issuing.cards.update(card.id, { pin: { encrypted_number: jwe } }, { stripeAccount: account }),
      );
      expect(err.statusCode).toBe(400);
      expect(err.type).toBe('StripeInvalidRequestError');
      expect(err.param).toBe('pin[encrypted_number]');
      expect(err.message).toMatch(message);
      expect(err.message).not.toContain('1234');
      expect(await readPin(card.id)).toBe(before);
    });
  }

  it('a tampered JWE does not decrypt', async () => {
    const jwe = await encryptPin('5555');
    const parts = jwe.split('.');
    const cipher = parts[3]!;
    parts[3] = (cipher[0] === 'A' ? 'B' : 'A') + cipher.slice(1);
    const err = await stripeError(() =>
      stripe.issuing.cards.create(
        { cardholder, currency: 'usd', type: 'virtual', pin: { encrypted_number: parts.join('.') } },
        { stripeAccount: account },
      ),
    );
    expect(err).toMatchObject({ statusCode: 400, param: 'pin[encrypted_number]' });
  });
});
