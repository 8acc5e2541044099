// POST /webhooks/stripe: the signature is checked on the raw body with STRIPE_WEBHOOK_SECRET;
// unsigned, mis-signed, tampered or stale events are refused (400); each event is processed once
// whatever the delivery does (twice, out of order, after a restart on the same database); and the
// emulator's real deliveries (signed with the endpoint secret it registered at start) get through.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { WEBHOOK_TOLERANCE_SECONDS } from '../../server/routes/webhooks/stripe.ts';
import { buildTestApp } from '../helpers/app.ts';
import { loadWorld, signedEvent, uniqueEventId, type World } from './probes.ts';
import { startSecurityStack, summary, type SecurityStack } from './stack.ts';

const AUTHORIZATION_SECRET = 'whsec_issuingSettings1';

let db: Database;
let stack: SecurityStack;
let world: World;
const counts = { delivered: 0, refused: 0, duplicatesProcessed: 0 };

beforeAll(async () => {
  db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
  stack = await startSecurityStack({ db, env: { STRIPE_AUTHORIZATION_WEBHOOK_SECRET: AUTHORIZATION_SECRET } });
  world = await loadWorld(stack);
});

afterAll(async () => {
  summary('webhooks', {
    deliveries: counts.delivered,
    refused: counts.refused,
    duplicatesProcessed: counts.duplicatesProcessed,
  });
  const leaked = stack?.leakedSecrets() ?? [];
  await stack?.close();
  await db?.close();
  expect(leaked).toEqual([]);
});

async function post(req: { url: string; payload?: unknown; headers?: Record<string, string> }, app = stack.app) {
  const res = await app.inject({
    method: 'POST',
    url: req.url,
    payload: req.payload as string,
    headers: req.headers ?? {},
  });
  counts.delivered += 1;
  if (res.statusCode === 400) counts.refused += 1;
  return res;
}

async function eventRows(id: string) {
  return db.query<{ id: string; type: string; processed_at: Date | null; account_id: string | null }>(
    'SELECT id, type, processed_at, account_id FROM webhook_events WHERE id = $1',
    [id],
  );
}

const cardEvent = (id: string, status: string, created: number, cardId = world.own.virtualCard.id) => ({
  id,
  type: 'issuing_card.updated',
  created,
  account: world.own.account,
  data: { object: { id: cardId, object: 'issuing.card', status } },
});

describe('signature', () => {
  test('a correctly signed event is accepted and recorded', async () => {
    const id = uniqueEventId();
    const res = await post(signedEvent(stack, { id, type: 'issuing_card.created' }));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ received: true });
    expect(await eventRows(id)).toEqual([
      expect.objectContaining({ id, type: 'issuing_card.created', processed_at: expect.any(Date) }),
    ]);
  });

  test.each([
    [
      'no Stripe-Signature',
      (r: ReturnType<typeof signedEvent>) => ({ ...r, headers: { 'content-type': 'application/json' } }),
      'signature_missing',
    ],
    [
      'a signature made with another secret',
      (r: ReturnType<typeof signedEvent>) => ({
        ...r,
        headers: {
          ...r.headers,
          'stripe-signature': stack.stripe.webhooks.generateTestHeaderString({
            payload: r.payload as string,
            secret: 'whsec_not_ours',
          }),
        },
      }),
      'signature_invalid',
    ],
    [
      'a body changed after signing',
      (r: ReturnType<typeof signedEvent>) => ({
        ...r,
        payload: (r.payload as string).replace('issuing_card.updated', 'issuing_card.created'),
      }),
      'signature_invalid',
    ],
    [
      'a body re-serialized (whitespace)',
      (r: ReturnType<typeof signedEvent>) => ({
        ...r,
        payload: JSON.stringify(JSON.parse(r.payload as string), null, 2),
      }),
      'signature_invalid',
    ],
    [
      'a garbage signature header',
      (r: ReturnType<typeof signedEvent>) => ({ ...r, headers: { ...r.headers, 'stripe-signature': 't=abc,v1=zzz' } }),
      'signature_invalid',
    ],
  ])('%s: 400, nothing recorded', async (_name, mutate, code) => {
    const id = uniqueEventId();
    const res = await post(mutate(signedEvent(stack, { id, type: 'issuing_card.updated' })));
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code, field: 'stripe-signature' });
    expect(await eventRows(id)).toEqual([]);
  });

  test('a timestamp outside the tolerance (a replay of an old delivery) is refused', async () => {
    const id = uniqueEventId();
    const stale = Math.floor(Date.now() / 1000) - WEBHOOK_TOLERANCE_SECONDS - 30;
    const res = await post(signedEvent(stack, { id, type: 'issuing_card.updated' }, stale));
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('signature_invalid');
    expect(await eventRows(id)).toEqual([]);
    // Just inside the tolerance: accepted.
    const fresh = Math.floor(Date.now() / 1000) - WEBHOOK_TOLERANCE_SECONDS + 30;
    expect((await post(signedEvent(stack, { id, type: 'issuing_card.updated' }, fresh))).statusCode).toBe(200);
  });

  test('a signed body that is not an event is a 400, not a 500', async () => {
    const payload = 'not json at all';
    const header = stack.stripe.webhooks.generateTestHeaderString({ payload, secret: stack.webhookSecret });
    const res = await post({
      url: '/webhooks/stripe',
      payload,
      headers: { 'content-type': 'application/json', 'stripe-signature': header },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('body');
  });

  test('without STRIPE_WEBHOOK_SECRET nothing is accepted (503, said plainly)', async () => {
    const bare = await buildTestApp();
    try {
      const res = await bare.app.inject({
        method: 'POST',
        url: '/webhooks/stripe',
        payload: '{}',
        headers: { 'content-type': 'application/json', 'stripe-signature': 't=1,v1=x' },
      });
      expect(res.statusCode).toBe(503);
      expect(res.json().error.code).toBe('webhooks_not_configured');
    } finally {
      await bare.close();
    }
  });
});

describe('once only', () => {
  test('the same event delivered twice is processed once', async () => {
    const id = uniqueEventId();
    const now = Math.floor(Date.now() / 1000);
    const first = await post(signedEvent(stack, cardEvent(id, 'inactive', now)));
    const [row] = await eventRows(id);
    // A second delivery of the same event carrying (hypothetically) different content: ignored.
    const second = await post(signedEvent(stack, cardEvent(id, 'canceled', now + 5)));
    expect([first.statusCode, second.statusCode]).toEqual([200, 200]);
    const rows = await eventRows(id);
    expect(rows).toHaveLength(1);
    expect(rows[0]!.processed_at).toEqual(row!.processed_at);
    const [state] = await db.query<{ status: string; event_id: string }>(
      'SELECT status, event_id FROM stripe_object_state WHERE object_id = $1',
      [world.own.virtualCard.id],
    );
    if (state?.status !== 'inactive') counts.duplicatesProcessed += 1;
    expect(state).toEqual({ status: 'inactive', event_id: id });
  });

  test('events out of order: each processed once, the older one does not overwrite the newer state', async () => {
    const cardId = world.own.physicalCard.id;
    const now = Math.floor(Date.now() / 1000);
    const newer = uniqueEventId();
    const older = uniqueEventId();
    expect((await post(signedEvent(stack, cardEvent(newer, 'inactive', now, cardId)))).statusCode).toBe(200);
    expect((await post(signedEvent(stack, cardEvent(older, 'active', now - 60, cardId)))).statusCode).toBe(200);
    expect(await eventRows(newer)).toHaveLength(1);
    expect(await eventRows(older)).toEqual([expect.objectContaining({ processed_at: expect.any(Date) })]);
    const [state] = await db.query('SELECT status, event_id FROM stripe_object_state WHERE object_id = $1', [cardId]);
    expect(state).toEqual({ status: 'inactive', event_id: newer });
  });

  test('after a restart (a new app instance on the same database) a redelivered event is still a duplicate', async () => {
    const id = uniqueEventId();
    const cardId = world.other.virtualCard.id;
    const now = Math.floor(Date.now() / 1000);
    expect((await post(signedEvent(stack, cardEvent(id, 'inactive', now, cardId)))).statusCode).toBe(200);

    const restarted = await buildApp(stack.config, { db, stripe: stack.app.stripe, logger: false });
    await restarted.ready();
    try {
      const again = await post(signedEvent(stack, cardEvent(id, 'canceled', now + 1, cardId)), restarted);
      expect(again.statusCode).toBe(200);
      expect(await eventRows(id)).toHaveLength(1);
      const [state] = await db.query('SELECT status FROM stripe_object_state WHERE object_id = $1', [cardId]);
      expect(state).toEqual({ status: 'inactive' });
      // A new event is processed by the new instance.
      const next = uniqueEventId();
      expect((await post(signedEvent(stack, cardEvent(next, 'active', now + 2, cardId)), restarted)).statusCode).toBe(
        200,
      );
      expect(await db.query('SELECT status FROM stripe_object_state WHERE object_id = $1', [cardId])).toEqual([
        { status: 'active' },
      ]);
    } finally {
      await restarted.close();
    }
  });

  test('concurrent deliveries of one event: one row, one processing', async () => {
    const id = uniqueEventId();
    const req = signedEvent(stack, { id, type: 'issuing_cardholder.updated' });
    const results = await Promise.all([post(req), post(req), post(req)]);
    expect(results.map((r) => r.statusCode)).toEqual([200, 200, 200]);
    expect(await eventRows(id)).toHaveLength(1);
  });
});

describe('real-time authorizations', () => {
  const request = (id: string) => ({
    id,
    type: 'issuing_authorization.request',
    account: world.own.account,
    data: { object: { id: 'iauth_probe', object: 'issuing.authorization', status: 'pending' } },
  });

  test('issuing_authorization.request is answered as Stripe documents: 200, Stripe-Version, JSON {approved} and nothing else', async () => {
    const res = await post(signedEvent(stack, request(uniqueEventId())));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ approved: true });
    expect(res.headers['stripe-version']).toBe(stack.config.stripe.apiVersion);
    expect(res.headers['content-type']).toMatch(/^application\/json/);
  });

  test('signed with the secret of the Issuing settings endpoint: accepted for issuing_authorization.request only', async () => {
    const signed = (event: { id: string; type: string; [k: string]: unknown }) => {
      const req = signedEvent(stack, event);
      const header = stack.stripe.webhooks.generateTestHeaderString({
        payload: req.payload as string,
        secret: AUTHORIZATION_SECRET,
      });
      return { ...req, headers: { ...req.headers, 'stripe-signature': header } };
    };
    const res = await post(signed(request(uniqueEventId())));
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toEqual({ approved: true });
    const other = await post(signed({ id: uniqueEventId(), type: 'issuing_card.updated' }));
    expect(other.statusCode).toBe(400);
    expect(other.json().error.code).toBe('signature_invalid');
  });
});

describe('deliveries from the emulator', () => {
  test('a card change in Stripe arrives signed with the registered endpoint secret and is recorded with its account', async () => {
    const cardId = world.other.physicalCard.id;
    await stack.stripe.issuing.cards.update(
      cardId,
      { metadata: { webhook_probe: String(Date.now()) } },
      { stripeAccount: world.other.account },
    );
    await stack.emulator.emulator.webhooks.dispatcher.idle();
    const rows = await db.query<{ type: string; account_id: string }>(
      `SELECT type, account_id FROM webhook_events WHERE object_id = $1 AND type = 'issuing_card.updated' AND id NOT LIKE 'evt_probe%'`,
      [cardId],
    );
    expect(rows.length).toBeGreaterThan(0);
    expect(rows[0]).toEqual({ type: 'issuing_card.updated', account_id: world.other.account });
  });
});
