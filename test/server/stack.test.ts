// The app server against the Stripe emulator over real HTTP, with the official SDK: accounts,
// Account Sessions, the reveal chain (nonce -> ephemeral key -> card details from Stripe), the
// audit log, scope refusals, and the promise that card numbers never pass through the app.
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { openDatabase, type Database, type Queryable } from '../../server/db/database.ts';
import { createNonce as createNonceFor } from '../helpers/card-details.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let cookies: Record<'admin' | 'account' | 'support', string>;
let accounts: Stripe.Account[];
/** The account_user's account (the oldest = last listed) and one it is not a member of. */
let ownAccount: string;
let otherAccount: string;
/** Every app response body and every card number and CVC seen, for the no-leak checks. */
const appBodies: string[] = [];
const secretsSeen = new Set<string>();

// A fault switch on a real database: while on, writes to the audit log fail.
let failAuditWrites = false;
function withAuditFaults(db: Database): Database {
  const guard = (q: Queryable): Queryable => ({
    query: (sql, params) => {
      // Granted reveals are written by the database functions reveal_audit_grant (migration 020),
      // reveal_audit_grant_with_method (a reveal behind a step-up, migration 130: the admin's too
      // since issue 17.2) and component_key_grant (migration 141).
      if (
        failAuditWrites &&
        /INSERT INTO reveal_audit|reveal_audit_grant(_with_method)?\(|component_key_grant\(/i.test(sql)
      )
        return Promise.reject(new Error('disk full'));
      return q.query(sql, params);
    },
    exec: (script) => q.exec(script),
  });
  return {
    ...guard(db),
    transaction: (fn) => db.transaction((tx) => fn(guard(tx))),
    tryAdvisoryLock: (key) => db.tryAdvisoryLock(key),
    listen: (c, f, e) => db.listen(c, f, e),
    notify: (c, p) => db.notify(c, p),
    close: () => db.close(),
  };
}
let db: Database;

function luhn(digits: string): boolean {
  let sum = 0;
  for (let i = 0; i < digits.length; i++) {
    let d = Number(digits[digits.length - 1 - i]);
    if (i % 2 === 1) d = d * 2 > 9 ? d * 2 - 9 : d * 2;
    sum += d;
  }
  return sum % 10 === 0;
}

async function call(
  method: 'GET' | 'POST',
  url: string,
  cookie: string,
  payload?: object,
): Promise<LightMyRequestResponse> {
  const res = await stack.app.inject({
    method,
    url,
    headers: { cookie, ...(method === 'POST' ? { origin: stack.appUrl } : {}) },
    ...(payload ? { payload } : {}),
  });
  appBodies.push(res.body, JSON.stringify(res.headers));
  return res;
}

const createNonce = (cardId: string, account: string) => createNonceFor(stack, cardId, account);

/** What the Issuing Elements iframe does with the key: retrieve the card with its PCI fields. */
async function retrieveWithKey(cardId: string, account: string, secret: string) {
  const res = await fetch(`${stack.emulatorUrl}/v1/issuing/cards/${cardId}?expand[]=number&expand[]=cvc`, {
    headers: { authorization: `Bearer ${secret}`, 'stripe-account': account },
  });
  const body = (await res.json()) as { number?: string; cvc?: string; last4?: string };
  if (body.number) secretsSeen.add(body.number);
  if (body.cvc) secretsSeen.add(body.cvc);
  return { status: res.status, body };
}

async function cardOf(account: string, filter: Stripe.Issuing.CardListParams): Promise<Stripe.Issuing.Card> {
  const list = await stack.stripe.issuing.cards.list({ ...filter, limit: 100 }, { stripeAccount: account });
  expect(list.data.length, `a ${JSON.stringify(filter)} card on ${account}`).toBeGreaterThan(0);
  return list.data[0]!;
}

async function auditRows(query = ''): Promise<Array<Record<string, string | null>>> {
  const res = await call('GET', `/api/audit${query}`, cookies.admin);
  expect(res.statusCode).toBe(200);
  return res.json().data;
}

beforeAll(async () => {
  db = withAuditFaults(await openDatabase({ kind: 'pglite', dir: 'memory://' }));
  stack = await startStack({ db });
  cookies = {
    admin: await stack.loginCookie('admin@example.com'),
    account: await stack.loginCookie('account@example.com'),
    support: await stack.loginCookie('support@example.com'),
  };
  accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  expect(accounts.length).toBeGreaterThanOrEqual(3);
  ownAccount = accounts.at(-1)!.id;
  otherAccount = accounts[0]!.id;
});

afterAll(async () => {
  await stack?.close();
  await db?.close();
});

describe('health', () => {
  test('readyz checks the database and Stripe', async () => {
    const res = await stack.app.inject({ method: 'GET', url: '/readyz' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ ok: true, checks: { database: true, stripe: true } });
  });
});

describe('GET /api/accounts per role', () => {
  test('admin sees every connected account with its card count', async () => {
    const res = await call('GET', '/api/accounts', cookies.admin);
    expect(res.statusCode).toBe(200);
    const data = res.json().data as Array<{ id: string; card_count: number; name: string }>;
    expect(data.map((a) => a.id)).toEqual(accounts.map((a) => a.id));
    let count = 0;
    for await (const _ of stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: data[0]!.id })) count++;
    expect(data[0]!.card_count).toBe(count);
  });

  test('admin searches by name or id', async () => {
    const target = accounts[1]!;
    const name = target.business_profile!.name!;
    const byName = (
      await call('GET', `/api/accounts?q=${encodeURIComponent(name.slice(0, 4).toLowerCase())}`, cookies.admin)
    ).json();
    expect(byName.data.map((a: { id: string }) => a.id)).toContain(target.id);
    const byId = (await call('GET', `/api/accounts?q=${target.id}`, cookies.admin)).json();
    expect(byId.data.map((a: { id: string }) => a.id)).toEqual([target.id]);
  });

  test('the account user sees only its own (oldest) account', async () => {
    const data = (await call('GET', '/api/accounts', cookies.account)).json().data;
    expect(data.map((a: { id: string }) => a.id)).toEqual([ownAccount]);
  });

  test('the support agent browses nothing but finds an account by search', async () => {
    expect((await call('GET', '/api/accounts', cookies.support)).json().data).toEqual([]);
    const found = (await call('GET', `/api/accounts?q=${otherAccount}`, cookies.support)).json().data;
    expect(found.map((a: { id: string }) => a.id)).toEqual([otherAccount]);
  });
});

describe('POST /api/account-sessions', () => {
  async function claim(clientSecret: string) {
    const res = await fetch(`${stack.emulatorUrl}/_emulator/connect/claim`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ client_secret: clientSecret }),
    });
    expect(res.status).toBe(200);
    return (await res.json()) as {
      account: string;
      components: Record<string, { enabled: boolean; features: Record<string, boolean> }>;
    };
  }

  test.each([
    [
      'admin',
      {
        card_management: true,
        card_spend_dispute_management: true,
        cardholder_management: true,
        spend_control_management: true,
      },
    ],
    // Account users freeze and unfreeze but never cancel; Stripe's card_management would let them (decision 030).
    [
      'account',
      {
        card_management: false,
        card_spend_dispute_management: false,
        cardholder_management: false,
        spend_control_management: true,
      },
    ],
  ] as const)("%s: Stripe receives the policy's components and features", async (who, features) => {
    const res = await call('POST', '/api/account-sessions', cookies[who], { account: ownAccount });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { client_secret, expires_at } = res.json();
    expect(expires_at).toBeGreaterThan(Date.now() / 1000);
    const session = await claim(client_secret);
    expect(session.account).toBe(ownAccount);
    expect(session.components.issuing_card).toMatchObject({
      enabled: true,
      features: { ...features, card_management: false },
    });
    expect(session.components.issuing_cards_list).toMatchObject({
      enabled: true,
      features: { ...features, disable_stripe_user_authentication: false },
    });
  });

  test('the support agent gets no Account Session at all', async () => {
    const res = await call('POST', '/api/account-sessions', cookies.support, { account: ownAccount });
    expect(res.statusCode).toBe(403);
    expect(res.body).not.toMatch(/_secret_/);
  });

  test('the account user gets 403 for an account it is not a member of', async () => {
    const res = await call('POST', '/api/account-sessions', cookies.account, { account: otherAccount });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('account_out_of_scope');
  });

  test('an unknown account is a 404; a malformed one a 400 naming the field', async () => {
    expect(
      (await call('POST', '/api/account-sessions', cookies.admin, { account: 'acct_doesnotexist000' })).statusCode,
    ).toBe(404);
    const bad = await call('POST', '/api/account-sessions', cookies.admin, { account: 'ic_123' });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('account');
  });
});

describe('GET /api/cards', () => {
  test("lists an account's cards as summaries, paginated like Stripe", async () => {
    const first = (await call('GET', `/api/cards?account=${otherAccount}&limit=2`, cookies.admin)).json();
    expect(first.data).toHaveLength(2);
    expect(first.has_more).toBe(true);
    const next = (
      await call('GET', `/api/cards?account=${otherAccount}&limit=2&starting_after=${first.data[1].id}`, cookies.admin)
    ).json();
    expect(next.data[0].id).not.toBe(first.data[0].id);
    expect(next.data[0].id).not.toBe(first.data[1].id);
    const card = first.data[0];
    expect(Object.keys(card).sort()).toEqual(
      [
        'account',
        'account_name',
        'brand',
        'cancellation_reason',
        'cardholder',
        'created',
        'currency',
        'id',
        'last4',
        'spending_controls',
        'status',
        'type',
      ].sort(),
    );
    expect(card.account).toBe(otherAccount);
    // The account's name, not its id, for pages to show.
    expect(card.account_name).toBe(accounts.find((a) => a.id === otherAccount)!.business_profile!.name);
  });

  test('admin and support agent look a card up across accounts by id, last4 and cardholder', async () => {
    const target = await cardOf(otherAccount, { status: 'active' });
    const holder = target.cardholder;
    for (const cookie of [cookies.admin, cookies.support]) {
      const byId = (await call('GET', `/api/cards?q=${target.id}`, cookie)).json();
      expect(byId.data.map((c: { id: string }) => c.id)).toEqual([target.id]);
      // The support agent adds part of the name to a last4 (decision 030).
      const withName = cookie === cookies.support ? ` ${holder.name.split(' ')[0]}` : '';
      const byLast4 = (await call('GET', `/api/cards?q=${encodeURIComponent(target.last4 + withName)}`, cookie)).json();
      expect(byLast4.data.map((c: { id: string }) => c.id)).toContain(target.id);
      const byName = (
        await call('GET', `/api/cards?cardholder=${encodeURIComponent(holder.name.toUpperCase())}`, cookie)
      ).json();
      expect(byName.data.map((c: { id: string }) => c.id)).toContain(target.id);
      expect(byName.data.every((c: { cardholder: { name: string } }) => c.cardholder.name === holder.name)).toBe(true);
    }
  });

  test('the support agent must look up; browsing is a 400 naming q', async () => {
    const res = await call('GET', `/api/cards?account=${otherAccount}`, cookies.support);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('q');
  });

  test("the account user is refused another account's cards and card, and its lookups stay in scope", async () => {
    expect((await call('GET', `/api/cards?account=${otherAccount}`, cookies.account)).statusCode).toBe(403);
    const foreign = await cardOf(otherAccount, {});
    const one = await call('GET', `/api/cards/${foreign.id}`, cookies.account);
    expect(one.statusCode).toBe(403);
    expect(one.json().error.code).toBe('card_out_of_scope');
    const lookup = (await call('GET', `/api/cards?q=${foreign.id}`, cookies.account)).json();
    expect(lookup.data).toEqual([]);
    const own = (await call('GET', '/api/cards', cookies.account)).json();
    expect(own.data.length).toBeGreaterThan(0);
    expect(own.data.every((c: { account: string }) => c.account === ownAccount)).toBe(true);
  });

  test('GET /api/cards/:id: 404 for an unknown card, 400 for a malformed id', async () => {
    expect((await call('GET', '/api/cards/ic_doesnotexist0000', cookies.admin)).statusCode).toBe(404);
    const bad = await call('GET', '/api/cards/12345', cookies.admin);
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.field).toBe('id');
  });
});

describe('the reveal chain: nonce -> POST /api/ephemeral-keys -> card details from Stripe', () => {
  test("admin: the key opens exactly this card's number, which passes Luhn; the nonce works once", async () => {
    const card = await cardOf(otherAccount, { type: 'virtual', status: 'active' });
    const nonce = await createNonce(card.id, otherAccount);
    const res = await call('POST', '/api/ephemeral-keys', cookies.admin, { card_id: card.id, nonce });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const key = res.json();
    expect(key).toEqual({
      ephemeralKeySecret: expect.stringMatching(/^ek_test_/),
      expires: expect.any(Number),
      issuingCard: card.id,
      nonce,
    });

    const details = await retrieveWithKey(card.id, otherAccount, key.ephemeralKeySecret);
    expect(details.status).toBe(200);
    expect(details.body.number).toMatch(/^\d{16}$/);
    expect(luhn(details.body.number!)).toBe(true);
    expect(details.body.number!.endsWith(card.last4)).toBe(true);
    expect(details.body.cvc).toMatch(/^\d{3}$/);

    // The key is bound to its card.
    const other = (await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: otherAccount })).data.find(
      (c) => c.id !== card.id,
    )!;
    const refused = await retrieveWithKey(other.id, otherAccount, key.ephemeralKeySecret);
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.body.number).toBeUndefined();

    // The nonce is single use.
    const again = await call('POST', '/api/ephemeral-keys', cookies.admin, { card_id: card.id, nonce });
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toMatchObject({ code: 'nonce_rejected', field: 'nonce' });

    const rows = await auditRows(`?card=${card.id}`);
    const granted = rows.filter((r) => r.outcome === 'granted');
    expect(granted).toHaveLength(1);
    expect(granted[0]).toMatchObject({
      email: 'admin@example.com',
      role: 'platform_admin',
      account_id: otherAccount,
      ip: expect.any(String),
    });
    expect(granted[0]!.ephemeral_key_id).toMatch(/^ephkey_/);
    expect(rows.some((r) => r.outcome === 'denied' && r.deny_reason === 'nonce_rejected')).toBe(true);
  });

  test('a nonce made for another card is refused', async () => {
    const [a, b] = (
      await stack.stripe.issuing.cards.list(
        { type: 'virtual', status: 'active', limit: 100 },
        { stripeAccount: otherAccount },
      )
    ).data;
    const nonce = await createNonce(a!.id, otherAccount);
    const res = await call('POST', '/api/ephemeral-keys', cookies.admin, { card_id: b!.id, nonce });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('nonce');
  });

  test.each([
    [{ card_id: 'card_123', nonce: 'ephkn_pub_x' }, 'card_id'],
    [{ card_id: 'ic_123', nonce: 'not-a-nonce' }, 'nonce'],
    [{ card_id: 'ic_123' }, 'nonce'],
    [{ card_id: 'ic_123', nonce: 'ephkn_pub_x', reason: 'x'.repeat(501) }, 'reason'],
  ])('a bad body %j is a 400 naming %s', async (payload, field) => {
    const res = await call('POST', '/api/ephemeral-keys', cookies.admin, payload);
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe(field);
  });

  test('an unknown card is a 404, audited as denied', async () => {
    const res = await call('POST', '/api/ephemeral-keys', cookies.admin, {
      card_id: 'ic_nosuchcard000',
      nonce: 'ephkn_pub_abc',
    });
    expect(res.statusCode).toBe(404);
    expect((await auditRows('?card=ic_nosuchcard000'))[0]).toMatchObject({
      outcome: 'denied',
      deny_reason: 'card_not_found',
    });
  });

  test('the support agent must give a reason, which is recorded', async () => {
    const card = await cardOf(otherAccount, { type: 'physical' });
    const without = await call('POST', '/api/ephemeral-keys', cookies.support, {
      card_id: card.id,
      nonce: await createNonce(card.id, otherAccount),
    });
    expect(without.statusCode).toBe(400);
    expect(without.json().error).toMatchObject({ code: 'reason_required', field: 'reason' });

    const reason = 'Cardholder verified by phone, ticket #4411';
    const res = await call('POST', '/api/ephemeral-keys', cookies.support, {
      card_id: card.id,
      nonce: await createNonce(card.id, otherAccount),
      reason,
    });
    expect(res.statusCode).toBe(200);
    const rows = await auditRows(`?card=${card.id}&user=support@example.com`);
    expect(rows.map((r) => [r.outcome, r.deny_reason, r.reason])).toEqual([
      ['granted', null, reason],
      ['denied', 'reason_required', null],
    ]);
  });

  test('the account user reveals its own virtual cards only; refusals are audited, nothing granted', async () => {
    const foreign = await cardOf(otherAccount, { type: 'virtual', status: 'active' });
    const out = await call('POST', '/api/ephemeral-keys', cookies.account, {
      card_id: foreign.id,
      nonce: await createNonce(foreign.id, otherAccount),
    });
    expect(out.statusCode).toBe(403);
    expect(out.body).not.toContain('ek_test_');

    const physical = await cardOf(ownAccount, { type: 'physical' });
    const phys = await call('POST', '/api/ephemeral-keys', cookies.account, {
      card_id: physical.id,
      nonce: await createNonce(physical.id, ownAccount),
    });
    expect(phys.statusCode).toBe(403);
    expect(phys.json().error.code).toBe('card_type_not_allowed');

    const rows = await auditRows('?kind=reveal&user=account@example.com');
    expect(rows.map((r) => r.deny_reason).sort()).toEqual(['card_type_not_allowed', 'out_of_scope']);
    expect(rows.every((r) => r.outcome === 'denied')).toBe(true);

    const own = await cardOf(ownAccount, { type: 'virtual', status: 'active' });
    const ok = await call('POST', '/api/ephemeral-keys', cookies.account, {
      card_id: own.id,
      nonce: await createNonce(own.id, ownAccount),
    });
    expect(ok.statusCode).toBe(200);
    const details = await retrieveWithKey(own.id, ownAccount, ok.json().ephemeralKeySecret);
    expect(luhn(details.body.number!)).toBe(true);
  });

  test('reveals are rate limited per user per minute, and the refusal is audited', async () => {
    // The account user is allowed 10 a minute by the policy and has used 1 above.
    const own = await cardOf(ownAccount, { type: 'virtual', status: 'active' });
    const statuses: number[] = [];
    for (let i = 0; i < 10; i++) {
      const res = await call('POST', '/api/ephemeral-keys', cookies.account, {
        card_id: own.id,
        nonce: await createNonce(own.id, ownAccount),
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, 9).every((s) => s === 200)).toBe(true);
    expect(statuses[9]).toBe(429);
    const rows = await auditRows('?kind=reveal&user=account@example.com');
    expect(rows[0]).toMatchObject({ outcome: 'denied', deny_reason: 'rate_limited' });
    // Other users are not affected.
    const admin = await call('POST', '/api/ephemeral-keys', cookies.admin, {
      card_id: own.id,
      nonce: await createNonce(own.id, ownAccount),
    });
    expect(admin.statusCode).toBe(200);
  });

  test('when the audit log cannot be written, no key is issued (503)', async () => {
    const card = await cardOf(otherAccount, { type: 'virtual', status: 'active' });
    const nonce = await createNonce(card.id, otherAccount);
    failAuditWrites = true;
    let res: LightMyRequestResponse;
    try {
      res = await call('POST', '/api/ephemeral-keys', cookies.admin, { card_id: card.id, nonce });
    } finally {
      failAuditWrites = false;
    }
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('audit_unavailable');
    expect(res.body).not.toContain('ek_test_');
    // The nonce was never spent on a key: Stripe still accepts it.
    const later = await call('POST', '/api/ephemeral-keys', cookies.admin, { card_id: card.id, nonce });
    expect(later.statusCode).toBe(200);
  });
});

describe('GET /api/audit', () => {
  test('admin only', async () => {
    expect((await call('GET', '/api/audit', cookies.support)).statusCode).toBe(403);
    expect((await call('GET', '/api/audit', cookies.account)).statusCode).toBe(403);
  });

  test('filters by time and exports CSV', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect(await auditRows(`?from=${encodeURIComponent(future)}`)).toEqual([]);
    expect((await auditRows(`?to=${encodeURIComponent(future)}`)).length).toBeGreaterThan(0);

    const res = await call('GET', '/api/audit?format=csv&kind=reveal&user=support@example.com', cookies.admin);
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/csv/);
    const [header, ...lines] = res.body.trim().split('\r\n');
    // Every cell quoted, so that spreadsheets splitting on ";" see no formula either.
    expect(header).toBe(
      '"created_at","outcome","deny_reason","user_id","email","role","card_id","account_id","reason","ip","user_agent","ephemeral_key_id","id","kind","account_name","cardholder_id","subject","details","seq","hash"',
    );
    expect(lines.length).toBe(2);
    expect(lines[0]).toContain('"Cardholder verified by phone, ticket #4411"');
  });
});

describe('card data never passes through the app server', () => {
  test('no response body or header and no log line holds a card number, CVC or key secret', () => {
    expect(secretsSeen.size).toBeGreaterThan(0);
    const logs = stack.logs();
    expect(logs.length).toBeGreaterThan(0);
    for (const secret of secretsSeen) {
      if (secret.length < 12) continue; // CVCs are checked below, in context
      for (const body of appBodies) expect(body).not.toContain(secret);
      expect(logs).not.toContain(secret);
    }
    for (const body of appBodies) expect(body).not.toMatch(/"(number|cvc)"\s*:/);
    expect(logs).not.toMatch(/"(number|cvc)"\s*:\s*"\d/);
    expect(logs).not.toMatch(/ek_test_|ephkn_|accs_secret|cid_session=|demo1234/);
  });
});
