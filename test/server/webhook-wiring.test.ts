// server/main.ts in emulator mode, as `npm start` runs it (one process, both servers): the app
// and the emulator share a per-start webhook secret, so events the emulator delivers are
// verified and applied (a card created straight on the emulator reaches the app's card search;
// real-time authorizations are asked of the app), and EMULATOR_STATE_FILE / EMULATOR_FAULTS
// work under it. A restart on the same state file leaves one set of endpoints, not two.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { spawnServer, type ServerProcess } from '../helpers/server-process.ts';
import { apiSignIn } from '../helpers/totp.ts';

const stateDir = mkdtempSync(join(tmpdir(), 'webhook-wiring-'));
const stateFile = join(stateDir, 'emulator.json');
const FAULT = { method: 'POST', path: '/v1/payment_intents', kind: 'rate_limit' };

interface Server extends ServerProcess {
  stripe: Stripe;
}

async function start(extraEnv: Record<string, string> = {}): Promise<Server> {
  // The TypeScript sources through tsx: this tests main.ts, not the build.
  const server = await spawnServer(['--import', 'tsx', 'server/main.ts'], {
    EMULATOR_STATE_FILE: stateFile,
    ...extraEnv,
  });
  return {
    ...server,
    stripe: new Stripe('sk_test_webhook_wiring', {
      host: '127.0.0.1',
      port: server.emulatorPort,
      protocol: 'http',
      maxNetworkRetries: 0,
    }),
  };
}

/** Password, then the demo users' TOTP code when asked for the second factor. */
async function signIn(server: Server, email: string): Promise<string> {
  return apiSignIn(server.appUrl, email, 'demo1234', DEMO_TOTP_SECRET);
}

function logEntries(server: Server): Array<Record<string, unknown>> {
  return server
    .output()
    .split('\n')
    .filter((l) => l.startsWith('{'))
    .map((l) => JSON.parse(l) as Record<string, unknown>);
}

let first: Server;
let secondAccount: string;
let cardFromFirstRun: string;

beforeAll(async () => {
  first = await start({ EMULATOR_FAULTS: JSON.stringify([FAULT]) });
}, 90_000);

afterAll(async () => {
  await first?.stop();
  rmSync(stateDir, { recursive: true, force: true });
});

describe('first start', () => {
  test('a card created directly on the emulator is found through /api/cards?q= within a couple of seconds', async () => {
    const cookie = await signIn(first, 'support@example.com');
    const account = (await first.stripe.accounts.list({ limit: 1 })).data[0]!.id;
    secondAccount = account;
    const name = `Wired Holder ${Date.now()}`;
    const holder = await first.stripe.issuing.cardholders.create(
      {
        name,
        email: `wired.${Date.now()}@example.com`,
        type: 'individual',
        billing: { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
      },
      { stripeAccount: account },
    );
    const card = await first.stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'usd', type: 'virtual', status: 'active' },
      { stripeAccount: account },
    );
    cardFromFirstRun = card.id;
    const found = async () => {
      const res = await fetch(`${first.appUrl}/api/cards?q=${encodeURIComponent(name)}`, { headers: { cookie } });
      return ((await res.json()) as { data: { id: string }[] }).data.map((c) => c.id);
    };
    // Polled, not sampled once: the server process writes its log lines asynchronously, and on a
    // loaded machine the index may answer before the delivery's log line has reached us.
    await expect.poll(found, { timeout: 10_000, interval: 100 }).toEqual([card.id]);
    await expect
      .poll(
        () =>
          logEntries(first)
            .filter((e) => e.msg === 'webhook event')
            .map((e) => e.type),
        { timeout: 10_000 },
      )
      .toEqual(expect.arrayContaining(['issuing_cardholder.created', 'issuing_card.created']));
  });

  test("the emulator asks the app to decide real-time authorizations, and the app's answer counts", async () => {
    const authorization = await first.stripe.testHelpers.issuing.authorizations.create(
      { card: cardFromFirstRun, amount: 1234, currency: 'usd' },
      { stripeAccount: secondAccount },
    );
    expect(authorization.approved).toBe(true);
    const reasons = authorization.request_history.map((r) => r.reason);
    expect(reasons).toContain('webhook_approved');
    await expect
      .poll(
        () => logEntries(first).some((e) => e.msg === 'webhook event' && e.type === 'issuing_authorization.request'),
        { timeout: 10_000 },
      )
      .toBe(true);
  });

  test('the webhook route no longer answers 503: an unsigned post is refused for its signature', async () => {
    const res = await fetch(`${first.appUrl}/webhooks/stripe`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as { error: { code: string } }).error.code).toBe('signature_missing');
  });

  test('EMULATOR_FAULTS applies under npm start', async () => {
    const faults = (await (await fetch(`${first.emulatorUrl}/_emulator/faults`)).json()) as unknown;
    expect(JSON.stringify(faults)).toContain('/v1/payment_intents');
  });

  test('responses carry the request id, which the JSON logs carry too', async () => {
    const res = await fetch(`${first.appUrl}/healthz`, { headers: { 'x-request-id': 'wiring-check-1' } });
    expect(res.headers.get('x-request-id')).toBe('wiring-check-1');
    await expect
      .poll(() => logEntries(first).some((e) => e.reqId === 'wiring-check-1'), { timeout: 10_000 })
      .toBe(true);
  });

  test('the webhook secret never appears in the logs', () => {
    expect(first.output()).not.toMatch(/whsec_[A-Za-z0-9]/);
  });
});

describe('restart on the same EMULATOR_STATE_FILE', () => {
  test("keeps the emulator's data and leaves exactly one set of endpoints for the app (the new secret's)", async () => {
    await first.stop();
    const second = await start();
    try {
      const card = await second.stripe.issuing.cards.retrieve(cardFromFirstRun, {}, { stripeAccount: secondAccount });
      expect(card.id).toBe(cardFromFirstRun);
      const endpoints = (await second.stripe.webhookEndpoints.list({ limit: 100 })).data;
      expect(endpoints.map((e) => e.url)).toEqual([
        `${second.appUrl}/webhooks/stripe`,
        `${second.appUrl}/webhooks/stripe`,
      ]);
      // And its deliveries verify with the new secret: a change made now reaches the index.
      await second.stripe.issuing.cards.update(
        cardFromFirstRun,
        { status: 'inactive' },
        { stripeAccount: secondAccount },
      );
      const cookie = await signIn(second, 'admin@example.com');
      await expect
        .poll(
          async () => logEntries(second).some((e) => e.msg === 'webhook event' && e.type === 'issuing_card.updated'),
          { timeout: 10_000 },
        )
        .toBe(true);
      const res = await fetch(`${second.appUrl}/api/cards/${cardFromFirstRun}`, { headers: { cookie } });
      expect(((await res.json()) as { status: string }).status).toBe('inactive');
      expect(second.output()).not.toMatch(/signature refused/);
    } finally {
      await second.stop();
    }
  }, 90_000);
});
