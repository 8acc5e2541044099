// The app reads each account's card_issuing capability instead of assuming it: GET /api/accounts
// says whether an account can issue and what Stripe still needs (in words), and POST /api/cards
// refuses an account that cannot, with a 409 naming it, before asking Stripe for a card.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let admin: string;
let inactive: string;

async function call(method: 'GET' | 'POST', url: string, payload?: object): Promise<LightMyRequestResponse> {
  return stack.app.inject({
    method,
    url,
    headers: { cookie: admin, ...(method === 'POST' ? { origin: stack.appUrl } : {}) },
    ...(payload ? { payload } : {}),
  });
}

beforeAll(async () => {
  stack = await startStack();
  admin = await stack.loginCookie('admin@example.com');
  inactive = (
    await stack.stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_profile: { name: 'Hotel Hauling' },
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    })
  ).id;
  // The accounts page reads the mirror (issue 18): an account connected after the deployment's
  // backfill listed the accounts is learned from its events or, as here (no webhook endpoint),
  // from an operator's resync.
  await stack.app.cardIndex.whenBackfilled();
  await stack.app.cardIndex.backfill();
});
afterAll(() => stack?.close());

describe('GET /api/accounts', () => {
  test('says per account whether it can issue cards and, if not, what Stripe still needs', async () => {
    const res = await call('GET', '/api/accounts');
    expect(res.statusCode).toBe(200);
    const data = res.json().data as Array<{
      id: string;
      name: string;
      card_issuing: { status: string; currently_due: string[]; currently_due_fields: string[] };
    }>;
    const hotel = data.find((a) => a.id === inactive)!;
    expect(hotel.card_issuing.status).toBe('inactive');
    expect(hotel.card_issuing.currently_due).toContain('Acceptance of the Stripe Issuing terms (date and IP address)');
    expect(hotel.card_issuing.currently_due_fields).toContain('settings.card_issuing.tos_acceptance.date');
    for (const seeded of data.filter((a) => a.id !== inactive))
      expect(seeded.card_issuing).toEqual({ status: 'active', currently_due: [], currently_due_fields: [] });
  });

  test("lists what card_issuing needs, not the bank account card_payments asks for in the account's requirements", async () => {
    const both = await stack.stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_profile: { name: 'India Imports' },
      capabilities: {
        card_issuing: { requested: true },
        card_payments: { requested: true },
        transfers: { requested: true },
      },
    });
    // Stripe's account-wide list holds card_payments' bank account too (docs/decisions/156).
    expect(both.requirements?.currently_due).toContain('external_account');
    await stack.app.cardIndex.backfill();
    const res = await call('GET', '/api/accounts');
    const india = (res.json().data as Array<{ id: string; card_issuing: { currently_due_fields: string[] } }>).find(
      (a) => a.id === both.id,
    )!;
    expect(india.card_issuing.currently_due_fields).toContain('settings.card_issuing.tos_acceptance.date');
    expect(india.card_issuing.currently_due_fields).not.toContain('external_account');
  });
});

describe('POST /api/cards', () => {
  test('refuses an account whose card_issuing is not active with a 409 naming what is missing, creating nothing', async () => {
    const res = await call('POST', '/api/cards', {
      account: inactive,
      cardholder: 'ich_1Anyone',
      type: 'virtual',
      currency: 'usd',
    });
    expect(res.statusCode).toBe(409);
    const error = res.json().error;
    expect(error).toMatchObject({ code: 'card_issuing_inactive', field: 'account' });
    expect(error.message).toContain('Stripe has not activated card issuing for this account yet (inactive)');
    expect(error.message).toContain('Business type (individual or company)');
    expect((await stack.stripe.issuing.cards.list({}, { stripeAccount: inactive })).data).toEqual([]);
  });

  test('answers 404 for an account Stripe does not know', async () => {
    const res = await call('POST', '/api/cards', {
      account: 'acct_1Nobody',
      cardholder: 'ich_1Anyone',
      type: 'virtual',
      currency: 'usd',
    });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('account_not_found');
  });
});
