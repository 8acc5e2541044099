// POST /api/cards/:id/pin against the emulator over real HTTP: the PIN travels only as a JWE made
// with the Issuing key the emulator serves, the server checks its form and who may touch the
// card, Stripe (the emulator) decrypts it, and an ephemeral key then reads the new PIN back.
import { CompactEncrypt, exportJWK, generateKeyPair, importJWK, type JWK } from 'jose';
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ConfigError, browserConfig, loadConfig } from '../../server/config.ts';
import { readCardDetails } from '../helpers/card-details.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let ownAccount: string;
let otherAccount: string;
let ownPhysical: { id: string };
let ownCanceled: { id: string };
let otherCard: { id: string };

async function call(url: string, email: string, payload: object): Promise<LightMyRequestResponse> {
  return stack.app.inject({
    method: 'POST',
    url,
    headers: { cookie: await stack.loginCookie(email), origin: stack.appUrl },
    payload,
  });
}

const b64url = (value: string) => Buffer.from(value).toString('base64url');
/** A token of the right shape with the given protected header (not decryptable; for form checks). */
const fakeJwe = (header: object) => [b64url(JSON.stringify(header)), 'a2V5', 'aXY', 'Y2lwaGVy', 'dGFn'].join('.');
const WELL_FORMED = fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: 'k' });

/** What the browser does: fetch the key for this operation, encrypt the PIN, keep only the JWE. */
async function encryptWithIssuingKey(pin: string): Promise<string> {
  const keyData = (await (await fetch(`${stack.emulatorUrl}/issuing-key/v1/keys`, { cache: 'no-store' })).json()) as {
    key_id: string;
    jwk: JWK;
  };
  const key = await importJWK(keyData.jwk, 'RSA-OAEP');
  return new CompactEncrypt(new TextEncoder().encode(pin))
    .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: keyData.key_id })
    .encrypt(key);
}

/** The card's PIN as Stripe.js's PIN element would read it: nonce, ephemeral key, expand pin.number. */
async function pinOf(cardId: string, account: string): Promise<string | undefined> {
  return (await readCardDetails(stack, cardId, account, ['pin.number'])).pin?.number;
}

beforeAll(async () => {
  stack = await startStack({ env: { REVEAL_DISPLAY_TIMEOUT_SECONDS: '7' } });
  // Setting a PIN needs a fresh second-factor check (shared/policy.ts): the account user has TOTP,
  // and loginCookie signs in as after that check.
  await stack.enrolTotp('account@example.com');
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  ownAccount = accounts.at(-1)!.id;
  otherAccount = accounts[0]!.id;
  const own = await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: ownAccount });
  ownPhysical = own.data.find((c) => c.type === 'physical' && c.status === 'active')!;
  ownCanceled = own.data.find((c) => c.status === 'canceled')!;
  otherCard = (await stack.stripe.issuing.cards.list({ status: 'active', limit: 1 }, { stripeAccount: otherAccount }))
    .data[0]!;
});
afterAll(() => stack?.close());

describe('setting a PIN', () => {
  test('the account user sets its card’s PIN through a JWE; Stripe then holds the new PIN; nothing of it is logged', async () => {
    const pin = '583920';
    expect(await pinOf(ownPhysical.id, ownAccount)).not.toBe(pin);
    const jwe = await encryptWithIssuingKey(pin);

    const res = await call(`/api/cards/${ownPhysical.id}/pin`, 'account@example.com', { encrypted_number: jwe });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ ok: true });
    expect(res.headers['cache-control']).toBe('no-store');

    expect(await pinOf(ownPhysical.id, ownAccount)).toBe(pin);
    const logs = stack.logs();
    expect(logs).toContain('card PIN changed');
    expect(logs).not.toContain(jwe);
    expect(logs).not.toContain(jwe.split('.')[3]!);
    expect(logs).not.toContain(pin);
  });

  test('a second change replaces the first', async () => {
    const res = await call(`/api/cards/${ownPhysical.id}/pin`, 'account@example.com', {
      encrypted_number: await encryptWithIssuingKey('2468'),
    });
    expect(res.statusCode, res.body).toBe(200);
    expect(await pinOf(ownPhysical.id, ownAccount)).toBe('2468');
  });

  test('a JWE made with another key is refused by Stripe and reported as a 400 on encrypted_number', async () => {
    const { publicKey } = await generateKeyPair('RSA-OAEP', { extractable: true });
    const foreign = await importJWK(await exportJWK(publicKey), 'RSA-OAEP');
    const jwe = await new CompactEncrypt(new TextEncoder().encode('1111'))
      .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: 'not_stripes_key' })
      .encrypt(foreign);
    const res = await call(`/api/cards/${ownPhysical.id}/pin`, 'account@example.com', { encrypted_number: jwe });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'pin_rejected', field: 'encrypted_number' });
    expect(res.body).not.toContain(jwe);
  });
});

describe('what the server refuses before calling Stripe', () => {
  test.each([
    ['a plain PIN', '1234'],
    ['four parts', 'eyJhbGciOiJSU0EtT0FFUCJ9.a.b.c'],
    ['six parts', `${fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: 'k' })}.x`],
    [
      'a part that is not base64url',
      fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: 'k' }).replace('a2V5', 'a2V5+/'),
    ],
    ['alg RSA1_5', fakeJwe({ alg: 'RSA1_5', enc: 'A128CBC-HS256', kid: 'k' })],
    ['alg RSA-OAEP-256', fakeJwe({ alg: 'RSA-OAEP-256', enc: 'A128CBC-HS256', kid: 'k' })],
    ['enc A256GCM', fakeJwe({ alg: 'RSA-OAEP', enc: 'A256GCM', kid: 'k' })],
    ['no kid', fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256' })],
    ['an empty kid', fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: '' })],
    ['an extra header field', fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: 'k', zip: 'DEF' })],
    ['a header that is not JSON', ['bm90IGpzb24', 'a2V5', 'aXY', 'Y2lwaGVy', 'dGFn'].join('.')],
  ])('%s: 400 naming encrypted_number, value not echoed', async (_name, value) => {
    const res = await call(`/api/cards/${ownPhysical.id}/pin`, 'account@example.com', { encrypted_number: value });
    expect(res.statusCode, res.body).toBe(400);
    expect(res.json().error.field).toBe('encrypted_number');
    expect(res.json().error.message).toMatch(/encrypted_number/);
    expect(res.body).not.toContain(value);
  });

  test('a missing encrypted_number or an unknown field is a 400 naming it', async () => {
    const missing = await call(`/api/cards/${ownPhysical.id}/pin`, 'account@example.com', {});
    expect(missing.statusCode).toBe(400);
    expect(missing.json().error.field).toBe('encrypted_number');
    const plain = await call(`/api/cards/${ownPhysical.id}/pin`, 'account@example.com', {
      encrypted_number: fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: 'k' }),
      pin: '1234',
    });
    expect(plain.statusCode).toBe(400);
    expect(plain.json().error.field).toBe('pin');
  });

  test('another account’s card is not found for the account user', async () => {
    const res = await call(`/api/cards/${otherCard.id}/pin`, 'account@example.com', { encrypted_number: WELL_FORMED });
    expect(res.statusCode).toBe(404);
  });

  test('a canceled card is refused', async () => {
    const res = await call(`/api/cards/${ownCanceled.id}/pin`, 'account@example.com', {
      encrypted_number: WELL_FORMED,
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('card_canceled');
  });

  test.each(['admin@example.com', 'support@example.com'])('%s may not set PINs (policy setPin)', async (email) => {
    const res = await call(`/api/cards/${ownPhysical.id}/pin`, email, { encrypted_number: WELL_FORMED });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  test('signed out: 401', async () => {
    const res = await stack.app.inject({
      method: 'POST',
      url: `/api/cards/${ownPhysical.id}/pin`,
      headers: { origin: stack.appUrl },
      payload: { encrypted_number: fakeJwe({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid: 'k' }) },
    });
    expect(res.statusCode).toBe(401);
  });
});

describe('configuration the PIN and reveal views read', () => {
  test('/api/config names the emulator’s Issuing key endpoint, which answers a key', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/api/config' });
    const url = res.json().issuingKeyUrl as string;
    expect(url).toBe(`${stack.emulatorUrl}/issuing-key/v1/keys`);
    const key = (await (await fetch(url)).json()) as { key_id: string; jwk: { kty: string } };
    expect(key.key_id).toBeTruthy();
    expect(key.jwk.kty).toBe('RSA');
  });

  test('in stripe mode it is Stripe’s key endpoint', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_x',
      SESSION_SECRET: 'x'.repeat(32),
    });
    expect(browserConfig(config).issuingKeyUrl).toBe('https://issuing-key.stripe.com/v1/keys');
  });

  test('REVEAL_DISPLAY_TIMEOUT_SECONDS replaces the policy’s display timeout in /api/me', async () => {
    const res = await stack.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { cookie: await stack.loginCookie('support@example.com') },
    });
    expect(res.json().permissions.reveal.displayTimeoutSeconds).toBe(7);
    expect(() => loadConfig({ REVEAL_DISPLAY_TIMEOUT_SECONDS: 'soon' })).toThrow(ConfigError);
    expect(() => loadConfig({ REVEAL_DISPLAY_TIMEOUT_SECONDS: '0' })).toThrow(/REVEAL_DISPLAY_TIMEOUT_SECONDS/);
  });
});
