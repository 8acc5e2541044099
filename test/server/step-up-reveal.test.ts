// Step-up before a support agent's reveal, on both servers (the emulator answers the SDK): a
// reveal within the step-up age gets its key and the audit row names the method; a stale check
// is refused with 403 step_up_required (audited as denied, no key made); a new TOTP check lets
// the same reveal through. The demo support agent's factor is the demo TOTP secret.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type Stripe from 'stripe';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { nextTotpCode } from '../helpers/totp.ts';

let stack: Stack;
let card: Stripe.Issuing.Card;
let account: string;

beforeAll(async () => {
  stack = await startStack({ env: { STEP_UP_MAX_AGE_SECONDS: '60' } });
  account = (await stack.stripe.accounts.list({ limit: 100 })).data[0]!.id;
  card = (
    await stack.stripe.issuing.cards.list({ type: 'physical', status: 'active', limit: 1 }, { stripeAccount: account })
  ).data[0]!;
});
afterAll(() => stack?.close());

async function nonce(): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/ephemeral_key_nonces`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer pk_test_x',
      'stripe-account': account,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `issuing_card=${card.id}`,
  });
  return ((await res.json()) as { nonce: string }).nonce;
}

const reveal = async (cookie: string) =>
  stack.app.inject({
    method: 'POST',
    url: '/api/ephemeral-keys',
    headers: { origin: stack.appUrl, cookie },
    payload: { card_id: card.id, nonce: await nonce(), reason: 'Cardholder on the phone, ticket 4411' },
  });

async function auditRows(): Promise<
  {
    outcome: string;
    deny_reason: string | null;
    second_factor_method: string | null;
    ephemeral_key_id: string | null;
  }[]
> {
  return stack.app.db.query(
    'SELECT outcome, deny_reason, second_factor_method, ephemeral_key_id FROM reveal_audit WHERE card_id = $1 ORDER BY created_at',
    [card.id],
  );
}

test('a fresh check lets the reveal through and is recorded; a stale one is refused until the agent steps up again', async () => {
  // Signed in with TOTP just now.
  const fresh = await stack.loginCookie('support@example.com');
  const ok = await reveal(fresh);
  expect(ok.statusCode).toBe(200);
  expect(ok.json().ephemeralKeySecret).toMatch(/^ek_test_/);
  expect((await auditRows()).at(-1)).toMatchObject({ outcome: 'granted', second_factor_method: 'totp' });

  // Signed in with TOTP 61 seconds ago (STEP_UP_MAX_AGE_SECONDS=60).
  const user = await findUserByEmail(stack.app.db, 'support@example.com');
  const { token } = await stack.app.sessions.issue(user!.id, {
    state: 'complete',
    verifiedAt: Math.floor(Date.now() / 1000) - 61,
    method: 'totp',
  });
  const stale = `${SESSION_COOKIE}=${token}`;
  const me = await stack.app.inject({ method: 'GET', url: '/api/me', headers: { cookie: stale } });
  expect(me.json().secondFactor.freshUntil).toBeNull();

  const refused = await reveal(stale);
  expect(refused.statusCode).toBe(403);
  expect(refused.json().error.code).toBe('step_up_required');
  expect(refused.body).not.toContain('ek_test_');
  expect((await auditRows()).at(-1)).toMatchObject({
    outcome: 'denied',
    deny_reason: 'step_up_required',
    ephemeral_key_id: null,
  });

  const step = await stack.app.inject({
    method: 'POST',
    url: '/api/step-up',
    headers: { origin: stack.appUrl, cookie: stale },
    payload: { method: 'totp', code: await nextTotpCode(`${stack.appUrl}|support@example.com`, DEMO_TOTP_SECRET) },
  });
  expect(step.statusCode).toBe(200);
  const steppedUp = `${SESSION_COOKIE}=${step.cookies.find((c) => c.name === SESSION_COOKIE && c.value)!.value}`;
  const again = await reveal(steppedUp);
  expect(again.statusCode).toBe(200);
  expect((await auditRows()).at(-1)).toMatchObject({ outcome: 'granted', second_factor_method: 'totp' });
});

// Issue 17.2 (docs/decisions/104): this used to pass without any check; every path to a card
// secret now needs a fresh one for staff roles, the admin's included.
test("the admin's reveal needs a fresh step-up too; the audit row has its method", async () => {
  const user = await findUserByEmail(stack.app.db, 'admin@example.com');
  const { token } = await stack.app.sessions.issue(user!.id, { state: 'complete', verifiedAt: null, method: null });
  const res = await reveal(`${SESSION_COOKIE}=${token}`);
  expect(res.statusCode).toBe(403);
  expect(res.json().error.code).toBe('step_up_required');
  expect((await auditRows()).at(-1)).toMatchObject({ outcome: 'denied', deny_reason: 'step_up_required' });
  const fresh = await stack.app.sessions.issue(user!.id, {
    state: 'complete',
    verifiedAt: Math.floor(Date.now() / 1000),
    method: 'totp',
  });
  expect((await reveal(`${SESSION_COOKIE}=${fresh.token}`)).statusCode).toBe(200);
  expect((await auditRows()).at(-1)).toMatchObject({ outcome: 'granted', second_factor_method: 'totp' });
});
