// The audit trail records what users do, through the app's routes and inside the embedded
// components: the emulator delivers its events to the app's webhook (signed), as Stripe would.
import { randomBytes } from 'node:crypto';
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditRow } from '../../shared/api.ts';
import { verifyAuditChain } from '../../server/db/audit-trail.ts';
import { startStack, type Stack, demoSessions, type DemoCookies } from '../helpers/stack.ts';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { nextTotpCode } from '../helpers/totp.ts';

let stack: Stack;
let cookies: DemoCookies;
let ownAccount: string;
let otherAccount: string;

async function call(
  method: 'GET' | 'POST',
  url: string,
  cookie: string,
  payload?: object,
): Promise<LightMyRequestResponse> {
  return stack.app.inject({
    method,
    url,
    headers: { cookie, ...(method === 'POST' ? { origin: stack.appUrl } : {}) },
    ...(payload ? { payload } : {}),
  });
}

async function trail(query: string): Promise<AuditRow[]> {
  const res = await call('GET', `/api/audit${query}`, cookies.admin);
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

/** The limits as the trail records them. */
const limitsOf = (card: Stripe.Issuing.Card) =>
  card.spending_controls.spending_limits!.map((l) => ({
    amount: l.amount,
    interval: l.interval,
    categories: l.categories ?? [],
  }));

async function newCard(account: string): Promise<Stripe.Issuing.Card> {
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account })
  ).data[0]!;
  return stack.stripe.issuing.cards.create(
    { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: account },
  );
}

/** Every event the emulator has queued is delivered and answered. */
const delivered = () => stack.emulator.emulator.webhooks.dispatcher.idle();

beforeAll(async () => {
  stack = await startStack({ webhookSecret: `whsec_${randomBytes(24).toString('hex')}` });
  ({ cookies, ownAccount, otherAccount } = await demoSessions(stack));
});
afterAll(() => stack?.close());

describe('changes made through the app', () => {
  test('a freeze and a limit change: who, before and after, once each (the webhook adds no second row)', async () => {
    const card = await newCard(otherAccount);
    await delivered();
    const freeze = await call('POST', `/api/cards/${card.id}`, cookies.admin, { status: 'inactive' });
    expect(freeze.statusCode).toBe(200);
    const limit = await call('POST', `/api/cards/${card.id}`, cookies.admin, {
      spending_controls: { spending_limits: [{ amount: 5000, interval: 'daily' }] },
    });
    expect(limit.statusCode).toBe(200);
    await delivered();

    const rows = await trail(`?card=${card.id}&kind=card`);
    expect(rows.map((r) => r.kind)).toEqual(['card.spending_controls_changed', 'card.status_changed', 'card.issued']);
    const [controls, status, issued] = rows;
    expect(status).toMatchObject({
      email: 'admin@example.com',
      role: 'platform_admin',
      account_id: otherAccount,
      details: { before: 'active', after: 'inactive' },
    });
    expect(controls).toMatchObject({
      email: 'admin@example.com',
      details: {
        before: { spending_limits: limitsOf(card) },
        after: { spending_limits: [{ amount: 5000, interval: 'daily', categories: [] }] },
      },
    });
    // Issued with the platform's key on Stripe directly, while no dashboard user had the
    // components open on that account: nobody of ours is named.
    expect(issued).toMatchObject({
      email: null,
      details: { via: 'outside_dashboard', stripe_event: expect.stringMatching(/^evt_/) },
    });
    expect(rows[0]!.account_name).toBeTruthy();
    expect(rows[0]!.account_name).not.toMatch(/^acct_/);
  });

  test('issuing a card and signing in are recorded', async () => {
    const holder = (
      await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: ownAccount })
    ).data[0]!;
    const issued = await call('POST', '/api/cards', cookies.admin, {
      account: ownAccount,
      cardholder: holder.id,
      type: 'virtual',
      currency: 'usd',
    });
    expect(issued.statusCode).toBe(200);
    await delivered();
    const rows = await trail(`?card=${issued.json().id}`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({ kind: 'card.issued', email: 'admin@example.com', cardholder_id: holder.id });

    // The support agent's sign-in is complete (and recorded) once the second factor is given.
    const signIn = await stack.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { origin: stack.appUrl },
      payload: { email: 'support@example.com', password: 'demo1234' },
    });
    expect(signIn.statusCode).toBe(200);
    const pending = `cid_session=${signIn.cookies.find((c) => c.name === 'cid_session')!.value}`;
    const code = await nextTotpCode(`${stack.appUrl}|support@example.com`, DEMO_TOTP_SECRET);
    const stepUp = await stack.app.inject({
      method: 'POST',
      url: '/api/step-up',
      headers: { origin: stack.appUrl, cookie: pending },
      payload: { method: 'totp', code },
    });
    expect(stepUp.statusCode).toBe(200);
    expect((await trail('?kind=sign_in&user=support@example.com'))[0]).toMatchObject({
      kind: 'sign_in',
      role: 'support_agent',
      details: { second_factor_method: 'totp' },
    });
  });
});

describe('changes made inside the embedded components', () => {
  test('a limit changed in the component is attributed to the user whose Account Session was open', async () => {
    const card = await newCard(ownAccount);
    const session = await call('POST', '/api/account-sessions', cookies.account, { account: ownAccount });
    expect(session.statusCode).toBe(200);
    // What connect.js does with the client secret, then the component's own "Save" on the limits.
    const claim = await fetch(`${stack.emulatorUrl}/_emulator/connect/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_secret: session.json().client_secret }),
    });
    const { token } = (await claim.json()) as { token: string };
    const update = await fetch(`${stack.emulatorUrl}/v1/issuing/cards/${card.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'spending_controls[spending_limits][0][amount]=2500&spending_controls[spending_limits][0][interval]=weekly',
    });
    expect(update.status).toBe(200);
    await delivered();

    const rows = await trail(`?card=${card.id}&kind=card.spending_controls_changed`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      email: 'account@example.com',
      role: 'account_user',
      details: {
        via: 'embedded_component',
        before: { spending_limits: limitsOf(card) },
        after: { spending_limits: [{ amount: 2500, interval: 'weekly', categories: [] }] },
      },
    });
    expect((await trail(`?kind=account_session.created&account=${ownAccount}`))[0]).toMatchObject({
      email: 'account@example.com',
    });
  });

  test('a session without the feature for the change is not named: the change is outside the dashboard', async () => {
    const card = await newCard(ownAccount);
    // The account user's components edit spending controls but have no card_management (the
    // policy withholds canceling from them), so a status change is not theirs.
    expect((await call('POST', '/api/account-sessions', cookies.account, { account: ownAccount })).statusCode).toBe(
      200,
    );
    await stack.stripe.issuing.cards.update(card.id, { status: 'inactive' }, { stripeAccount: ownAccount });
    await delivered();
    const rows = await trail(`?card=${card.id}&kind=card.status_changed`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      email: null,
      details: { before: 'active', after: 'inactive', via: 'outside_dashboard' },
    });
  });
});

describe('support agents and lost cards', () => {
  test('the support agent freezes a card reported lost, and may not unfreeze or cancel it', async () => {
    const card = await newCard(otherAccount);
    const res = await call('POST', `/api/cards/${card.id}/report-lost`, cookies.support, {
      note: 'Caller verified, ticket SUP-7',
    });
    expect(res.statusCode).toBe(200);
    expect(res.json().status).toBe('inactive');
    expect((await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: otherAccount })).status).toBe(
      'inactive',
    );

    expect((await call('POST', `/api/cards/${card.id}`, cookies.support, { status: 'active' })).statusCode).toBe(403);
    expect(
      (
        await call('POST', `/api/cards/${card.id}`, cookies.support, {
          status: 'canceled',
          cancellation_reason: 'lost',
        })
      ).statusCode,
    ).toBe(403);
    expect((await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: otherAccount })).status).toBe(
      'inactive',
    );

    const rows = await trail(`?card=${card.id}&kind=card.status_changed`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      email: 'support@example.com',
      role: 'support_agent',
      details: { before: 'active', after: 'inactive', reason: 'reported_lost', note: 'Caller verified, ticket SUP-7' },
    });
  });

  test('bad input is a 400 naming the field; a canceled card is a 409', async () => {
    const card = await newCard(otherAccount);
    const long = await call('POST', `/api/cards/${card.id}/report-lost`, cookies.support, { note: 'x'.repeat(501) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.field).toBe('note');
    await stack.stripe.issuing.cards.update(card.id, { status: 'canceled' }, { stripeAccount: otherAccount });
    // The route reads the card from the mirror (issue 18): the cancellation's event first.
    await delivered();
    const canceled = await call('POST', `/api/cards/${card.id}/report-lost`, cookies.support, {});
    expect(canceled.statusCode).toBe(409);
    expect(canceled.json().error.code).toBe('card_canceled');
  });
});

test('the chain holds after all of the above', async () => {
  await delivered();
  const check = await verifyAuditChain(stack.app.db);
  expect(check.ok).toBe(true);
  expect(check.rows).toBeGreaterThan(10);
});
