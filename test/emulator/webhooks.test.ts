// Webhook endpoints and signed delivery, through the SDK over HTTP, to a real HTTP receiver.
import Stripe from 'stripe';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { sendAuthorizationRequest } from '../../emulator/api/webhooks/realtime.ts';
import { emulatorOptionsFromEnv } from '../../emulator/app.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { startReceiver, type Receiver } from './conformance/webhook-receiver.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';
import { responseErrors, schemaErrors } from './openapi.ts';

const verifier = new Stripe('sk_test_verifier');
const address = { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' };

let emu: TestEmulator;
let stripe: Stripe;
let acme: Stripe.Account;
let receiver: Receiver;

beforeAll(async () => {
  emu = await startEmulator({ webhooks: { retryDelaysMs: [50, 100], timeoutMs: 2000 } });
  stripe = emu.stripe();
  [acme] = (await seededAccounts(stripe)) as [Stripe.Account];
});
afterAll(() => emu.close());

afterEach(async () => {
  // Each test registers its own endpoints; remove them so that tests do not see each other's deliveries.
  for (const endpoint of (await stripe.webhookEndpoints.list({ limit: 100 })).data)
    await stripe.webhookEndpoints.del(endpoint.id);
  await emu.app.emulator.webhooks.dispatcher.idle();
  await receiver?.close();
});

const newCardholder = (account?: string, name = 'Webhook Person') =>
  stripe.issuing.cardholders.create({ name, billing: { address } }, account ? { stripeAccount: account } : {});

describe('webhook endpoints', () => {
  it('shows the whsec_ secret only in the create response', async () => {
    receiver = await startReceiver();
    const created = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['issuing_card.created', 'issuing_card.updated'],
      description: 'cards',
      metadata: { team: 'ops' },
    });
    expect(created.secret).toMatch(/^whsec_[A-Za-z0-9]{20,}$/);
    expect(created).toMatchObject({
      object: 'webhook_endpoint',
      status: 'enabled',
      url: receiver.url,
      livemode: false,
      api_version: null,
      application: null,
    });
    expect(responseErrors('post', '/v1/webhook_endpoints', 200, created)).toEqual([]);

    const retrieved = await stripe.webhookEndpoints.retrieve(created.id);
    expect(retrieved.secret).toBeUndefined();
    expect(responseErrors('get', '/v1/webhook_endpoints/{webhook_endpoint}', 200, retrieved)).toEqual([]);
    const list = await stripe.webhookEndpoints.list();
    expect(list.data.map((e) => e.id)).toContain(created.id);
    expect(list.data.every((e) => e.secret === undefined)).toBe(true);
    expect(responseErrors('get', '/v1/webhook_endpoints', 200, list)).toEqual([]);
  });

  it('updates events, status, description and metadata, and deletes', async () => {
    const created = await stripe.webhookEndpoints.create({
      url: 'https://example.com/hook',
      enabled_events: ['*'],
      metadata: { a: '1', b: '2' },
    });
    const updated = await stripe.webhookEndpoints.update(created.id, {
      enabled_events: ['issuing_cardholder.created'],
      disabled: true,
      description: 'paused',
      metadata: { a: '' },
    });
    expect(updated).toMatchObject({
      status: 'disabled',
      enabled_events: ['issuing_cardholder.created'],
      description: 'paused',
      metadata: { b: '2' },
    });
    const cleared = await stripe.webhookEndpoints.update(created.id, { description: '', disabled: false });
    expect(cleared).toMatchObject({ status: 'enabled', description: null });

    const deleted = await stripe.webhookEndpoints.del(created.id);
    expect(deleted).toEqual({ id: created.id, object: 'webhook_endpoint', deleted: true });
    expect(schemaErrors('deleted_webhook_endpoint', deleted)).toEqual([]);
    const err = await stripeError(() => stripe.webhookEndpoints.retrieve(created.id));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
  });

  it.each([
    [
      'an unknown event type',
      { url: 'https://example.com/h', enabled_events: ['card.exploded'] },
      'enabled_events[0]',
      /^Invalid enabled_events\[0\]: must be one of \*, account/,
    ],
    ['no url', { enabled_events: ['*'] }, 'url', /^Missing required param: url/],
    [
      'no enabled_events',
      { url: 'https://example.com/h' },
      'enabled_events',
      /^Missing required param: enabled_events/,
    ],
    ['a url that is not one', { url: 'not a url', enabled_events: ['*'] }, 'url', /^Invalid URL/],
    [
      'an unknown api_version',
      { url: 'https://example.com/h', enabled_events: ['*'], api_version: '1999-01-01' },
      'api_version',
      /^Invalid api_version/,
    ],
  ])('refuses %s with a 400 naming the parameter', async (_label, params, param, message) => {
    const err = await stripeError(() => stripe.webhookEndpoints.create(params as Stripe.WebhookEndpointCreateParams));
    expect(err.statusCode).toBe(400);
    expect(err.param).toBe(param);
    expect(err.message).toMatch(message);
  });
});

describe('delivery', () => {
  it('signs each event so that stripe.webhooks.constructEvent accepts it, and refuses a tampered body', async () => {
    receiver = await startReceiver();
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['issuing_cardholder.created'],
    });
    const cardholder = await newCardholder();

    const [delivery] = await receiver.waitFor(1);
    const signature = delivery!.headers['stripe-signature'] as string;
    expect(signature).toMatch(/^t=\d+,v1=[0-9a-f]{64},v0=[0-9a-f]{64}$/);
    expect(delivery!.headers['content-type']).toBe('application/json; charset=utf-8');
    expect(delivery!.headers['user-agent']).toMatch(/^Stripe\/1\.0/);

    const event = verifier.webhooks.constructEvent(delivery!.body, signature, endpoint.secret!);
    expect(event.type).toBe('issuing_cardholder.created');
    expect((event.data.object as Stripe.Issuing.Cardholder).id).toBe(cardholder.id);
    expect(event.account).toBeUndefined(); // a platform event
    expect(schemaErrors('event', event)).toEqual([]);

    const tampered = delivery!.body.replace('Webhook Person', 'Webhook Persom');
    expect(() => verifier.webhooks.constructEvent(tampered, signature, endpoint.secret!)).toThrow(
      /No signatures found matching the expected signature/,
    );
    expect(() => verifier.webhooks.constructEvent(delivery!.body, signature, 'whsec_another')).toThrow(
      Stripe.errors.StripeSignatureVerificationError,
    );
  });

  it('sends connected accounts’ events to connect endpoints only, with `account`, and the platform’s to the others', async () => {
    receiver = await startReceiver();
    const platformHook = await startReceiver('/platform');
    try {
      const connectEndpoint = await stripe.webhookEndpoints.create({
        url: receiver.url,
        enabled_events: ['*'],
        connect: true,
      });
      await stripe.webhookEndpoints.create({ url: platformHook.url, enabled_events: ['*'] });

      const onAcme = await newCardholder(acme.id, 'Connected Person');
      const onPlatform = await newCardholder(undefined, 'Platform Person');

      const [connected] = await receiver.waitFor(1);
      const [platform] = await platformHook.waitFor(1);
      await emu.app.emulator.webhooks.dispatcher.idle();
      expect(receiver.deliveries).toHaveLength(1);
      expect(platformHook.deliveries).toHaveLength(1);
      const event = verifier.webhooks.constructEvent(
        connected!.body,
        connected!.headers['stripe-signature'] as string,
        connectEndpoint.secret!,
      );
      expect(event.account).toBe(acme.id);
      expect((event.data.object as { id: string }).id).toBe(onAcme.id);
      expect(platform!.json.account).toBeUndefined();
      expect(platform!.json.data.object.id).toBe(onPlatform.id);
    } finally {
      await platformHook.close();
    }
  });

  it('delivers only the enabled event types and nothing to disabled endpoints', async () => {
    receiver = await startReceiver();
    const cardsOnly = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['issuing_card.created'],
    });
    const disabled = await stripe.webhookEndpoints.create({ url: `${receiver.url}?disabled`, enabled_events: ['*'] });
    await stripe.webhookEndpoints.update(disabled.id, { disabled: true });
    const cardholder = await newCardholder();
    const card = await stripe.issuing.cards.create({ cardholder: cardholder.id, currency: 'usd', type: 'virtual' });
    const [delivery] = await receiver.waitFor(1);
    await emu.app.emulator.webhooks.dispatcher.idle();
    expect(receiver.deliveries).toHaveLength(1);
    expect(delivery!.json.type).toBe('issuing_card.created');
    expect(delivery!.json.data.object.id).toBe(card.id);
    expect(cardsOnly.enabled_events).toEqual(['issuing_card.created']);
  });

  it('answers the API call without waiting for a slow endpoint', async () => {
    receiver = await startReceiver();
    receiver.answers.push({ status: 200, delayMs: 1500 });
    await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'] });
    const started = Date.now();
    await newCardholder();
    expect(Date.now() - started).toBeLessThan(1000);
    await receiver.waitFor(1);
  });

  it('retries a failing endpoint with a new signature each time and counts pending_webhooks down once delivered', async () => {
    receiver = await startReceiver();
    receiver.answers.push(
      { status: 500 },
      { status: 302, headers: { location: 'https://example.com' } },
      { status: 200 },
    );
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['issuing_cardholder.created'],
    });
    await newCardholder();
    const deliveries = await receiver.waitFor(3);
    const ids = new Set(deliveries.map((d) => d.json.id));
    expect(ids.size).toBe(1);
    const signatures = deliveries.map((d) => d.headers['stripe-signature'] as string);
    expect(new Set(signatures).size).toBe(3);
    for (const d of deliveries) {
      expect(
        verifier.webhooks.constructEvent(d.body, d.headers['stripe-signature'] as string, endpoint.secret!).id,
      ).toBe(deliveries[0]!.json.id);
    }
    expect(deliveries[0]!.json.pending_webhooks).toBe(1);
    await emu.app.emulator.webhooks.dispatcher.idle();
    const event = await stripe.events.retrieve(deliveries[0]!.json.id);
    expect(event.pending_webhooks).toBe(0);
  });

  it('gives up after three tries, leaving the event pending', async () => {
    receiver = await startReceiver();
    receiver.answers.push({ status: 503 });
    await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['issuing_cardholder.created'] });
    await newCardholder();
    await receiver.waitFor(3);
    await emu.app.emulator.webhooks.dispatcher.idle();
    expect(receiver.deliveries).toHaveLength(3);
    const eventId = receiver.deliveries[0]!.json.id;
    expect((await stripe.events.retrieve(eventId)).pending_webhooks).toBe(1);
    const undelivered = await stripe.events.list({ delivery_success: false, limit: 100 });
    expect(undelivered.data.map((e) => e.id)).toContain(eventId);
  });

  it('retries after a network error (nothing listening)', async () => {
    receiver = await startReceiver();
    const deadUrl = receiver.url;
    await receiver.close();
    await stripe.webhookEndpoints.create({ url: deadUrl, enabled_events: ['issuing_cardholder.created'] });
    await newCardholder();
    await emu.app.emulator.webhooks.dispatcher.idle();
    const attempts = emu.app.emulator.webhooks.dispatcher.attempts.filter((a) => a.url === deadUrl);
    expect(attempts.map((a) => a.attempt)).toEqual([1, 2, 3]);
    expect(attempts.every((a) => !a.ok && a.error !== undefined)).toBe(true);
    receiver = await startReceiver(); // for afterEach
  });

  it('renders the payload at the endpoint’s api_version when it has one', async () => {
    receiver = await startReceiver();
    await stripe.webhookEndpoints.create({ url: receiver.url, enabled_events: ['*'], api_version: '2024-04-10' });
    await newCardholder();
    const [delivery] = await receiver.waitFor(1);
    expect(delivery!.json.api_version).toBe('2024-04-10');
  });
});

describe('issuing_authorization.request', () => {
  const authorization = (card: string) =>
    ({ id: 'iauth_1Test', object: 'issuing.authorization', card }) as unknown as Stripe.Issuing.Authorization;
  const setEndpoint = (body: unknown) =>
    fetch(`${emu.baseUrl}/_emulator/issuing/settings`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    });

  it('goes synchronously to the endpoint of the Issuing settings, signed with its secret, and returns its answer with Stripe-Version', async () => {
    receiver = await startReceiver();
    receiver.answers.push({
      status: 200,
      body: '{"approved":true}',
      headers: { 'stripe-version': STRIPE_API_VERSION },
    });
    // An ordinary connect endpoint enabling the event is not the one asked (Stripe: the synchronous
    // webhook is set in the Issuing settings, docs.stripe.com/issuing/controls/real-time-authorizations).
    const other = await startReceiver();
    await stripe.webhookEndpoints.create({
      url: other.url,
      enabled_events: ['issuing_authorization.request'],
      connect: true,
    });
    const secret = 'whsec_issuingSettings123';
    expect((await setEndpoint({ authorization_webhook: { url: receiver.url, secret } })).status).toBe(200);
    try {
      const answer = await sendAuthorizationRequest(emu.app.emulator, {
        account: acme.id,
        authorization: authorization('ic_1Test'),
        signal: AbortSignal.timeout(2000),
      });
      expect(answer).toMatchObject({ status: 200, body: '{"approved":true}', stripeVersion: STRIPE_API_VERSION });
      const [delivery] = receiver.deliveries;
      expect(delivery!.headers.accept).toBe('application/json');
      const event = verifier.webhooks.constructEvent(
        delivery!.body,
        delivery!.headers['stripe-signature'] as string,
        secret,
      );
      expect(event).toMatchObject({ type: 'issuing_authorization.request', account: acme.id });
      const listed = await stripe.events.list({ type: 'issuing_authorization.request' }, { stripeAccount: acme.id });
      expect(listed.data[0]).toMatchObject({ id: event.id, pending_webhooks: 0 });
      expect(other.deliveries).toHaveLength(0);
    } finally {
      await other.close();
      await setEndpoint({ authorization_webhook: null });
    }
  });

  it('resolves undefined when the Issuing settings name no endpoint, whatever webhook endpoints exist', async () => {
    await stripe.webhookEndpoints.create({
      url: 'https://example.com/auth',
      enabled_events: ['issuing_authorization.request'],
      connect: true,
    });
    const answer = await sendAuthorizationRequest(emu.app.emulator, {
      account: acme.id,
      authorization: authorization('ic_1Test'),
      signal: AbortSignal.timeout(2000),
    });
    expect(answer).toBeUndefined();
  });

  it('rejects when the caller’s time runs out', async () => {
    receiver = await startReceiver();
    receiver.answers.push({ status: 200, body: '{"approved":true}', delayMs: 1000 });
    await setEndpoint({ authorization_webhook: { url: receiver.url } });
    const started = Date.now();
    try {
      await expect(
        sendAuthorizationRequest(emu.app.emulator, {
          account: acme.id,
          authorization: authorization('ic_1Test'),
          signal: AbortSignal.timeout(200),
        }),
      ).rejects.toThrow();
      expect(Date.now() - started).toBeLessThan(900);
    } finally {
      await setEndpoint({ authorization_webhook: null });
    }
  });
});

describe('EMULATOR_AUTHORIZATION_WEBHOOK_URL at start-up', () => {
  it('sets the Issuing settings endpoint (its secret, else the webhook secret); a bad value names the variable', async () => {
    const other = await startEmulator({
      authorizationWebhookUrl: 'http://127.0.0.1:9/auth',
      webhookSecret: 'whsec_shared123',
    });
    try {
      const settings = (await (await fetch(`${other.baseUrl}/_emulator/issuing/settings`)).json()) as {
        authorization_webhook: unknown;
      };
      expect(settings.authorization_webhook).toEqual({ url: 'http://127.0.0.1:9/auth', secret: 'whsec_shared123' });
    } finally {
      await other.close();
    }
    expect(
      emulatorOptionsFromEnv({
        EMULATOR_AUTHORIZATION_WEBHOOK_URL: 'http://a/b',
        EMULATOR_AUTHORIZATION_WEBHOOK_SECRET: 'whsec_abc',
      }),
    ).toMatchObject({
      authorizationWebhookUrl: 'http://a/b',
      authorizationWebhookSecret: 'whsec_abc',
    });
    expect(() => emulatorOptionsFromEnv({ EMULATOR_AUTHORIZATION_WEBHOOK_URL: 'nope' })).toThrow(
      /EMULATOR_AUTHORIZATION_WEBHOOK_URL/,
    );
    expect(() => emulatorOptionsFromEnv({ EMULATOR_AUTHORIZATION_WEBHOOK_SECRET: 'nope' })).toThrow(
      /EMULATOR_AUTHORIZATION_WEBHOOK_SECRET/,
    );
  });
});

describe('EMULATOR_WEBHOOK_URL at start-up', () => {
  it('registers an account and a connect endpoint with the given secret', async () => {
    receiver = await startReceiver();
    const secret = 'whsec_startupSecret123';
    const other = await startEmulator({ webhookUrl: receiver.url, webhookSecret: secret });
    try {
      const sdk = other.stripe();
      const endpoints = await sdk.webhookEndpoints.list();
      expect(endpoints.data.map((e) => e.url)).toEqual([receiver.url, receiver.url]);
      const [account] = await seededAccounts(sdk);
      await sdk.issuing.cardholders.create({ name: 'Start Up', billing: { address } }, { stripeAccount: account!.id });
      const [delivery] = await receiver.waitFor(1);
      const event = verifier.webhooks.constructEvent(
        delivery!.body,
        delivery!.headers['stripe-signature'] as string,
        secret,
      );
      expect(event.account).toBe(account!.id);
    } finally {
      await other.close();
    }
  });
});
