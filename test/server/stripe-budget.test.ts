// The Stripe call budget (server/plugins/app/stripe-budget.ts): every Stripe call of the app is
// counted against the app route it was made for (and logged on that request's line), a 429
// from Stripe is retried after a backoff unless Stripe says `Stripe-Should-Retry: false`, and
// no more than the configured number of requests are in flight at once, or sent in a second.
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Worker } from 'node:worker_threads';
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
  // The backfill and the reconciler's first pass (decision 148) are done before anything is
  // counted: their calls are the background's, and their database work would busy this thread.
  await stack.app.cardIndex.whenBackfilled();
  // (Optional only so that this file runs, and fails by its assertions, on a build without the mirror.)
  await stack.app.mirror?.reconcile();
});

afterAll(async () => {
  await stack?.close();
});

async function someCard(): Promise<{ id: string; account: string }> {
  const [account] = (await stack.stripe.accounts.list({ limit: 1 })).data;
  const [card] = (await stack.stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account!.id })).data;
  return { id: card!.id, account: account!.id };
}

/**
 * A stand-in for Stripe on a worker thread: answers every request after 30 ms and records when
 * each arrived (ms, performance.timeOrigin + now), so that this thread's work does not delay the
 * count.
 */
async function serverOnItsOwnThread(): Promise<{
  port: number;
  arrivals(): Promise<number[]>;
  close(): Promise<void>;
}> {
  const worker = new Worker(
    `const { parentPort } = require('node:worker_threads');
     const { createServer } = require('node:http');
     const arrivals = [];
     const server = createServer((req, res) => {
       arrivals.push(performance.timeOrigin + performance.now());
       req.resume();
       setTimeout(() => {
         res.writeHead(200, { 'content-type': 'application/json', 'request-id': 'req_w' });
         res.end(JSON.stringify({ object: 'balance', available: [], pending: [], livemode: false }));
       }, 30);
     });
     server.listen(0, '127.0.0.1', () => parentPort.postMessage({ port: server.address().port }));
     parentPort.on('message', (m) => {
       if (m === 'arrivals') parentPort.postMessage({ arrivals });
       if (m === 'close') server.close(() => parentPort.close());
     });`,
    { eval: true },
  );
  const next = <T>() =>
    new Promise<T>((resolve, reject) => {
      worker.once('message', resolve);
      worker.once('error', reject);
    });
  const { port } = await next<{ port: number }>();
  return {
    port,
    async arrivals() {
      const answer = next<{ arrivals: number[] }>();
      worker.postMessage('arrivals');
      return (await answer).arrivals;
    },
    async close() {
      await worker.terminate();
    },
  };
}

describe('calls are counted per app route', () => {
  // Pages read from the mirror (issue 18, decision 151): a reveal asks Stripe only for the key
  // (the card comes from the mirror, no retrieve), the accounts page asks nothing.
  test("a reveal costs one Stripe call, the accounts page none; the reveal's is on its log line", async () => {
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
    console.log(
      `[stripe budget] calls per route: ${JSON.stringify(budget.stats.byRoute)}; per endpoint: ${JSON.stringify(budget.stats.byEndpoint)}`,
    );
    // The reconciler may run meanwhile: its calls are counted apart, as "(background)".
    const { '(background)': background = 0, ...routes } = budget.stats.byRoute;
    expect(routes).toEqual({ 'POST /api/ephemeral-keys': 1 });
    expect(budget.stats.total).toBe(1 + background);
    expect(budget.stats.byEndpoint['POST /v1/ephemeral_keys']).toBe(1);
    if (background === 0) expect(budget.stats.byEndpoint).toEqual({ 'POST /v1/ephemeral_keys': 1 });
    const lines = stack
      .logs()
      .split('\n')
      .filter((l) => l.includes('request completed'))
      .map((l) => JSON.parse(l) as { reqId: string; stripeCalls?: number });
    expect(lines.find((l) => l.reqId === reveal.headers['x-request-id'])?.stripeCalls).toBe(1);
    const accountsLine = lines.find((l) => l.reqId === accounts.headers['x-request-id']);
    expect(accountsLine).toBeDefined();
    expect(accountsLine?.stripeCalls).toBeUndefined();
  });

  test('calls made outside any request (the reconciler, the backfill) are counted as "(background)", not against a route', async () => {
    const budget = stack.app.stripeBudget!;
    budget.resetStats();
    await stack.app.mirror?.reconcile();
    expect(budget.stats.total).toBeGreaterThan(0);
    expect(budget.stats.byRoute).toEqual({ '(background)': budget.stats.total });
  });

  test('Stripe endpoints are counted without their object ids', () => {
    expect(endpointOf('GET', '/v1/issuing/cards/ic_1AbC?expand[]=cardholder')).toBe('GET /v1/issuing/cards/:id');
    expect(endpointOf('POST', '/v1/test_helpers/issuing/authorizations/iauth_9x/capture')).toBe(
      'POST /v1/test_helpers/issuing/authorizations/:id/capture',
    );
    expect(endpointOf('GET', '/v1/accounts')).toBe('GET /v1/accounts');
  });
});

describe('429s', () => {
  // A reveal still asks Stripe (for the key); a card page no longer does (decision 151).
  test('a rate-limited Stripe call is retried after a backoff: the user gets the key, not an error', async () => {
    const budget = stack.app.stripeBudget!;
    const card = await someCard();
    const nonce = await createNonce(stack, card.id, card.account);
    budget.resetStats();
    const rule = stack.emulator.emulator.faults.add({
      method: 'POST',
      path: '/v1/ephemeral_keys',
      kind: 'rate_limit',
      times: 2,
    });
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/ephemeral-keys',
      headers: { cookie: support, origin: stack.appUrl },
      payload: { card_id: card.id, nonce, reason: 'Cardholder verified by phone' },
    });
    console.log(
      `[stripe budget] two 429s then: ${res.statusCode}; rateLimited=${budget.stats.rateLimited} retried=${budget.stats.retried}`,
    );
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json()).toMatchObject({ ephemeralKeySecret: expect.stringMatching(/^ek_test_/), issuingCard: card.id });
    expect(rule.hits).toBe(2);
    expect(budget.stats).toMatchObject({ rateLimited: 2, retried: 2 });
    expect(budget.stats.byRoute['POST /api/ephemeral-keys']).toBe(3);
  });

  describe("against a plain HTTP server standing in for Stripe's limiters", () => {
    let server: Server;
    let hits = 0;
    let inFlight = 0;
    let peak = 0;
    let mode: 'refuse' | 'slow' = 'refuse';

    beforeAll(async () => {
      server = createServer((req, res) => {
        hits++;
        if (mode === 'refuse') {
          res.writeHead(429, {
            'content-type': 'application/json',
            'stripe-should-retry': 'false',
            'request-id': 'req_x',
          });
          res.end(
            JSON.stringify({
              error: { type: 'invalid_request_error', code: 'rate_limit', message: 'Request rate limit exceeded' },
            }),
          );
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
      new Stripe('sk_test_budget', {
        httpClient: budget,
        host: '127.0.0.1',
        port: (server.address() as AddressInfo).port,
        protocol: 'http',
        maxNetworkRetries: 0,
      });

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

    // Arrivals are counted on a thread of their own, as Stripe counts them on its own machines: a
    // server on this thread would count a request only when this thread gets to it, after
    // whatever else the process runs (the app's PGlite work: 30-120 ms late right after start).
    test('no more requests reach the server within any second than the rate limit (decision 131), and none lost', async () => {
      const remote = await serverOnItsOwnThread();
      try {
        const budget = new BudgetHttpClient(Stripe.createNodeHttpClient(), { maxPerSecond: 5 });
        const stripe = new Stripe('sk_test_budget', {
          httpClient: budget,
          host: '127.0.0.1',
          port: remote.port,
          protocol: 'http',
          maxNetworkRetries: 0,
        });
        const started = performance.now();
        await Promise.all(Array.from({ length: 12 }, () => stripe.balance.retrieve()));
        const elapsed = performance.now() - started;
        const arrivals = await remote.arrivals();
        // The most requests that reached the server within any one second.
        const busiest = Math.max(...arrivals.map((t) => arrivals.filter((u) => u >= t && u - t < 1000).length));
        console.log(
          `[stripe budget] 12 calls at once, 5/s: busiest second ${busiest}, peakPerSecond ${budget.stats.peakPerSecond}, ${budget.stats.rateDelayed} waited, all done in ${Math.round(elapsed)} ms`,
        );
        expect(arrivals).toHaveLength(12);
        expect(busiest).toBeLessThanOrEqual(5);
        expect(budget.stats.peakPerSecond).toBe(5);
        expect(budget.stats.rateDelayed).toBe(7);
        // 12 at 5 per (just over) a second: the last two wait for the third window.
        expect(elapsed).toBeGreaterThan(2_000);
      } finally {
        await remote.close();
      }
    });

    // The window of a send is counted from the moment the pacing let it go: the send must leave
    // then, not after other work on this thread (a PGlite query, another call's send) has run.
    // A send that waited on a "your turn" promise left after such work while its window was
    // counted from before it, so the next window's sends left less than a second after it.
    test("a send that holds the thread does not let the next window's sends go early", async () => {
      mode = 'slow';
      const sentAt: number[] = [];
      class HoldsTheThread extends Stripe.HttpClient {
        private readonly node = Stripe.createNodeHttpClient();
        private held = false;
        override getClientName(): string {
          return 'holds-the-thread';
        }
        override makeRequest(
          ...args: Parameters<Stripe.HttpClient['makeRequest']>
        ): Promise<Stripe.HttpClientResponse> {
          sentAt.push(performance.now());
          if (!this.held) {
            // The first send takes the thread for 150 ms, as synchronous database work would.
            this.held = true;
            const until = performance.now() + 150;
            while (performance.now() < until);
          }
          return this.node.makeRequest(...args);
        }
      }
      const budget = new BudgetHttpClient(new HoldsTheThread(), { maxPerSecond: 5 });
      await Promise.all(Array.from({ length: 10 }, () => client(budget).balance.retrieve()));
      const gaps = sentAt.slice(5).map((t, i) => Math.round(t - sentAt[i]!));
      console.log(`[stripe budget] a send holding the thread 150 ms: sends i and i+5 apart by ${gaps.join(', ')} ms`);
      expect(sentAt).toHaveLength(10);
      for (const gap of gaps) expect(gap).toBeGreaterThanOrEqual(1_000);
    });
  });
});
