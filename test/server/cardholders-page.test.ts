// The cardholders page's API against the emulator: an account's cardholders with search, status
// and card counts; creating individuals and companies, Stripe's refusals as 400s naming the field;
// cardholder-level spending controls; scope, role refusals and the audit trail.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { AuditRow, CardholderDetails } from '../../shared/api.ts';
import { startStack, type Stack, demoSessions, type DemoCookies } from '../helpers/stack.ts';

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

const address = { line1: '510 Townsend St', city: 'San Francisco', state: 'CA', postal_code: '94103', country: 'US' };

beforeAll(async () => {
  stack = await startStack();
  ({ cookies, ownAccount, otherAccount } = await demoSessions(stack));
});
afterAll(() => stack?.close());

describe('GET /api/accounts/:account/cardholders', () => {
  test('lists cardholders with their cards by status, searchable and filtered by status', async () => {
    const res = await call('GET', `/api/accounts/${ownAccount}/cardholders`, cookies.account);
    expect(res.statusCode).toBe(200);
    const all = res.json().data as CardholderDetails[];
    const holders = (await stack.stripe.issuing.cardholders.list({ limit: 100 }, { stripeAccount: ownAccount })).data;
    expect(all.map((h) => h.id).sort()).toEqual(holders.map((h) => h.id).sort());
    const cards = (await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: ownAccount })).data;
    const first = all.find((h) =>
      cards.some((c) => (typeof c.cardholder === 'string' ? c.cardholder : c.cardholder.id) === h.id),
    )!;
    const own = cards.filter((c) => (typeof c.cardholder === 'string' ? c.cardholder : c.cardholder.id) === first.id);
    expect(first.cards.active + first.cards.inactive + first.cards.canceled).toBe(own.length);

    const byName = await call(
      'GET',
      `/api/accounts/${ownAccount}/cardholders?q=${encodeURIComponent(first.name.slice(0, 4).toUpperCase())}`,
      cookies.account,
    );
    expect((byName.json().data as CardholderDetails[]).map((h) => h.id)).toContain(first.id);
    const blocked = await call('GET', `/api/accounts/${ownAccount}/cardholders?status=blocked`, cookies.account);
    expect((blocked.json().data as CardholderDetails[]).every((h) => h.status === 'blocked')).toBe(true);
  });

  test('another account is refused to its non-member; the support agent browses no account', async () => {
    expect((await call('GET', `/api/accounts/${otherAccount}/cardholders`, cookies.account)).statusCode).toBe(403);
    expect((await call('GET', `/api/accounts/${ownAccount}/cardholders`, cookies.support)).statusCode).toBe(403);
    const bad = await call('GET', '/api/accounts/nope/cardholders', cookies.admin);
    expect(bad.statusCode).toBe(400);
  });
});

describe('POST /api/cardholders', () => {
  test('creates an individual and a company, each audited', async () => {
    const person = await call('POST', '/api/cardholders', cookies.admin, {
      account: otherAccount,
      type: 'individual',
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      individual: { first_name: 'Ada', last_name: 'Lovelace' },
      billing: { address },
    });
    expect(person.statusCode).toBe(200);
    expect(person.json()).toMatchObject({
      name: 'Ada Lovelace',
      type: 'individual',
      status: 'active',
      account: otherAccount,
    });
    const company = await call('POST', '/api/cardholders', cookies.admin, {
      account: otherAccount,
      type: 'company',
      name: 'Analytical Engines Ltd',
      billing: { address },
    });
    expect(company.statusCode).toBe(200);
    expect(
      (await stack.stripe.issuing.cardholders.retrieve(company.json().id, {}, { stripeAccount: otherAccount })).type,
    ).toBe('company');

    const audit = await call('GET', `/api/audit?kind=cardholder.created&account=${otherAccount}`, cookies.admin);
    const rows = audit.json().data as AuditRow[];
    expect(rows.map((r) => r.cardholder_id)).toEqual([company.json().id, person.json().id]);
    expect(rows[1]).toMatchObject({
      email: 'admin@example.com',
      details: { name: 'Ada Lovelace', type: 'individual' },
    });
  });

  test('a mistake comes back on the field at fault', async () => {
    const noPerson = await call('POST', '/api/cardholders', cookies.admin, {
      account: otherAccount,
      type: 'individual',
      name: 'Ada',
      billing: { address },
    });
    expect(noPerson.statusCode).toBe(400);
    expect(noPerson.json().error.field).toBe('individual.first_name');
    const noCity = await call('POST', '/api/cardholders', cookies.admin, {
      account: otherAccount,
      type: 'company',
      name: 'X',
      billing: { address: { ...address, city: '' } },
    });
    expect(noCity.statusCode).toBe(400);
    expect(noCity.json().error.field).toBe('billing.address.city');
    // Stripe's own refusal (400 email_invalid, param email) lands on the same field name.
    const badEmail = await call('POST', '/api/cardholders', cookies.admin, {
      account: otherAccount,
      type: 'company',
      name: 'X',
      email: 'not-an-address',
      billing: { address },
    });
    expect(badEmail.statusCode).toBe(400);
    expect(badEmail.json().error).toMatchObject({ field: 'email', message: 'Invalid email address: not-an-address' });
  });

  test('only roles that manage cardholders may create one', async () => {
    const res = await call('POST', '/api/cardholders', cookies.account, {
      account: ownAccount,
      type: 'company',
      name: 'X Co',
      billing: { address },
    });
    expect(res.statusCode).toBe(403);
  });
});

describe('POST /api/cardholders/:id', () => {
  test('the account user sets a cardholder-level limit; the trail has before and after', async () => {
    const holder = (
      await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: ownAccount })
    ).data[0]!;
    const res = await call('POST', `/api/cardholders/${holder.id}`, cookies.account, {
      account: ownAccount,
      spending_controls: { spending_limits: [{ amount: 20000, interval: 'weekly' }] },
    });
    expect(res.statusCode).toBe(200);
    expect(
      (await stack.stripe.issuing.cardholders.retrieve(holder.id, {}, { stripeAccount: ownAccount })).spending_controls
        ?.spending_limits,
    ).toEqual([expect.objectContaining({ amount: 20000, interval: 'weekly' })]);
    const audit = await call('GET', `/api/audit?kind=cardholder.updated&account=${ownAccount}`, cookies.admin);
    expect((audit.json().data as AuditRow[])[0]).toMatchObject({
      email: 'account@example.com',
      cardholder_id: holder.id,
      details: {
        after: { spending_controls: { spending_limits: [{ amount: 20000, interval: 'weekly', categories: [] }] } },
      },
    });
    expect(
      (
        await call('POST', `/api/cardholders/${holder.id}`, cookies.support, {
          account: ownAccount,
          spending_controls: {},
        })
      ).statusCode,
    ).toBe(403);
  });

  test('another account’s cardholder is refused; an unknown one is a 404', async () => {
    const foreign = (await stack.stripe.issuing.cardholders.list({ limit: 1 }, { stripeAccount: otherAccount }))
      .data[0]!;
    const res = await call('POST', `/api/cardholders/${foreign.id}`, cookies.account, {
      account: otherAccount,
      spending_controls: {},
    });
    expect(res.statusCode).toBe(403);
    const missing = await call('POST', '/api/cardholders/ich_nosuch000', cookies.admin, {
      account: ownAccount,
      spending_controls: {},
    });
    expect(missing.statusCode).toBe(404);
  });
});
