// What a user or operator is told when Stripe refuses for a reason of the deployment, through the
// app's routes (issue 21, item 6): a restricted key without a permission is not "Issuing Elements
// not enabled", and an idempotency key reused with other parameters is not "already being
// processed". Both are the emulator's answers to the app's own SDK client: the restricted key's
// 403 through its `permission_denied` fault (Stripe's words: emulator/api/faults.ts), the reused
// key through its idempotency layer.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { demoSessions, startStack, type DemoCookies, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let cookies: DemoCookies;
let ownAccount: string;

beforeAll(async () => {
  stack = await startStack();
  ({ cookies, ownAccount } = await demoSessions(stack));
});
afterAll(async () => {
  await stack?.close();
});

const post = (url: string, cookie: string, payload: object) =>
  stack.app.inject({ method: 'POST', url, headers: { cookie, origin: stack.appUrl }, payload });

async function nonceFor(cardId: string, account: string): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/ephemeral_key_nonces`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer pk_test_refusals',
      'stripe-account': account,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `issuing_card=${cardId}`,
  });
  return ((await res.json()) as { nonce: string }).nonce;
}

describe('a restricted key without a permission', () => {
  test('a card component’s key: the app’s key lacks a permission (502), not "Issuing Elements not enabled"', async () => {
    const holder = (
      await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: ownAccount })
    ).data[0]!;
    const card = await stack.stripe.issuing.cards.create(
      { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active' },
      { stripeAccount: ownAccount },
    );
    expect((await post('/api/account-sessions', cookies.account, { account: ownAccount })).statusCode).toBe(200);
    const nonce = await nonceFor(card.id, ownAccount);
    // What Stripe answers a restricted key on POST /v1/ephemeral_keys: a request restricted keys
    // cannot make (invertase/stripe-firebase-extensions#314).
    const rule = stack.emulator.emulator.faults.add({
      method: 'POST',
      path: '/v1/ephemeral_keys',
      kind: 'permission_denied',
      times: 1,
    });
    try {
      const res = await post('/api/ephemeral-keys', cookies.account, {
        card_id: card.id,
        nonce,
        account: ownAccount,
        component: 'issuing_card',
      });
      expect(rule.hits).toBe(1);
      expect(res.statusCode).toBe(502);
      const error = res.json().error as { code: string; message: string };
      expect(error.code).toBe('stripe_key_lacks_permission');
      expect(error.message).toMatch(/app's Stripe API key is a restricted key/);
      expect(error.message).toMatch(/secret key/);
      // Stripe's message quotes the key (redacted: 'sk_test_****…form') and the account.
      expect(error.message).not.toMatch(/Issuing Elements|sk_test|\*\*\*|acct_/);
    } finally {
      stack.emulator.emulator.faults.clear();
    }
  });
});

describe('an idempotency key reused with other parameters', () => {
  test('issuing a card with a request id used before for another card says so, not "already being issued"', async () => {
    const holder = (
      await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: ownAccount })
    ).data[0]!;
    const body = {
      account: ownAccount,
      cardholder: holder.id,
      type: 'virtual',
      currency: 'usd',
      status: 'active',
      request_id: 'reused-request-0001',
    };
    expect((await post('/api/cards', cookies.admin, body)).statusCode).toBe(200);
    const again = await post('/api/cards', cookies.admin, { ...body, status: 'inactive' });
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('idempotency_key_reused');
    expect(again.json().error.message).toMatch(/reused an idempotency key .* different parameters/);
    expect(again.json().error.message).not.toMatch(/already being/);
  });
});
