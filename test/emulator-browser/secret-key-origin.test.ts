// The emulator accepts any sk_test_… key, so a web page must not be able to use one (issue 9,
// item 10): a page on another origin can neither act with a secret key nor read the answer, while
// what Stripe.js and Connect.js do from the app's page (publishable key, ephemeral keys) keeps
// working, and servers (the SDK, which sends no Origin) are unaffected. Checked at the HTTP level
// and in real Chromium, whose CORS enforcement is what protects the user.
import type { AddressInfo } from 'node:net';
import Fastify, { type FastifyInstance } from 'fastify';
import type { Browser } from 'playwright-core';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import { launchBrowser } from '../helpers/browser.ts';

let emulator: EmulatorApp;
let emulatorUrl: string;
let stripe: Stripe;
let page: FastifyInstance;
let pageUrl: string;
let browser: Browser;
let account: string;
let cardId: string;

beforeAll(async () => {
  emulator = await buildEmulator({ logger: false });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const port = (emulator.server.address() as AddressInfo).port;
  emulatorUrl = `http://127.0.0.1:${port}`;
  stripe = new Stripe('sk_test_origin', { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });
  account = (await stripe.accounts.list({ limit: 1 })).data[0]!.id;
  cardId = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account })).data[0]!.id;
  // Any other web site the user happens to visit.
  page = Fastify();
  page.get('/', (_request, reply) => reply.type('text/html').send('<!doctype html><title>elsewhere</title>'));
  pageUrl = (await page.listen({ port: 0, host: '127.0.0.1' })).replace('127.0.0.1', 'localhost');
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await page?.close();
  await emulator?.close();
});

const headers = (origin: string | undefined, key: string) => ({
  authorization: `Bearer ${key}`,
  'content-type': 'application/x-www-form-urlencoded',
  ...(origin ? { origin } : {}),
});

describe('over HTTP', () => {
  test("a secret-key request carrying a page's Origin is refused before it runs, with no CORS permission", async () => {
    const holdersBefore = (await stripe.issuing.cardholders.list({ limit: 100 }, { stripeAccount: account })).data
      .length;
    for (const key of ['sk_test_anything', 'rk_test_anything']) {
      const read = await fetch(`${emulatorUrl}/v1/issuing/cards/${cardId}?expand[]=number`, {
        headers: { ...headers('https://evil.example', key), 'stripe-account': account },
      });
      expect(read.status).toBe(403);
      expect(read.headers.get('access-control-allow-origin')).toBeNull();
      expect(await read.text()).not.toContain(cardId);
    }
    const write = await fetch(`${emulatorUrl}/v1/issuing/cardholders`, {
      method: 'POST',
      headers: { ...headers('https://evil.example', 'sk_test_anything'), 'stripe-account': account },
      body: 'name=Mallory&type=individual&billing[address][line1]=1&billing[address][city]=x&billing[address][postal_code]=1&billing[address][country]=US',
    });
    expect(write.status).toBe(403);
    expect((await stripe.issuing.cardholders.list({ limit: 100 }, { stripeAccount: account })).data.length).toBe(
      holdersBefore,
    );
    // Fetch metadata without an Origin (a cross-site navigation or form) is a page too.
    const navigated = await fetch(`${emulatorUrl}/v1/accounts`, {
      headers: { authorization: 'Bearer sk_test_x', 'sec-fetch-site': 'cross-site' },
    });
    expect(navigated.status).toBe(403);
  });

  test('the fault controls are not for pages either', async () => {
    const res = await fetch(`${emulatorUrl}/_emulator/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: 'https://evil.example' },
      body: JSON.stringify({ path: '/v1', kind: 'drop' }),
    });
    expect(res.status).toBe(403);
    expect(emulator.emulator.faults.list()).toEqual([]);
  });

  test('servers (no Origin) use secret keys as before; pages use publishable keys as before', async () => {
    expect((await stripe.issuing.cards.retrieve(cardId, {}, { stripeAccount: account })).id).toBe(cardId);
    const nonce = await fetch(`${emulatorUrl}/v1/ephemeral_key_nonces`, {
      method: 'POST',
      headers: { ...headers('http://localhost:3000', 'pk_test_origin'), 'stripe-account': account },
      body: `issuing_card=${cardId}`,
    });
    expect(nonce.status).toBe(200);
    expect(nonce.headers.get('access-control-allow-origin')).toBe('*');
  });
});

describe('in Chromium', () => {
  test('a page on another origin cannot read a secret-key answer; its publishable-key call still works', async () => {
    const context = await browser.newContext();
    const tab = await context.newPage();
    await tab.goto(pageUrl);
    const outcome = await tab.evaluate(
      async ({ url, card, acct }) => {
        const attempt = async (key: string, path: string, method = 'GET', body?: string) => {
          try {
            const res = await fetch(`${url}${path}`, {
              method,
              headers: {
                authorization: `Bearer ${key}`,
                'stripe-account': acct,
                'content-type': 'application/x-www-form-urlencoded',
              },
              ...(body ? { body } : {}),
            });
            return { status: res.status, text: await res.text() };
          } catch (error) {
            return { error: String(error) };
          }
        };
        return {
          secret: await attempt('sk_test_stolen', `/v1/issuing/cards/${card}?expand[]=number`),
          publishable: await attempt('pk_test_public', '/v1/ephemeral_key_nonces', 'POST', `issuing_card=${card}`),
        };
      },
      { url: emulatorUrl, card: cardId, acct: account },
    );
    expect(outcome.secret).toHaveProperty('error');
    expect(JSON.stringify(outcome.secret)).not.toContain(cardId);
    expect(outcome.publishable).toMatchObject({ status: 200 });
    await context.close();
  });
});
