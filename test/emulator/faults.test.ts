// Fault injection, seen through the official SDK (its error classes and its retries) and over
// HTTP: the Emulator-Fault header, rules at run time and at start-up.
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { parseFaultsEnv } from '../../emulator/api/faults.ts';
import { emulatorOptionsFromEnv } from '../../emulator/app.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';
import { schemaErrors } from './openapi.ts';

let emu: TestEmulator;
let stripe: Stripe;
let acme: Stripe.Account;
let cardholder: string;

/** An SDK client that retries as configured, quickly. */
const retryingClient = (retries: number) =>
  new Stripe('sk_test_faults', { host: '127.0.0.1', port: emu.port, protocol: 'http', maxNetworkRetries: retries });

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  [acme] = (await seededAccounts(stripe)) as [Stripe.Account];
  cardholder = (await stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: acme.id })).data[0]!.id;
});
afterAll(() => emu.close());
afterEach(() => {
  emu.app.emulator.faults.clear();
});

const cardCount = async () => (await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: acme.id })).data.length;

describe('Emulator-Fault header', () => {
  it('rate_limit answers 429 with Stripe’s rate_limit error (StripeRateLimitError)', async () => {
    const res = await emu.raw('GET', '/v1/accounts', { headers: { 'emulator-fault': 'rate_limit' } });
    expect(res.status).toBe(429);
    expect(res.body.error).toMatchObject({ type: 'invalid_request_error', code: 'rate_limit' });
    expect(schemaErrors('error', res.body)).toEqual([]);
    const err = await stripeError(() => stripe.accounts.list({}, { headers: { 'Emulator-Fault': 'rate_limit' } }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeRateLimitError);
  });

  it('server_error answers 500 api_error (StripeAPIError)', async () => {
    const err = await stripeError(() => stripe.accounts.list({}, { headers: { 'Emulator-Fault': 'server_error' } }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeAPIError);
    expect(err.statusCode).toBe(500);
    expect(err.type).toBe('StripeAPIError');
  });

  it('delay=<ms> answers normally, that much later', async () => {
    const started = Date.now();
    const res = await emu.raw('GET', '/v1/accounts', { headers: { 'emulator-fault': 'delay=300' } });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('drop closes the connection without an answer (StripeConnectionError)', async () => {
    await expect(
      fetch(`${emu.baseUrl}/v1/accounts`, { headers: { authorization: 'Bearer sk_test_x', 'emulator-fault': 'drop' } }),
    ).rejects.toThrow();
    const err = await stripeError(() => stripe.accounts.list({}, { headers: { 'Emulator-Fault': 'drop' } }));
    expect(err).toBeInstanceOf(Stripe.errors.StripeConnectionError);
  });

  it('drop_after runs the request, then closes the connection instead of answering', async () => {
    const before = await cardCount();
    const request = fetch(`${emu.baseUrl}/v1/issuing/cards`, {
      method: 'POST',
      headers: {
        authorization: 'Bearer sk_test_x',
        'stripe-account': acme.id,
        'content-type': 'application/x-www-form-urlencoded',
        'emulator-fault': 'drop_after',
      },
      body: `cardholder=${cardholder}&currency=usd&type=virtual`,
    });
    await expect(request).rejects.toThrow();
    // The card exists although its creator never heard about it.
    expect(await cardCount()).toBe(before + 1);
  });

  it('refuses an unknown fault with a 400', async () => {
    const res = await emu.raw('GET', '/v1/accounts', { headers: { 'emulator-fault': 'explode' } });
    expect(res.status).toBe(400);
    expect(res.body.error.message).toMatch(/^Invalid Emulator-Fault header: explode/);
    for (const bad of ['permission_denied=', 'permission_denied=Issuing Cards', 'slow=x']) {
      const refused = await emu.raw('GET', '/v1/accounts', { headers: { 'emulator-fault': bad } });
      expect(refused.status, bad).toBe(400);
      expect(refused.body.error.param).toBe('Emulator-Fault');
    }
  });
});

describe('permission_denied: Stripe’s 403 for a restricted key lacking a permission', () => {
  it('named: 403 invalid_request_error without a code, Stripe’s words, the key redacted (StripePermissionError)', async () => {
    const res = await emu.raw('GET', `/v1/accounts/${acme.id}`, {
      key: 'sk_test_permissionProbe1234',
      headers: { 'emulator-fault': 'permission_denied=rak_accounts_kyc_id_numbers_read' },
    });
    expect(res.status).toBe(403);
    expect(res.body).toEqual({
      error: {
        type: 'invalid_request_error',
        message: `The provided key 'sk_test_***************1234' does not have the required permissions for this endpoint on account '${emu.app.emulator.store.platformAccountId}'. Having the 'rak_accounts_kyc_id_numbers_read' permission would allow this request to continue.`,
      },
    });
    expect(res.body.error.message).not.toContain('permissionProbe');
    expect(schemaErrors('error', res.body)).toEqual([]);

    const err = await stripeError(() =>
      stripe.issuing.cards.list(
        { limit: 1 },
        { stripeAccount: acme.id, headers: { 'Emulator-Fault': 'permission_denied=rak_issuing_card_read' } },
      ),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(err.statusCode).toBe(403);
    expect(err.code).toBeUndefined();
    // The account acted on: the connected account of Stripe-Account.
    expect(err.message).toMatch(
      new RegExp(`on account '${acme.id}'\\. Having the 'rak_issuing_card_read' permission would allow`),
    );
  });

  it('unnamed: a request restricted keys cannot make; connect: no Connect permissions', async () => {
    const notForRestricted = await stripeError(() =>
      stripe.accounts.list({}, { headers: { 'Emulator-Fault': 'permission_denied' } }),
    );
    expect(notForRestricted).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(notForRestricted.message).toMatch(
      /^The provided key 'sk_test_\*+ator' does not have the required permissions for this endpoint on account 'acct_\w+'\. This is a restricted API key, but the required permissions are not available for use by restricted keys\.$/,
    );
    const noConnect = await stripeError(() =>
      stripe.issuing.cards.list(
        { limit: 1 },
        { stripeAccount: acme.id, headers: { 'Emulator-Fault': 'permission_denied=connect' } },
      ),
    );
    expect(noConnect).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(noConnect.message).toBe(
      'You passed a restricted API key with the Stripe-Account header, but the restricted API key does not have any Connect permissions.',
    );
  });

  it('as a rule: the request does not run', async () => {
    const before = await cardCount();
    const rule = emu.app.emulator.faults.add({
      method: 'POST',
      path: '/v1/issuing/cards',
      kind: 'permission_denied',
      permission: 'rak_issuing_card_write',
      times: 1,
    });
    const err = await stripeError(() =>
      stripe.issuing.cards.create({ cardholder, currency: 'usd', type: 'virtual' }, { stripeAccount: acme.id }),
    );
    expect(err).toBeInstanceOf(Stripe.errors.StripePermissionError);
    expect(err.message).toContain("Having the 'rak_issuing_card_write' permission");
    expect(rule.hits).toBe(1);
    expect(await cardCount()).toBe(before);
  });
});

describe('slow: Stripe executing slowly, the Idempotency-Key taken meanwhile', () => {
  /** Resolves once the rule has caught a request (its key is then held). */
  async function caught(rule: { hits: number }): Promise<void> {
    for (let i = 0; i < 500 && rule.hits === 0; i++) await new Promise((resolve) => setTimeout(resolve, 10));
    expect(rule.hits).toBe(1);
  }

  it('a concurrent request with the same key: 409 idempotency_key_in_use (other parameters: 400); then the replay', async () => {
    const before = await cardCount();
    const key = `slow-key-${Date.now()}`;
    const body = `cardholder=${cardholder}&currency=usd&type=virtual`;
    const send = (payload = body) =>
      emu.raw('POST', '/v1/issuing/cards', { account: acme.id, body: payload, headers: { 'idempotency-key': key } });
    const rule = emu.app.emulator.faults.add({
      method: 'POST',
      path: '/v1/issuing/cards',
      kind: 'slow',
      delay_ms: 1_500,
      times: 1,
    });
    const first = send();
    await caught(rule);

    const running = await send();
    expect(running.status).toBe(409);
    expect(running.body.error).toMatchObject({ type: 'invalid_request_error', code: 'idempotency_key_in_use' });
    expect(running.headers.get('stripe-should-retry')).toBe('true');
    const other = await send(`${body}&status=active`);
    expect(other.status).toBe(400);
    expect(other.body.error.type).toBe('idempotency_error');
    // What the SDK raises for the 409 (no retries here).
    const sdk = await stripeError(() =>
      stripe.issuing.cards.create(
        { cardholder, currency: 'usd', type: 'virtual' },
        { stripeAccount: acme.id, idempotencyKey: key },
      ),
    );
    expect(sdk.statusCode).toBe(409);
    expect(sdk.code).toBe('idempotency_key_in_use');

    const made = await first;
    expect(made.status).toBe(200);
    const again = await send();
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(made.body.id);
    expect(await cardCount()).toBe(before + 1);
  });

  it('without a key it only waits; a bad delay is refused', async () => {
    const started = Date.now();
    const res = await emu.raw('GET', '/v1/accounts', { headers: { 'emulator-fault': 'slow=200' } });
    expect(res.status).toBe(200);
    expect(Date.now() - started).toBeGreaterThanOrEqual(190);
    expect(() => emu.app.emulator.faults.add({ path: '/v1/', kind: 'slow' })).toThrow(/delay_ms/);
  });
});

describe('fault rules', () => {
  it('are added, listed and cleared over HTTP, and refuse bad rules naming the field', async () => {
    const added = await fetch(`${emu.baseUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ method: 'get', path: '/v1/accounts', kind: 'rate_limit', times: 2 }),
    });
    expect(added.status).toBe(200);
    expect(await added.json()).toMatchObject({
      method: 'GET',
      path: '/v1/accounts',
      kind: 'rate_limit',
      times: 2,
      hits: 0,
    });
    const listed = await (await fetch(`${emu.baseUrl}/_emulator/faults`)).json();
    expect(listed.data).toHaveLength(1);

    expect((await emu.raw('POST', '/v1/accounts', { body: 'type=custom' })).status).toBe(200); // another method
    expect((await emu.raw('GET', '/v1/accounts')).status).toBe(429);
    expect((await emu.raw('GET', '/v1/accounts/acct_1Unknown00000000')).status).toBe(429); // a prefix
    expect((await emu.raw('GET', '/v1/accounts')).status).toBe(200); // times ran out
    expect((await (await fetch(`${emu.baseUrl}/_emulator/faults`)).json()).data).toEqual([]);

    await fetch(`${emu.baseUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ path: '/v1/', kind: 'server_error' }),
    });
    expect((await emu.raw('GET', '/v1/accounts')).status).toBe(500);
    const cleared = await fetch(`${emu.baseUrl}/_emulator/faults`, { method: 'DELETE' });
    expect(await cleared.json()).toEqual({ deleted: 1 });
    expect((await emu.raw('GET', '/v1/accounts')).status).toBe(200);

    for (const [rule, field] of [
      [{ path: '/v1/x', kind: 'meltdown' }, 'kind'],
      [{ path: 'v1', kind: 'drop' }, 'path'],
      [{ path: '/v1/x', kind: 'delay' }, 'delay_ms'],
      [{ path: '/v1/x', kind: 'drop', times: 0 }, 'times'],
      [{ path: '/v1/x', kind: 'drop', when: 'now' }, 'when'],
      [{ path: '/v1/x', kind: 'drop', permission: 'rak_x' }, 'permission'],
      [{ path: '/v1/x', kind: 'permission_denied', permission: 'card_read' }, 'permission'],
      [{ path: '/v1/x', kind: 'permission_denied', delay_ms: 5 }, 'delay_ms'],
    ] as const) {
      const res = await fetch(`${emu.baseUrl}/_emulator/faults`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(rule),
      });
      expect(res.status).toBe(400);
      expect((await res.json()).error.param).toBe(field);
    }
  });

  it('a 500 on card creation is retried by the SDK with the same Idempotency-Key and creates one card', async () => {
    const before = await cardCount();
    emu.app.emulator.faults.add({ method: 'POST', path: '/v1/issuing/cards', kind: 'server_error', times: 1 });
    const card = await retryingClient(2).issuing.cards.create(
      { cardholder, currency: 'usd', type: 'virtual' },
      { stripeAccount: acme.id },
    );
    expect(card.id).toMatch(/^ic_/);
    expect(await cardCount()).toBe(before + 1);
  });

  it('a dropped connection is retried by the SDK (even with retries off) and creates one card', async () => {
    const before = await cardCount();
    emu.app.emulator.faults.add({ method: 'POST', path: '/v1/issuing/cards', kind: 'drop', times: 1 });
    const card = await retryingClient(0).issuing.cards.create(
      { cardholder, currency: 'usd', type: 'virtual' },
      { stripeAccount: acme.id },
    );
    expect(card.object).toBe('issuing.card');
    expect(await cardCount()).toBe(before + 1);
  });

  it('drop_after: the SDK retries with the same Idempotency-Key and gets the replay of the card made the first time', async () => {
    const before = await cardCount();
    const rule = emu.app.emulator.faults.add({
      method: 'POST',
      path: '/v1/issuing/cards',
      kind: 'drop_after',
      times: 1,
    });
    const card = await retryingClient(1).issuing.cards.create(
      { cardholder, currency: 'usd', type: 'virtual' },
      { stripeAccount: acme.id },
    );
    expect(rule.hits).toBe(1);
    expect(card.lastResponse.headers['idempotent-replayed']).toBe('true');
    expect(await cardCount()).toBe(before + 1);
    const [newest] = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: acme.id })).data;
    expect(newest?.id).toBe(card.id);
  });

  it('a faulted request saves no idempotent result: once the fault is cleared the key runs, then replays', async () => {
    const key = `fault-key-${Date.now()}`;
    const send = () =>
      emu.raw('POST', '/v1/issuing/cards', {
        account: acme.id,
        body: `cardholder=${cardholder}&currency=usd&type=virtual`,
        headers: { 'idempotency-key': key },
      });
    emu.app.emulator.faults.add({ path: '/v1/issuing/cards', kind: 'rate_limit' });
    expect((await send()).status).toBe(429);
    expect((await send()).status).toBe(429);
    emu.app.emulator.faults.clear();
    const first = await send();
    expect(first.status).toBe(200);
    const again = await send();
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    expect(again.body.id).toBe(first.body.id);
  });

  it('rules given at start-up apply from the first request', async () => {
    const other = await startEmulator({ faults: [{ path: '/v1/accounts', kind: 'rate_limit', times: 1 }] });
    try {
      expect((await other.raw('GET', '/v1/accounts')).status).toBe(429);
      expect((await other.raw('GET', '/v1/accounts')).status).toBe(200);
    } finally {
      await other.close();
    }
  });

  it('EMULATOR_FAULTS is read as a JSON array and a bad one is refused naming the variable', () => {
    expect(
      emulatorOptionsFromEnv({ EMULATOR_FAULTS: '[{"path":"/v1/ephemeral_keys","kind":"delay","delay_ms":50}]' })
        .faults,
    ).toEqual([{ path: '/v1/ephemeral_keys', kind: 'delay', delay_ms: 50 }]);
    expect(parseFaultsEnv('[{"method":"post","path":"/v1/issuing/cards","kind":"drop_after","times":2}]')).toEqual([
      { method: 'POST', path: '/v1/issuing/cards', kind: 'drop_after', times: 2 },
    ]);
    expect(parseFaultsEnv(undefined)).toEqual([]);
    expect(() => parseFaultsEnv('{"path":"/v1"}')).toThrow(/^EMULATOR_FAULTS must be a JSON array/);
    expect(() => parseFaultsEnv('[{"path":"/v1","kind":"boom"}]')).toThrow(
      /^EMULATOR_FAULTS\[0\]: kind must be one of/,
    );
  });
});
