// A lost card's end (decision 164): reported lost (frozen, one audit row), then canceled as lost
// and replaced through Stripe's replacement_for by a platform admin with a fresh second-factor
// check (POST /api/cards/:id/replace), against the emulator over real HTTP: who may, what Stripe
// holds after, the audit rows, one card however often it is asked, and 409/4xx for the rest.
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { findUserByEmail } from '../../server/db/users.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import { demoSessions, startStack, type DemoCookies, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let cookies: DemoCookies;
let account: string;
let holder: Stripe.Issuing.Cardholder;

async function call(url: string, cookie: string, payload?: object, method: 'GET' | 'POST' = 'POST') {
  return stack.app.inject({
    method,
    url,
    headers: { cookie, ...(method === 'POST' ? { origin: stack.appUrl } : {}) },
    ...(method === 'POST' ? { payload: payload ?? {} } : {}),
  });
}
const replace = (id: string, cookie = cookies.admin, payload?: object) =>
  call(`/api/cards/${id}/replace`, cookie, payload);
const getCard = async (id: string) => (await call(`/api/cards/${id}`, cookies.admin, undefined, 'GET')).json();
const stripeCard = (id: string) => stack.stripe.issuing.cards.retrieve(id, {}, { stripeAccount: account });

/** A virtual card issued through the app (so the card index holds it), with its own spending controls. */
async function issued(): Promise<string> {
  const res = await call('/api/cards', cookies.admin, {
    account,
    cardholder: holder.id,
    type: 'virtual',
    currency: 'usd',
    status: 'active',
    spending_controls: {
      spending_limits: [{ amount: 12_345, interval: 'weekly' }],
      blocked_categories: ['betting_casino_gambling'],
    },
  });
  expect(res.statusCode, res.body).toBe(200);
  return res.json().id;
}

/** Issued, then reported lost by the support agent (frozen, the report in the trail). */
async function reportedLost(): Promise<string> {
  const id = await issued();
  const res = await call(`/api/cards/${id}/report-lost`, cookies.support, { note: 'Caller verified, SUP-9' });
  expect(res.statusCode, res.body).toBe(200);
  return id;
}

async function trail(cardId: string) {
  return stack.app.db.query<{ kind: string; actor_email: string; details: Record<string, unknown> }>(
    'SELECT kind, actor_email, details FROM audit_trail WHERE card_id = $1 ORDER BY seq',
    [cardId],
  );
}

/** The cards Stripe holds that replace `id`. */
async function replacementsOf(id: string): Promise<Stripe.Issuing.Card[]> {
  const all = await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account });
  return all.data.filter(
    (c) => (typeof c.replacement_for === 'string' ? c.replacement_for : c.replacement_for?.id) === id,
  );
}

beforeAll(async () => {
  stack = await startStack({ webhookSecret: 'whsec_card_replacement_test' });
  ({ cookies, ownAccount: account } = await demoSessions(stack));
  holder = (await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account }))
    .data[0]!;
});
afterAll(() => stack?.close());

describe('POST /api/cards/:id/replace', () => {
  test('a card reported lost is canceled as lost and replaced: same cardholder, type, currency and controls', async () => {
    const lost = await reportedLost();
    const before = await getCard(lost);
    expect(before).toMatchObject({ status: 'inactive', lost_reported_at: expect.any(String), replaced_by: null });

    const res = await replace(lost, cookies.admin, { note: 'Ticket SUP-9' });
    expect(res.statusCode, res.body).toBe(200);
    const { canceled, replacement } = res.json();
    expect(canceled).toMatchObject({ id: lost, status: 'canceled', cancellation_reason: 'lost' });
    expect(canceled.replaced_by).toBe(replacement.id);
    expect(replacement).toMatchObject({
      status: 'active',
      type: 'virtual',
      currency: 'usd',
      replacement_for: lost,
      cardholder: { id: holder.id },
    });

    // As Stripe holds them: the chain both ways, a new number, the controls carried over.
    const [old, fresh] = [await stripeCard(lost), await stripeCard(replacement.id)];
    expect(old).toMatchObject({ status: 'canceled', cancellation_reason: 'lost', replaced_by: replacement.id });
    expect(fresh).toMatchObject({ replacement_for: lost, replacement_reason: 'lost', status: 'active' });
    expect(fresh.last4).not.toBe(old.last4);
    expect(fresh.spending_controls.spending_limits).toEqual(old.spending_controls.spending_limits);
    expect(fresh.spending_controls.spending_limits).toContainEqual(
      expect.objectContaining({ amount: 12_345, interval: 'weekly' }),
    );
    expect(fresh.spending_controls.blocked_categories).toEqual(['betting_casino_gambling']);

    // The card pages say so: the new card names the lost one, the lost one names its replacement.
    expect(await getCard(replacement.id)).toMatchObject({ replacement_for: lost, lost_reported_at: null });
    expect(await getCard(lost)).toMatchObject({ status: 'canceled', replaced_by: replacement.id });

    // Audited like the other card actions: the report, the cancel (with the check behind it), the new card.
    const rows = await trail(lost);
    expect(rows.map((r) => [r.kind, r.details.before, r.details.after, r.details.reason])).toEqual([
      ['card.issued', undefined, undefined, undefined],
      ['card.status_changed', 'active', 'inactive', 'reported_lost'],
      ['card.status_changed', 'inactive', 'canceled', 'lost'],
    ]);
    expect(rows[2]).toMatchObject({
      actor_email: 'admin@example.com',
      details: { replacing: true, second_factor_method: 'totp' },
    });
    const issuedRows = (await trail(replacement.id)).filter((r) => r.kind === 'card.issued');
    expect(issuedRows).toHaveLength(1);
    expect(issuedRows[0]).toMatchObject({
      actor_email: 'admin@example.com',
      details: {
        replacement_for: lost,
        replacement_reason: 'lost',
        note: 'Ticket SUP-9',
        second_factor_method: 'totp',
      },
    });

    // Replaced once: a second request is a 409, and Stripe holds one replacement.
    const again = await replace(lost);
    expect(again.statusCode).toBe(409);
    expect(again.json().error.code).toBe('card_replaced');
    expect(again.json().error.message).toContain(replacement.id);
    expect(await replacementsOf(lost)).toHaveLength(1);
  });

  test('platform admins only: account users and support agents are refused, and nothing changes', async () => {
    const lost = await reportedLost();
    for (const cookie of [cookies.account, cookies.support]) {
      const res = await replace(lost, cookie);
      expect(res.statusCode).toBe(403);
    }
    const anonymous = await stack.app.inject({
      method: 'POST',
      url: `/api/cards/${lost}/replace`,
      headers: { origin: stack.appUrl },
      payload: {},
    });
    expect(anonymous.statusCode).toBe(401);
    expect((await stripeCard(lost)).status).toBe('inactive');
    expect(await replacementsOf(lost)).toEqual([]);
    const me = (who: string) => call('/api/me', who, undefined, 'GET');
    expect((await me(cookies.admin)).json().permissions.replaceCards).toBe(true);
    expect((await me(cookies.account)).json().permissions.replaceCards).toBe(false);
    expect((await me(cookies.support)).json().permissions.replaceCards).toBe(false);
  });

  test('needs a fresh second-factor check: a stale one is refused before anything is asked of Stripe', async () => {
    const lost = await reportedLost();
    const admin = await findUserByEmail(stack.app.db, 'admin@example.com');
    const { token } = await stack.app.sessions.issue(admin!.id, {
      state: 'complete',
      verifiedAt: Math.floor(Date.now() / 1000) - 301,
      method: 'totp',
    });
    const stale = `${SESSION_COOKIE}=${token}`;
    expect((await call('/api/me', stale, undefined, 'GET')).json().secondFactor.stepUp.replaceCards).toBe(true);
    const res = await replace(lost, stale);
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('step_up_required');
    expect((await stripeCard(lost)).status).toBe('inactive');
    expect(await replacementsOf(lost)).toEqual([]);
  });

  test('asked twice at once (a double click): one replacement card, each step audited once', async () => {
    const lost = await reportedLost();
    const answers: LightMyRequestResponse[] = await Promise.all([replace(lost), replace(lost)]);
    const ok = answers.filter((r) => r.statusCode === 200);
    expect(ok.length).toBeGreaterThan(0);
    for (const r of answers.filter((a) => a.statusCode !== 200)) {
      expect(r.statusCode, r.body).toBe(409);
      expect(r.json().error.code).toBe('card_replaced');
    }
    const made = await replacementsOf(lost);
    expect(made).toHaveLength(1);
    expect(new Set(ok.map((r) => r.json().replacement.id))).toEqual(new Set([made[0]!.id]));
    expect((await trail(lost)).filter((r) => r.details.after === 'canceled')).toHaveLength(1);
    expect((await trail(made[0]!.id)).filter((r) => r.kind === 'card.issued')).toHaveLength(1);
  });

  test("Stripe made the card but its answer was lost: the SDK's retry gets the same card, audited once", async () => {
    const lost = await reportedLost();
    const fault = stack.emulator.emulator.faults.add({
      method: 'POST',
      path: '/v1/issuing/cards',
      kind: 'drop_after',
      times: 2,
    });
    const res = await replace(lost);
    stack.emulator.emulator.faults.clear();
    expect(fault.hits).toBe(2);
    expect(res.statusCode, res.body).toBe(200);
    const made = await replacementsOf(lost);
    expect(made.map((c) => c.id)).toEqual([res.json().replacement.id]);
    expect((await trail(made[0]!.id)).filter((r) => r.kind === 'card.issued')).toHaveLength(1);
  });

  test('a lost card already canceled as lost (by hand, or a replacement cut short) is replaced without a second cancel', async () => {
    const lost = await reportedLost();
    const cancel = await call(`/api/cards/${lost}`, cookies.admin, { status: 'canceled', cancellation_reason: 'lost' });
    expect(cancel.json()).toMatchObject({
      status: 'canceled',
      lost_reported_at: expect.any(String),
      replaced_by: null,
    });
    const res = await replace(lost);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().replacement.replacement_for).toBe(lost);
    expect((await trail(lost)).filter((r) => r.details.after === 'canceled')).toHaveLength(1);
  });

  test('409 for a card that is not reported lost: never reported, unfrozen since, or canceled as stolen', async () => {
    const never = await issued();
    await call(`/api/cards/${never}`, cookies.admin, { status: 'inactive' });
    const unfrozen = await reportedLost();
    const activated = await call(`/api/cards/${unfrozen}`, cookies.admin, { status: 'active' });
    expect(activated.json().lost_reported_at).toBeNull();
    const stolen = await reportedLost();
    await call(`/api/cards/${stolen}`, cookies.admin, { status: 'canceled', cancellation_reason: 'stolen' });
    for (const id of [never, unfrozen, stolen]) {
      const res = await replace(id);
      expect(res.statusCode, id).toBe(409);
      expect(res.json().error.code).toBe('card_not_reported_lost');
      expect(await replacementsOf(id)).toEqual([]);
    }
  });

  test('a blocked cardholder: 409 before the card is canceled', async () => {
    const blocked = await stack.stripe.issuing.cardholders.create(
      {
        type: 'individual',
        name: 'Blocked Holder',
        email: 'blocked.holder@example.com',
        billing: {
          address: { line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
        },
      },
      { stripeAccount: account },
    );
    const card = await call('/api/cards', cookies.admin, {
      account,
      cardholder: blocked.id,
      type: 'virtual',
      currency: 'usd',
      status: 'active',
    });
    const id = card.json().id;
    expect((await call(`/api/cards/${id}/report-lost`, cookies.support, {})).statusCode).toBe(200);
    // `blocked` is Stripe's to set: the test sets it in the emulator's store.
    const data = stack.emulator.store.accountData(account);
    data.cardholders.replace({ ...data.cardholders.get(blocked.id)!, status: 'blocked' });
    const res = await replace(id);
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('cardholder_blocked');
    expect((await stripeCard(id)).status).toBe('inactive');
  });

  test('clear 4xx for the rest: an unknown card, a malformed id, a note too long', async () => {
    const unknown = await replace('ic_doesnotexist000');
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json().error.code).toBe('card_not_found');
    const malformed = await replace('not-a-card');
    expect(malformed.statusCode).toBe(400);
    const long = await replace(await reportedLost(), cookies.admin, { note: 'x'.repeat(501) });
    expect(long.statusCode).toBe(400);
    expect(long.json().error.field).toBe('note');
  });
});

describe('a card reported lost shows no details', () => {
  test('no key for its numbers, in the components or the reveal view, until it is activated again', async () => {
    const id = await reportedLost();
    const keyFor = async (how: { component: 'issuing_card' } | { reason: string }) => {
      const nonce = await fetch(`${stack.emulatorUrl}/v1/ephemeral_key_nonces`, {
        method: 'POST',
        headers: {
          authorization: 'Bearer pk_test_lost',
          'stripe-account': account,
          'content-type': 'application/x-www-form-urlencoded',
        },
        body: `issuing_card=${id}`,
      }).then(async (res) => ((await res.json()) as { nonce: string }).nonce);
      return call('/api/ephemeral-keys', cookies.admin, {
        card_id: id,
        nonce,
        account,
        ...how,
      });
    };
    const reveal = { reason: 'Cardholder on the phone, ticket SUP-9' };
    for (const how of [{ component: 'issuing_card' as const }, reveal]) {
      const refused = await keyFor(how);
      expect(refused.statusCode, refused.body).toBe(409);
      expect(refused.json().error).toMatchObject({ code: 'card_reported_lost' });
      expect(refused.body).toContain('reported lost');
    }
    const denied = await stack.app.db.query('SELECT outcome, deny_reason FROM reveal_audit WHERE card_id = $1', [id]);
    expect(denied).toEqual([
      { outcome: 'denied', deny_reason: 'card_reported_lost' },
      { outcome: 'denied', deny_reason: 'card_reported_lost' },
    ]);

    // Found again: an admin activates it, and its details can be shown once more.
    const activated = await call(`/api/cards/${id}`, cookies.admin, { status: 'active' });
    expect(activated.statusCode, activated.body).toBe(200);
    const again = await keyFor(reveal);
    expect(again.statusCode, again.body).toBe(200);
  });
});
