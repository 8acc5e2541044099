// Issue 18, item 9 (Stripe unreachable) and item 2's freshness mark, over HTTP against the
// emulator with its fault rules (docs/decisions/152-stripe-unreachable.md):
// - GET /api/mirror/status says how fresh the mirror is and whether Stripe answers;
// - a write or a reveal while Stripe cannot be reached (500s, dropped connections) is refused with
//   503 `stripe_unreachable` and one message, and nothing is changed or recorded as done;
// - when Stripe answers again the reconciler runs at its next check (not a whole period later),
//   catches up, and the mark goes.
import type { LightMyRequestResponse } from 'fastify';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoSessions, startStack, type DemoCookies, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let cookies: DemoCookies;
let ownAccount: string;

async function call(
  method: 'GET' | 'POST',
  url: string,
  cookie?: string,
  payload?: object,
): Promise<LightMyRequestResponse> {
  return stack.app.inject({
    method,
    url,
    headers: { ...(cookie ? { cookie } : {}), ...(method === 'POST' ? { origin: stack.appUrl } : {}) },
    ...(payload ? { payload } : {}),
  });
}

const status = async (cookie = cookies.account) => (await call('GET', '/api/mirror/status', cookie)).json();

/** An active virtual card of the account user's account, once the mirror (card index) has it. */
async function newCard(): Promise<Stripe.Issuing.Card> {
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: ownAccount })
  ).data[0]!;
  const card = await stack.stripe.issuing.cards.create(
    { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: ownAccount },
  );
  for (let i = 0; i < 200; i++) {
    if ((await stack.app.db.query('SELECT 1 FROM card_index WHERE card_id = $1', [card.id])).length > 0) return card;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error(`card ${card.id} never reached the mirror`);
}

async function nonceFor(cardId: string): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/ephemeral_key_nonces`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer pk_test_status',
      'stripe-account': ownAccount,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `issuing_card=${cardId}`,
  });
  const nonce = ((await res.json()) as { nonce?: string }).nonce;
  if (!nonce) throw new Error(`no nonce for ${cardId}`);
  return nonce;
}

const faults = () => stack.emulator.emulator.faults;

/** The one refusal (shared/mirror-api.ts), spelled out: it is the contract. */
const STRIPE_UNREACHABLE = {
  code: 'stripe_unreachable',
  message: 'Stripe cannot be reached right now; nothing was changed. Try again in a minute.',
} as const;
/** Loaded where used, so that the HTTP tests above run (and fail by assertion) on a tree without it. */
const reachability = () => import('../../server/plugins/app/stripe-reachability.ts');

beforeAll(async () => {
  // Webhooks delivered as `npm start` does; the reconciler every 300 s (the default), so that
  // anything sooner is the "Stripe answers again" path.
  stack = await startStack({ webhookSecret: 'whsec_mirror_status_test', env: { MIRROR_STALE_SECONDS: '600' } });
  ({ cookies, ownAccount } = await demoSessions(stack));
  await stack.app.cardIndex.whenBackfilled();
});
afterAll(async () => {
  faults()?.clear();
  await stack?.close();
});

describe('GET /api/mirror/status', () => {
  test('signed out: 401; every role: how fresh the data is, and nothing else', async () => {
    expect((await call('GET', '/api/mirror/status')).statusCode).toBe(401);
    expect((await call('GET', '/api/mirror/status', cookies.account)).statusCode).toBe(200);
    await stack.app.mirror.reconcile();
    for (const cookie of [cookies.admin, cookies.account, cookies.support]) {
      const res = await call('GET', '/api/mirror/status', cookie);
      expect(res.statusCode, res.body).toBe(200);
      expect(res.headers['cache-control']).toBe('no-store');
      const body = res.json();
      expect(body).toEqual({
        synced_at: expect.any(String),
        stale: false,
        stripe_reachable: true,
        stripe_failing_since: null,
        stale_after_seconds: 600,
      });
      expect(Date.now() - Date.parse(body.synced_at)).toBeLessThan(60_000);
    }
    expect((await call('GET', '/api/mirror/status?verbose=1', cookies.admin)).statusCode).toBe(400);
  });

  test('data older than MIRROR_STALE_SECONDS says so, with its time; a reconcile pass makes it fresh', async () => {
    const old = new Date(Date.now() - 20 * 60_000);
    await stack.app.db.query('UPDATE mirror_status SET last_reconcile_at = $1, last_webhook_at = NULL', [old]);
    const stale = await status();
    expect(stale).toMatchObject({ stale: true, stripe_reachable: true });
    expect(Math.abs(Date.parse(stale.synced_at) - old.getTime())).toBeLessThan(1_000);
    await stack.app.mirror.reconcile();
    expect(await status()).toMatchObject({ stale: false, stripe_reachable: true });
  });
});

describe('Stripe cannot be reached', () => {
  test('a card change: 503 stripe_unreachable, one message, nothing changed; the status says so at once', async () => {
    const card = await newCard();
    faults().clear();
    faults().add({ path: '/v1/', kind: 'server_error' });
    const started = new Date();
    const res = await call('POST', `/api/cards/${card.id}`, cookies.account, { status: 'inactive' });
    const now = await status();
    faults().clear();

    expect(res.statusCode, res.body).toBe(503);
    expect(res.json()).toEqual({ error: { code: STRIPE_UNREACHABLE.code, message: STRIPE_UNREACHABLE.message } });
    expect(res.headers['retry-after']).toBe('60');
    // Written before the refusal went out: the page that asks right after sees it.
    expect(now.stripe_reachable).toBe(false);
    expect(Date.parse(now.stripe_failing_since)).toBeGreaterThanOrEqual(started.getTime() - 1_000);

    // Nothing half-done: Stripe's card, the mirror's, and the audit trail all unchanged.
    expect((await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: ownAccount })).status).toBe(
      'active',
    );
    const [mirrored] = await stack.app.db.query<{ status: string }>(
      'SELECT status FROM card_index WHERE card_id = $1',
      [card.id],
    );
    expect(mirrored?.status).toBe('active');
    expect(
      await stack.app.db.query("SELECT 1 FROM audit_trail WHERE card_id = $1 AND kind = 'card.status_changed'", [
        card.id,
      ]),
    ).toEqual([]);
  });

  test('a reveal over dropped connections: 503 stripe_unreachable, no key, the attempt recorded as denied', async () => {
    const card = await newCard();
    const nonce = await nonceFor(card.id);
    const keysBefore = stack.emulator.store.ephemeralKeys.size;
    faults().clear();
    faults().add({ path: '/v1/', kind: 'drop' });
    const res = await call('POST', '/api/ephemeral-keys', cookies.admin, {
      card_id: card.id,
      nonce,
      account: ownAccount,
    });
    faults().clear();

    expect(res.statusCode, res.body).toBe(503);
    expect(res.json().error).toEqual({ code: 'stripe_unreachable', message: STRIPE_UNREACHABLE.message });
    expect(res.body).not.toMatch(/ek_test_/);
    expect(stack.emulator.store.ephemeralKeys.size).toBe(keysBefore);
    const rows = await stack.app.db.query<{ outcome: string; deny_reason: string }>(
      'SELECT outcome, deny_reason FROM reveal_audit WHERE card_id = $1',
      [card.id],
    );
    expect(rows).toEqual([{ outcome: 'denied', deny_reason: 'stripe_unreachable' }]);
    // The trail's final word on the attempt (its latest row, decision 091) is the refusal.
    const trail = await stack.app.db.query<{ kind: string; outcome: string; deny_reason: string }>(
      "SELECT kind, details->>'outcome' AS outcome, details->>'deny_reason' AS deny_reason FROM audit_trail WHERE card_id = $1 AND kind LIKE 'reveal%' ORDER BY seq DESC LIMIT 1",
      [card.id],
    );
    expect(trail).toEqual([{ kind: 'reveal.key_refused', outcome: 'denied', deny_reason: 'stripe_unreachable' }]);
  });

  test('Stripe answers again: the reconciler runs at its next check, catches up, and the mark goes', async () => {
    faults().clear();
    faults().add({ path: '/v1/', kind: 'server_error' });
    // Anything that calls Stripe marks it unreachable (here the Account Session of a card page).
    const refused = await call('POST', '/api/account-sessions', cookies.account, { account: ownAccount });
    expect(refused.statusCode, refused.body).toBe(503);
    expect(refused.json().error.code).toBe('stripe_unreachable');
    expect((await status()).stripe_reachable).toBe(false);

    faults().clear();
    const back = Date.now();
    // The app's own client makes no call now; only the reconciler (period 300 s) can notice. Wait
    // for its pass, not for the first answer: another of the app's background calls may
    // report Stripe reachable a moment before the pass completes, as a loaded CI run once showed.
    await expect
      .poll(
        async () => {
          const now = await status();
          return now.stripe_reachable && Date.parse(now.synced_at) >= back - 1_000;
        },
        { timeout: 15_000, interval: 250 },
      )
      .toBe(true);
    const after = await status();
    expect(after.stripe_failing_since).toBeNull();
    expect(after.stale).toBe(false);
    expect(Date.parse(after.synced_at)).toBeGreaterThanOrEqual(back - 1_000);
    expect(Date.now() - back).toBeLessThan(12_000);
  });
});

describe('recording Stripe contact (every call, at most one write a second)', () => {
  test('a burst of answers is one or two writes; a change after it is written within the interval; flush writes a change at once', async () => {
    const { StripeContactRecorder } = await reachability();
    const writes: boolean[] = [];
    const recorder = new StripeContactRecorder(async (ok) => void writes.push(ok), undefined, 200);
    for (let i = 0; i < 1_000; i++) recorder.report(true);
    await new Promise((r) => setTimeout(r, 50));
    expect(writes).toEqual([true]);
    for (let i = 0; i < 1_000; i++) recorder.report(i % 2 === 0);
    recorder.report(false);
    await new Promise((r) => setTimeout(r, 300));
    expect(writes).toEqual([true, false]);
    recorder.report(true);
    await recorder.flush();
    expect(writes).toEqual([true, false, true]);
    // Nothing new since: no write.
    await new Promise((r) => setTimeout(r, 300));
    expect(writes).toEqual([true, false, true]);
    await recorder.stop();
  });

  test('what counts: no answer and 5xx are unreachable, any other answer reachable, 429 neither', async () => {
    const { ReachabilityHttpClient } = await reachability();
    const seen: boolean[] = [];
    const answer = (status: number) => ({ getStatusCode: () => status }) as unknown as Stripe.HttpClientResponse;
    const inner = new (class extends Stripe.HttpClient {
      next: number | Error = 200;
      override getClientName() {
        return 'fake';
      }
      override async makeRequest(): Promise<Stripe.HttpClientResponse> {
        if (this.next instanceof Error) throw this.next;
        return answer(this.next);
      }
    })();
    const client = new ReachabilityHttpClient(inner);
    client.listen((ok) => seen.push(ok));
    const send = () => client.makeRequest('api.stripe.com', '443', '/v1/events', 'GET', {}, '', 'https', 1000);
    for (const next of [200, 404, 500, 503, 429, 402]) {
      inner.next = next;
      await send();
    }
    inner.next = new Error('ECONNRESET');
    await expect(send()).rejects.toThrow('ECONNRESET');
    expect(seen).toEqual([true, true, false, false, true, false]);
  });
});
