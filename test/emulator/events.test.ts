// Events for every state change, through the SDK over HTTP: shape, snapshots, request ids,
// scoping by Stripe-Account, filters and pagination.
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { seededAccounts, startEmulator, stripeError, type TestEmulator } from './helpers.ts';
import { responseErrors, schemaErrors } from './openapi.ts';

const address = { line1: '1 Main St', city: 'Springfield', postal_code: '12345', country: 'US' };

let emu: TestEmulator;
let stripe: Stripe;
let acme: Stripe.Account;
let bolt: Stripe.Account;

beforeAll(async () => {
  emu = await startEmulator();
  stripe = emu.stripe();
  [acme, bolt] = (await seededAccounts(stripe)) as [Stripe.Account, Stripe.Account];
});
afterAll(() => emu.close());

describe('events', () => {
  it('records a created and an updated event with a snapshot, previous_attributes and the request', async () => {
    const key = `events-test-${Date.now()}`;
    const created = await emu.raw('POST', '/v1/issuing/cardholders', {
      account: acme.id,
      body: new URLSearchParams({
        name: 'Event Person',
        'billing[address][line1]': '1 Main St',
        'billing[address][city]': 'X',
        'billing[address][postal_code]': '1',
        'billing[address][country]': 'US',
      }).toString(),
      headers: { 'idempotency-key': key },
    });
    expect(created.status).toBe(200);
    const cardholderId = created.body.id as string;
    await stripe.issuing.cardholders.update(cardholderId, { email: 'event@example.com' }, { stripeAccount: acme.id });

    const list = await stripe.events.list({ limit: 2 }, { stripeAccount: acme.id });
    expect(responseErrors('get', '/v1/events', 200, list)).toEqual([]);
    const [updated, createdEvent] = list.data as [Stripe.Event, Stripe.Event];
    expect(createdEvent).toMatchObject({
      object: 'event',
      type: 'issuing_cardholder.created',
      account: acme.id,
      api_version: STRIPE_API_VERSION,
      livemode: false,
      pending_webhooks: 0,
      request: { id: created.headers.get('request-id'), idempotency_key: key },
    });
    expect(createdEvent.id).toMatch(/^evt_/);
    expect((createdEvent.data.object as Stripe.Issuing.Cardholder).email).toBeNull(); // the state then, not now
    expect(createdEvent.data.previous_attributes).toBeUndefined();
    expect(updated.type).toBe('issuing_cardholder.updated');
    expect((updated.data.object as Stripe.Issuing.Cardholder).email).toBe('event@example.com');
    expect(updated.data.previous_attributes).toEqual({ email: null });
    expect(updated.request?.idempotency_key).toMatch(/^stripe-node-retry-/); // the SDK's own key
    for (const event of list.data) expect(schemaErrors('event', event)).toEqual([]);
  });

  it('emits issuing_card events for card changes', async () => {
    const cards = await stripe.issuing.cards.list({ status: 'active', limit: 1 }, { stripeAccount: bolt.id });
    const card = cards.data[0]!;
    await stripe.issuing.cards.update(card.id, { status: 'inactive' }, { stripeAccount: bolt.id });
    const [event] = (await stripe.events.list({ type: 'issuing_card.updated', limit: 1 }, { stripeAccount: bolt.id }))
      .data;
    expect(event).toMatchObject({
      type: 'issuing_card.updated',
      data: { object: { id: card.id, status: 'inactive' }, previous_attributes: { status: 'active' } },
    });
    expect((event!.data.object as Stripe.Issuing.Card).number).toBeUndefined();
  });

  it('scopes events to the account: the platform sees its own, a connected account’s need Stripe-Account', async () => {
    const platformHolder = await stripe.issuing.cardholders.create({ name: 'Platform Person', billing: { address } });
    const platformEvents = await stripe.events.list({ limit: 100 });
    expect(platformEvents.data.every((e) => e.account === undefined)).toBe(true);
    expect(platformEvents.data.some((e) => (e.data.object as { id: string }).id === platformHolder.id)).toBe(true);

    const [acmeEvent] = (await stripe.events.list({ limit: 1 }, { stripeAccount: acme.id })).data;
    const err = await stripeError(() => stripe.events.retrieve(acmeEvent!.id));
    expect(err.statusCode).toBe(404);
    expect(err.code).toBe('resource_missing');
    expect(err.message).toBe(`No such event: '${acmeEvent!.id}'`);
    const other = await stripeError(() => stripe.events.retrieve(acmeEvent!.id, {}, { stripeAccount: bolt.id }));
    expect(other.statusCode).toBe(404);

    const retrieved = await stripe.events.retrieve(acmeEvent!.id, {}, { stripeAccount: acme.id });
    expect(retrieved).toEqual(acmeEvent);
    expect(responseErrors('get', '/v1/events/{id}', 200, retrieved)).toEqual([]);
  });

  it('filters by type, a wildcard type, types[] and created', async () => {
    const all = (await stripe.events.list({ limit: 100 }, { stripeAccount: acme.id })).data;
    const byType = await stripe.events.list(
      { type: 'issuing_cardholder.updated', limit: 100 },
      { stripeAccount: acme.id },
    );
    expect(byType.data.length).toBeGreaterThan(0);
    expect(byType.data.every((e) => e.type === 'issuing_cardholder.updated')).toBe(true);
    const wildcard = await stripe.events.list({ type: 'issuing_cardholder.*', limit: 100 }, { stripeAccount: acme.id });
    expect(wildcard.data.map((e) => e.id)).toEqual(
      all.filter((e) => e.type.startsWith('issuing_cardholder.')).map((e) => e.id),
    );
    const types = await stripe.events.list(
      { types: ['issuing_cardholder.created', 'issuing_card.updated'], limit: 100 },
      { stripeAccount: acme.id },
    );
    expect(new Set(types.data.map((e) => e.type))).toEqual(new Set(['issuing_cardholder.created']));

    const newest = all[0]!;
    const none = await stripe.events.list({ created: { gt: newest.created } }, { stripeAccount: acme.id });
    expect(none.data).toEqual([]);
    const some = await stripe.events.list({ created: { gte: newest.created }, limit: 100 }, { stripeAccount: acme.id });
    expect(some.data.map((e) => e.id)).toContain(newest.id);

    const both = await stripeError(() => stripe.events.list({ type: 'a', types: ['b'] }));
    expect(both.statusCode).toBe(400);
    expect(both.message).toMatch(/You cannot specify both `type` and `types`/);
  });

  it('pages through events with starting_after and ending_before', async () => {
    for (let i = 0; i < 5; i++)
      await stripe.issuing.cardholders.create({ name: `Page ${i}`, billing: { address } }, { stripeAccount: bolt.id });
    const all = (await stripe.events.list({ limit: 100 }, { stripeAccount: bolt.id })).data.map((e) => e.id);
    const forward: string[] = [];
    let page = await stripe.events.list({ limit: 2 }, { stripeAccount: bolt.id });
    forward.push(...page.data.map((e) => e.id));
    while (page.has_more) {
      page = await stripe.events.list(
        { limit: 2, starting_after: forward[forward.length - 1] },
        { stripeAccount: bolt.id },
      );
      forward.push(...page.data.map((e) => e.id));
    }
    expect(forward).toEqual(all);
    const back = await stripe.events.list({ limit: 2, ending_before: all[all.length - 1] }, { stripeAccount: bolt.id });
    expect(back.data.map((e) => e.id)).toEqual(all.slice(-3, -1));
  });
});
