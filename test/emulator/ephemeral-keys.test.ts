// The reveal chain: Stripe.js makes a nonce with the publishable key, the server exchanges it for
// an ephemeral key with the secret key, and only that key reads the card's number, CVC and PIN.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../emulator/api/store.ts';
import { responseErrors, schemaErrors } from './openapi.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { passesLuhn, seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';

const clock = manualClock(Date.UTC(2026, 5, 1, 12));
let emu: TestEmulator;
let stripe: Stripe;
let account: string;
let otherAccount: string;
let card: Stripe.Issuing.Card;
let otherCard: Stripe.Issuing.Card;

async function createNonce(cardId: string, stripeAccount = account, key = 'pk_test_browser'): Promise<string> {
  const res = await emu.raw('POST', '/v1/ephemeral_key_nonces', {
    key,
    account: stripeAccount,
    body: `issuing_card=${cardId}`,
  });
  expect(res.status).toBe(200);
  return res.body.nonce as string;
}

function createKey(cardId: string, nonce: string, stripeAccount = account): Promise<Stripe.EphemeralKey> {
  return stripe.ephemeralKeys.create(
    { issuing_card: cardId, nonce },
    { apiVersion: STRIPE_API_VERSION, stripeAccount },
  );
}

beforeAll(async () => {
  emu = await startEmulator({ clock });
  stripe = emu.stripe();
  const accounts = await seededAccounts(stripe);
  account = accounts[0]!.id;
  otherAccount = accounts[1]!.id;
  const cards = await stripe.issuing.cards.list({ status: 'active', limit: 10 }, { stripeAccount: account });
  card = cards.data[0]!;
  otherCard = cards.data[1]!;
});
afterAll(() => emu.close());

describe('nonce → ephemeral key → card details', () => {
  it('reveals a Luhn-valid number, the CVC and the test PIN to the ephemeral key only', async () => {
    const nonce = await createNonce(card.id);
    expect(nonce).toMatch(/^ephkn_pub_/);
    const key = await createKey(card.id, nonce);
    expect(key).toMatchObject({ object: 'ephemeral_key', livemode: false });
    expect(key.id).toMatch(/^ephkey_/);
    expect(key.secret).toMatch(/^ek_test_/);
    expect(key.expires - key.created).toBe(15 * 60);
    expect((key as unknown as { associated_objects: unknown }).associated_objects).toEqual([
      { id: card.id, type: 'issuing.card' },
    ]);
    expect(responseErrors('post', '/v1/ephemeral_keys', 200, JSON.parse(JSON.stringify(key)))).toEqual([]);

    const browser = emu.stripe(key.secret);
    const revealed = await browser.issuing.cards.retrieve(card.id, { expand: ['number', 'cvc', 'pin.number'] });
    expect(revealed.number).toMatch(/^\d{16}$/);
    expect(passesLuhn(revealed.number!)).toBe(true);
    expect(revealed.number!.endsWith(card.last4)).toBe(true);
    expect(revealed.cvc).toMatch(/^\d{3}$/);
    expect((revealed as unknown as { pin: { number: string } }).pin.number).toBe('0000');
    expect(schemaErrors('issuing.card', JSON.parse(JSON.stringify(revealed)))).toEqual([]);

    // Without asking, the key gets no secrets either.
    const plain = await browser.issuing.cards.retrieve(card.id);
    expect(plain.number).toBeUndefined();
  });

  it('keeps number and CVC out of responses to the secret key, even when expanded', async () => {
    const viaSecret = await stripe.issuing.cards.retrieve(
      card.id,
      { expand: ['number', 'cvc'] },
      { stripeAccount: account },
    );
    expect(viaSecret.number).toBeUndefined();
    expect(viaSecret.cvc).toBeUndefined();
    const list = await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account });
    expect(JSON.stringify(list)).not.toMatch(/"number"|"cvc"/);
  });

  it('refuses a nonce made for another card', async () => {
    const nonce = await createNonce(otherCard.id);
    const err = await stripeError(() => createKey(card.id, nonce));
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe('nonce');
    expect(err.message).toContain('different card');
  });

  it('refuses a nonce used twice', async () => {
    const nonce = await createNonce(card.id);
    await createKey(card.id, nonce);
    const err = await stripeError(() => createKey(card.id, nonce));
    expect(err.statusCode).toBe(400);
    expect(err.message).toContain('already been used');
  });

  it('refuses a nonce from another account and an unknown nonce', async () => {
    const foreignCard = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: otherAccount })).data[0]!;
    const foreignNonce = await createNonce(foreignCard.id, otherAccount);
    const err = await stripeError(() => createKey(card.id, foreignNonce));
    expect(err.param).toBe('nonce');
    const unknown = await stripeError(() => createKey(card.id, 'ephkn_pub_made_up'));
    expect(unknown.statusCode).toBe(400);
  });

  it('refuses an expired nonce (the emulator keeps nonces 10 minutes)', async () => {
    const nonce = await createNonce(card.id);
    clock.advance(10 * 60 * 1000 + 1000);
    const err = await stripeError(() => createKey(card.id, nonce));
    expect(err.message).toContain('expired');
  });

  it('does not let a key read another card', async () => {
    const key = await createKey(card.id, await createNonce(card.id));
    const err = await stripeError(() =>
      emu.stripe(key.secret).issuing.cards.retrieve(otherCard.id, { expand: ['number'] }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    const list = await stripeError(() => emu.stripe(key.secret).issuing.cards.list());
    expect(list.statusCode).toBe(403);
  });

  it('expires the key after 15 minutes and invalidates it on delete', async () => {
    const expiring = await createKey(card.id, await createNonce(card.id));
    clock.advance(15 * 60 * 1000);
    const expired = await stripeError(() => emu.stripe(expiring.secret).issuing.cards.retrieve(card.id));
    expect(expired).toBeInstanceOf(Stripe.errors.StripeAuthenticationError);

    const key = await createKey(card.id, await createNonce(card.id));
    const deleted = await stripe.ephemeralKeys.del(key.id, {}, { stripeAccount: account });
    expect(deleted.id).toBe(key.id);
    expect(deleted.secret).toBeUndefined();
    const after = await stripeError(() => emu.stripe(key.secret).issuing.cards.retrieve(card.id));
    expect(after.statusCode).toBe(401);
  });

  it('needs a Stripe-Version of 2020-03-02 or later and the secret key', async () => {
    const noVersion = await emu.raw('POST', '/v1/ephemeral_keys', {
      account,
      body: `issuing_card=${card.id}&nonce=${await createNonce(card.id)}`,
    });
    expect(noVersion.status).toBe(400);
    expect(noVersion.body.error.message).toContain('Stripe-Version');

    const old = await emu.raw('POST', '/v1/ephemeral_keys', {
      account,
      body: `issuing_card=${card.id}&nonce=${await createNonce(card.id)}`,
      headers: { 'stripe-version': '2019-12-03' },
    });
    expect(old.status).toBe(400);
    expect(old.body.error.message).toContain('2020-03-02');

    const withPk = await stripeError(() =>
      emu
        .stripe('pk_test_browser')
        .ephemeralKeys.create({ issuing_card: card.id, nonce: 'x' }, { apiVersion: STRIPE_API_VERSION }),
    );
    expect(withPk.statusCode).toBe(401);

    const noNonce = await stripeError(() =>
      stripe.ephemeralKeys.create(
        { issuing_card: card.id },
        { apiVersion: STRIPE_API_VERSION, stripeAccount: account },
      ),
    );
    expect(noNonce.code).toBe('parameter_missing');
  });

  it('makes nonces only for cards of the acting account', async () => {
    const res = await emu.raw('POST', '/v1/ephemeral_key_nonces', {
      key: 'pk_test_browser',
      account: otherAccount,
      body: `issuing_card=${card.id}`,
    });
    expect(res.status).toBe(400);
    expect(res.body.error.code).toBe('resource_missing');
    const missing = await emu.raw('POST', '/v1/ephemeral_key_nonces', { key: 'pk_test_browser', account, body: '' });
    expect(missing.body.error.code).toBe('parameter_missing');
  });
});

describe('Issuing Elements not enabled for connected accounts', () => {
  // docs.stripe.com/issuing/elements: without the feature Stripe enables for the platform, key
  // creation for connected accounts fails with an authorization error.
  it('refuses the key for a listed connected account with a 403 (StripePermissionError), and only there', async () => {
    emu.app.store.issuingElementsDisabled.add(account);
    try {
      const nonce = await createNonce(card.id);
      const error = await createKey(card.id, nonce).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(Stripe.errors.StripePermissionError);
      expect((error as Stripe.errors.StripeError).statusCode).toBe(403);
      expect((error as Stripe.errors.StripeError).message).toMatch(
        /Issuing Elements are not enabled for connected accounts/,
      );
      // Another account of the same platform is not affected.
      const others = await stripe.issuing.cards.list({ status: 'active', limit: 1 }, { stripeAccount: otherAccount });
      const otherNonce = await createNonce(others.data[0]!.id, otherAccount);
      expect((await createKey(others.data[0]!.id, otherNonce, otherAccount)).secret).toMatch(/^ek_test_/);
    } finally {
      emu.app.store.issuingElementsDisabled.clear();
    }
    // Enabled again: the same card gets its key.
    expect((await createKey(card.id, await createNonce(card.id))).secret).toMatch(/^ek_test_/);
  });

  it('is set from EMULATOR_ISSUING_ELEMENTS_DISABLED, which must name accounts or *', async () => {
    const { emulatorOptionsFromEnv } = await import('../../emulator/app.ts');
    expect(emulatorOptionsFromEnv({ EMULATOR_ISSUING_ELEMENTS_DISABLED: 'acct_1, *' }).issuingElementsDisabled).toEqual(
      ['acct_1', '*'],
    );
    expect(() => emulatorOptionsFromEnv({ EMULATOR_ISSUING_ELEMENTS_DISABLED: 'nope' })).toThrow(
      /EMULATOR_ISSUING_ELEMENTS_DISABLED/,
    );
  });
});
