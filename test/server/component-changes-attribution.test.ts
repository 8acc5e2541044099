// Changes made inside the embedded components are attributed to the dashboard user whose Account
// Session allowed them, whichever component made them (issue 21, item 5; decision 158). The
// single-card component and the cards list have features of their own (shared/policy.ts: the card
// page's single card never freezes or cancels, the cards list may), so the Account Session's audit
// row records each component's, and a change counts as the session's if either allowed it.
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditRow } from '../../shared/api.ts';
import { policyFor } from '../../shared/policy.ts';
import { appendAudit } from '../../server/db/audit-trail.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import { demoSessions, startStack, type DemoCookies, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let cookies: DemoCookies;
let ownAccount: string;
let otherAccount: string;

beforeAll(async () => {
  stack = await startStack({ webhookSecret: `whsec_${randomBytes(24).toString('hex')}` });
  ({ cookies, ownAccount, otherAccount } = await demoSessions(stack));
});
afterAll(() => stack?.close());

const delivered = () => stack.emulator.emulator.webhooks.dispatcher.idle();

async function trail(query: string): Promise<AuditRow[]> {
  const res = await stack.app.inject({ method: 'GET', url: `/api/audit${query}`, headers: { cookie: cookies.admin } });
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

async function newCard(account: string): Promise<Stripe.Issuing.Card> {
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account })
  ).data[0]!;
  return stack.stripe.issuing.cards.create(
    { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: account },
  );
}

/** Opens the components as the page does, and returns what connect.js gets for the client secret. */
async function openComponents(cookie: string, account: string): Promise<string> {
  const session = await stack.app.inject({
    method: 'POST',
    url: '/api/account-sessions',
    headers: { cookie, origin: stack.appUrl },
    payload: { account },
  });
  expect(session.statusCode).toBe(200);
  const claim = await fetch(`${stack.emulatorUrl}/_emulator/connect/claim`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ client_secret: session.json().client_secret }),
  });
  return ((await claim.json()) as { token: string }).token;
}

/** A component's own button: the request the embedded component sends Stripe with its session. */
async function componentUpdate(token: string, cardId: string, form: string): Promise<void> {
  const res = await fetch(`${stack.emulatorUrl}/v1/issuing/cards/${cardId}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: form,
  });
  expect(res.status, await res.clone().text()).toBe(200);
}

describe('the admin’s embedded cards list', () => {
  test('the Account Session’s row records each component’s features', async () => {
    await openComponents(cookies.admin, otherAccount);
    const row = (await trail(`?kind=account_session.created&account=${otherAccount}`))[0]!;
    const policy = policyFor('platform_admin').accountSession!;
    expect(row).toMatchObject({ email: 'admin@example.com' });
    expect(row.details).toMatchObject({
      components: {
        issuing_card: policy.issuing_card.features,
        issuing_cards_list: policy.issuing_cards_list.features,
      },
    });
    // The two differ where it matters: only the cards list freezes and cancels.
    expect(policy.issuing_card.features.card_management).toBe(false);
    expect(policy.issuing_cards_list.features.card_management).toBe(true);
  });

  test('a card frozen in the cards list is the admin’s change, not one "outside the dashboard"', async () => {
    const card = await newCard(otherAccount);
    const token = await openComponents(cookies.admin, otherAccount);
    await componentUpdate(token, card.id, 'status=inactive');
    await delivered();
    const rows = await trail(`?card=${card.id}&kind=card.status_changed`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      email: 'admin@example.com',
      role: 'platform_admin',
      details: { before: 'active', after: 'inactive', via: 'embedded_component', components: ['issuing_cards_list'] },
    });
  });

  test('a limit changed in the cards list names both components that allow it', async () => {
    const card = await newCard(otherAccount);
    const token = await openComponents(cookies.admin, otherAccount);
    await componentUpdate(
      token,
      card.id,
      'spending_controls[spending_limits][0][amount]=4200&spending_controls[spending_limits][0][interval]=monthly',
    );
    await delivered();
    const rows = await trail(`?card=${card.id}&kind=card.spending_controls_changed`);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      email: 'admin@example.com',
      details: { via: 'embedded_component', components: ['issuing_card', 'issuing_cards_list'] },
    });
  });
});

describe('Account Session rows written before each component’s features were recorded', () => {
  test('are still read: their features are the single-card component’s', async () => {
    const user = (await findUserByEmail(stack.app.db, 'account@example.com'))!;
    const now = Math.floor(Date.now() / 1000);
    // The row as the route wrote it before decision 158.
    await appendAudit(stack.app.db, {
      kind: 'account_session.created',
      actor: { userId: user.id, email: user.email, role: user.role },
      accountId: ownAccount,
      details: {
        expires_at: now + 1800,
        features: { card_management: false, spend_control_management: true, cardholder_management: false },
      },
    });
    const card = await newCard(ownAccount);
    // The platform's key without the dashboard's idempotency prefix: as a component's change arrives.
    await stack.stripe.issuing.cards.update(
      card.id,
      { spending_controls: { spending_limits: [{ amount: 1500, interval: 'weekly' }] } },
      { stripeAccount: ownAccount },
    );
    await stack.stripe.issuing.cards.update(card.id, { status: 'inactive' }, { stripeAccount: ownAccount });
    await delivered();
    expect((await trail(`?card=${card.id}&kind=card.spending_controls_changed`))[0]).toMatchObject({
      email: 'account@example.com',
      details: { via: 'embedded_component', components: ['issuing_card'] },
    });
    // Its single card had no card_management: a freeze was not that session's.
    expect((await trail(`?card=${card.id}&kind=card.status_changed`))[0]).toMatchObject({
      email: null,
      details: { via: 'outside_dashboard' },
    });
  });
});
