// The role x route matrix, generated from shared/route-table.ts and shared/policy.ts: every route
// is called anonymously and as every role, and the answer must follow the rule. A route added to
// the table without a sample request here fails this test, so no route escapes the matrix.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, can, type Role } from '../../shared/policy.ts';
import { ROUTES, type RouteEntry } from '../../shared/route-table.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

const EMAIL: Record<Role, string> = {
  platform_admin: 'admin@example.com',
  account_user: 'account@example.com',
  support_agent: 'support@example.com',
};

let stack: Stack;
let ownAccount: string;
let ownVirtualCard: { id: string; last4: string };

interface Sample {
  url: string;
  payload?: () => Promise<object>;
}

async function nonceFor(cardId: string, account: string): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/ephemeral_key_nonces`, {
    method: 'POST',
    headers: { authorization: 'Bearer pk_test_matrix', 'stripe-account': account, 'content-type': 'application/x-www-form-urlencoded' },
    body: `issuing_card=${cardId}`,
  });
  return ((await res.json()) as { nonce: string }).nonce;
}

/** One request per route that every role allowed by the rule can make successfully (in scope). */
function samples(): Record<string, Sample> {
  return {
    'GET /healthz': { url: '/healthz' },
    'GET /readyz': { url: '/readyz' },
    'GET /api/config': { url: '/api/config' },
    'POST /api/session': { url: '/api/session', payload: async () => ({ email: 'admin@example.com', password: 'demo1234' }) },
    'DELETE /api/session': { url: '/api/session' },
    'GET /api/me': { url: '/api/me' },
    'GET /api/accounts': { url: '/api/accounts' },
    'POST /api/account-sessions': { url: '/api/account-sessions', payload: async () => ({ account: ownAccount }) },
    'POST /api/ephemeral-keys': {
      url: '/api/ephemeral-keys',
      payload: async () => ({
        card_id: ownVirtualCard.id,
        nonce: await nonceFor(ownVirtualCard.id, ownAccount),
        reason: 'authorization matrix',
      }),
    },
    'GET /api/cards': { url: `/api/cards?q=${ownVirtualCard.last4}` },
    'GET /api/cards/:id': { url: `/api/cards/${ownVirtualCard.id}` },
    'GET /api/audit': { url: '/api/audit' },
  };
}

async function request(route: RouteEntry, cookie: string | undefined): Promise<LightMyRequestResponse> {
  const sample = samples()[`${route.method} ${route.path}`];
  if (!sample) throw new Error(`no sample request for ${route.method} ${route.path}: add one to the matrix`);
  return stack.app.inject({
    method: route.method,
    url: sample.url,
    headers: { origin: stack.appUrl, ...(cookie ? { cookie } : {}) },
    ...(sample.payload ? { payload: await sample.payload() } : {}),
  });
}

beforeAll(async () => {
  stack = await startStack();
  ownAccount = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!.id;
  const cards = await stack.stripe.issuing.cards.list({ type: 'virtual', status: 'active', limit: 1 }, { stripeAccount: ownAccount });
  ownVirtualCard = cards.data[0]!;
});
afterAll(() => stack?.close());

describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route: RouteEntry) => {
  test('anonymous', async () => {
    const res = await request(route, undefined);
    if (route.rule === 'public') expect(res.statusCode).toBeLessThan(400);
    else expect(res.statusCode).toBe(401);
  });

  test.each(ROLES)('%s', async (role) => {
    // A fresh session per call: DELETE /api/session ends the one it is given.
    const res = await request(route, await stack.loginCookie(EMAIL[role]));
    const allowed = route.rule === 'public' || route.rule === 'authenticated' || can(role, route.rule);
    if (allowed) {
      expect(res.statusCode, res.body).toBeLessThan(400);
    } else {
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('forbidden');
    }
  });
});
