// The Stripe call budget (server/plugins/app/stripe-budget.ts): every Stripe call of the app is
// counted against the app route it was made for (and logged on that request's line), a 429
// from Stripe is retried after a backoff unless Stripe says `Stripe-Should-Retry: false`, and
// no more than the configured number of requests are in flight at once.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { BudgetHttpClient, endpointOf } from '../../server/plugins/app/stripe-budget.ts';
import { createNonce } from '../helpers/card-details.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let support: string;
let admin: string;

beforeAll(async () => {
  stack = await startStack({ stripe: { budget: { backoffMs: 20 } } });
  support = await stack.loginCookie('support@example.com');
  admin = await stack.loginCookie('admin@example.com');
  await stack.app.cardIndex.whenBackfilled();
});

afterAll(async () => {
  await stack?.close();
});

async function someCard(): Promise<{ id: string; account: string }> {
  const [account] = (await stack.stripe.accounts.list({ limit: 1 })).data;
  const [card] = (await stack.stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account!.id })).data;
  return { id: card!.id, account: account!.id };
}

describe('calls are counted per app route', () => {
  test('a reveal costs two Stripe calls, the accounts page one (none per account); both are on the request\'s log line', async () => {
    const budget = stack.app.stripeBudget!;
    budget.resetStats();
    const card = await someCard();
    const nonce = await createNonce(stack, card.id, card.account);
    const reveal = await stack.app.inject({
      method: 'POST',
      url: '/api/ephemeral-keys',
      headers: { cookie: support, origin: stack.appUrl },
      payload: { card_id: card.id, nonce, reason: 'Cardholder verified by phone' },
    });
    expect(reveal.statusCode).toBe(200);
    const accounts = await stack.app.inject({ method: 'GET', url: '/api/accounts', headers: { cookie: admin } });
    expect(accounts.statusCode).toBe(200);
    expect(accounts.json().data.length).toBeGreaterThan(1);
    console.log(`[stripe budget] calls per route: ${JSON.stringify(budget.stats.byRoute)}; per endpoint: ${JSON.stringify(budget.stats.byEndpoint)}`);
    expect(budget.stats.byRoute).toEqual({ 'POST /api/ephemeral-keys': 2, 'GET /api/accounts': 1 });
    expect(budget.stats.byEndpoint).toEqual({ 'GET /v1/issuing/cards/:id': 1, 'POST /v1/ephemeral_keys': 1, 'GET /v1/accounts': 1 });
    const line = stack
      .logs()
      .split('\n')
      .filter((l) => l.includes('request completed'))
      .map((l) => JSON.parse(l) as { reqId: string; stripeCalls?: number })
      .find((l) => l.reqId === reveal.headers['x-request-id']);
    expect(line?.stripeCalls).toBe(2);
  });

  test('Stripe endpoints are counted without their object ids', () => {
    expect(endpointOf('GET', '/v1/issuing/cards/ic_1AbC?expand[]=cardholder')).toBe('GET /v1/issuing/cards/:id');
    expect(endpointOf('POST', '/v1/test_helpers/issuing/authorizations/iauth_9x/capture')).toBe('POST /v1/test_helpers/issuing/authorizations/:id/capture');
    expect(endpointOf('GET', '/v1/accounts')).toBe('GET /v1/accounts');
  });
});

describe('429s', () => {
  test('a rate-limited Stripe call is retried after a backoff: the user gets the card, not an error', async () => {
    const budget = stack.app.stripeBudget!;
    budget.resetStats();
    const card = await someCard();
    const rule = stack.emulator.emulator.faults.add({ method: 'GET', path: `/v1/issuing/cards/${card.id}`, kind: 'rate_limit', times: 2 });
    const res = await stack.app.inject({ method: 'GET', url: `/api/cards/${card.id}`, headers: { cookie: admin } });
    console.log(`[stripe budget] two 429s then: ${res.statusCode}; rateLimited=${budget.stats.rateLimited} retried=${budget.stats.retried}`);
    expect(res.statusCode).toBe(200);
    expect(res.json().id).toBe(card.id);
    expect(rule.hits).toBe(2);
    expect(budget.stats).toMatchObject({ rateLimited: 2, retried: 2 });
  });

  describe('against a plain HTTP server standing in for Stripe\'s limiters', () => {
    let server: Server;
    let hits = 0;
    let inFlight = 0;
    let peak = 0;
    let mode: 'refuse' | 'slow' = 'refuse';

    beforeAll(async () => {
      server = createServer((req, res) => {
        hits++;
        if (mode === 'refuse') {
          res.writeHead(429, { 'content-type': 'application/json', 'stripe-should-retry': 'false', 'request-id': 'req_x' });
          res.end(JSON.stringify({ error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded' } }));
          return;
        }
        inFlight++;
        peak = Math.max(peak, inFlight);
        setTimeout(() => {
          inFlight--;
          res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_y' });
          res.end(JSON.stringify({ object: 'balance', available: [], pending: [], livemode: false }));
        }, 30);
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    });
    afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

    const client = (budget: BudgetHttpClient) =>
      new Stripe('sk_test_budget', { httpClient: budget, host: '127.0.0.1', port: (server.address() as AddressInfo).port, protocol: 'http', maxNetworkRetries: 0 });

    test('Stripe-Should-Retry: false is obeyed: one request, and the 429 reaches the caller', async () => {
      mode = 'refuse';
      hits = 0;
      const budget = new BudgetHttpClient(Stripe.createNodeHttpClient(), { backoffMs: 1 });
      await expect(client(budget).balance.retrieve()).rejects.toBeInstanceOf(Stripe.errors.StripeRateLimitError);
      expect(hits).toBe(1);
      expect(budget.stats).toMatchObject({ rateLimited: 1, retried: 0 });
    });

    test('no more requests in flight than the concurrency limit, however many the app starts', async () => {
      mode = 'slow';
      peak = 0;
      const budget = new BudgetHttpClient(Stripe.createNodeHttpClient(), { concurrency: 4 });
      const stripe = client(budget);
      await Promise.all(Array.from({ length: 24 }, () => stripe.balance.retrieve()));
      console.log(`[stripe budget] 24 calls at once, limit 4: at most ${peak} reached the server together`);
      expect(peak).toBe(4);
      expect(budget.stats.peakInFlight).toBe(4);
      expect(budget.stats.total).toBe(24);
    });

    test('no more requests sent within any second than the rate limit (decision 131), and none lost', async () => {
      mode = 'slow';
      const arrivals: number[] = [];
      const count = () => arrivals.push(performance.now());
      server.on('request', count);
      try {
        const budget = new BudgetHttpClient(Stripe.createNodeHttpClient(), { maxPerSecond: 5 });
        const stripe = client(budget);
        const started = performance.now();
        await Promise.all(Array.from({ length: 12 }, () => stripe.balance.retrieve()));
        const elapsed = performance.now() - started;
        // The most requests that reached the server within any one second.
        const busiest = Math.max(...arrivals.map((t) => arrivals.filter((u) => u >= t && u - t < 1000).length));
        console.log(`[stripe budget] 12 calls at once, 5/s: busiest second ${busiest}, peakPerSecond ${budget.stats.peakPerSecond}, ${budget.stats.rateDelayed} waited, all done in ${Math.round(elapsed)} ms`);
        expect(arrivals).toHaveLength(12);
        expect(busiest).toBeLessThanOrEqual(5);
        expect(budget.stats.peakPerSecond).toBe(5);
        expect(budget.stats.rateDelayed).toBe(7);
        // 12 at 5 per (just over) a second: the last two wait for the third window.
        expect(elapsed).toBeGreaterThan(2_000);
      } finally {
        server.off('request', count);
      }
    });
  });
});
