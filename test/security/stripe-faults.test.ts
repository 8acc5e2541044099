// Stripe misbehaving, through the emulator's fault injection (docs/architecture.md, "Fault
// injection", including drop_after: executed, then the connection drops). The app's
// SDK retries with idempotency keys; when Stripe stays down the app answers 502/503/504 with a
// clear message, never a 500; and no retry ever makes a second card, key, audit row or payment.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, can, type Role } from '../../shared/policy.ts';
import { ROUTES, type RouteEntry } from '../../shared/route-table.ts';
import { ProbeUnavailable, loadWorld, nonceFor, probesFor, type Probe, type World } from './probes.ts';
import { EMAIL, startSecurityStack, summary, type SecurityStack } from './stack.ts';

let stack: SecurityStack;
let world: World;
const counts = { faults: 0, duplicates: 0, fiveHundreds: 0, requests: 0 };

/** Per-attempt timeout of the app's SDK in this suite, so that timeouts show in seconds. */
const TIMEOUT_MS = 600;

beforeAll(async () => {
  stack = await startSecurityStack({ stripe: { timeout: TIMEOUT_MS } });
  world = await loadWorld(stack);
});

afterAll(async () => {
  summary('stripe faults', {
    faultsInjected: counts.faults,
    requests: counts.requests,
    '500s': counts.fiveHundreds,
    duplicates: counts.duplicates,
  });
  const leaked = stack?.leakedSecrets() ?? [];
  await stack?.close();
  expect(leaked).toEqual([]);
});

const faults = () => stack.emulator.emulator.faults;

function addFault(rule: Parameters<ReturnType<typeof faults>['add']>[0]) {
  const active = faults().add(rule);
  return {
    get hits() {
      return active.hits;
    },
  };
}

async function inject(
  method: RouteEntry['method'],
  url: string,
  who: Role,
  payload?: unknown,
): Promise<LightMyRequestResponse> {
  const res = await stack.app.inject({
    method,
    url,
    headers: {
      origin: stack.appUrl,
      cookie: await stack.loginCookie(EMAIL[who]),
      ...(payload !== undefined ? { 'content-type': 'application/json' } : {}),
    },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  counts.requests += 1;
  if (res.statusCode >= 500 && res.statusCode !== 502 && res.statusCode !== 503 && res.statusCode !== 504)
    counts.fiveHundreds += 1;
  stack.trackBody(res.body);
  return res;
}

/** Objects in the emulator and rows in our database that a retry must never duplicate. */
async function census(): Promise<Record<string, number>> {
  const store = stack.emulator.store;
  const accounts = [store.platformAccountId, ...store.accounts.list().map((a) => a.id)];
  const out: Record<string, number> = {
    ephemeral_keys: store.ephemeralKeys.size,
    account_sessions: store.accountSessions.size,
  };
  for (const name of ['issuing.card', 'issuing.cardholder', 'payment_intent', 'issuing.authorization']) {
    out[name] = accounts.reduce((n, a) => n + store.accountData(a).collection(name).size, 0);
  }
  for (const table of ['reveal_audit', 'payments']) {
    out[table] = Number((await stack.app.db.query<{ n: string }>(`SELECT count(*) AS n FROM ${table}`))[0]!.n);
  }
  return out;
}

function delta(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  return Object.fromEntries(
    Object.keys(after)
      .map((k) => [k, after[k]! - (before[k] ?? 0)])
      .filter(([, v]) => v !== 0),
  );
}

// Pages read from the mirror (issue 18, decisions 148, 151): the requests below still ask Stripe.
// A change (an Account Session: POST /v1/account_sessions), and a read of a card the mirror does
// not know, which is asked for once on the account the URL names (GET /v1/issuing/cards/:id).
const WRITE = { stripe: { method: 'POST', path: '/v1/account_sessions' } } as const;
const READ = { stripe: { method: 'GET', path: '/v1/issuing/cards/' } } as const;
const writeRequest = () => inject('POST', '/api/account-sessions', 'platform_admin', { account: world.own.account });
/** A card id no webhook told the mirror about: the app asks Stripe for it, on the named account. */
const unmirroredRead = () =>
  inject('GET', `/api/cards/ic_NotMirrored${Date.now()}?account=${world.own.account}`, 'platform_admin');

/** Stripe calls the app made for `route` (its call budget's counts) while `run` ran. */
async function stripeCallsFor<T>(route: string, run: () => Promise<T>): Promise<{ result: T; calls: number }> {
  const before = stack.app.stripeBudget!.stats.byRoute[route] ?? 0;
  const result = await run();
  return { result, calls: (stack.app.stripeBudget!.stats.byRoute[route] ?? 0) - before };
}

describe('retries: a Stripe failure that passes is invisible to the user', () => {
  test.each([
    ['a 500', 'server_error'],
    ['a dropped connection', 'drop'],
  ] as const)('%s on the first attempt: the SDK retries and the request gets its answer', async (_name, kind) => {
    const fault = addFault({ ...WRITE.stripe, kind, times: 1 });
    const res = await writeRequest();
    counts.faults += fault.hits;
    expect(fault.hits).toBe(1);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.json().client_secret).toEqual(expect.any(String));
  });

  test('a slow answer past the SDK timeout, once: retried, answered', async () => {
    const fault = addFault({ ...WRITE.stripe, kind: 'delay', delay_ms: TIMEOUT_MS * 3, times: 1 });
    const res = await writeRequest();
    counts.faults += fault.hits;
    expect(fault.hits).toBe(1);
    expect(res.statusCode, res.body).toBe(200);
  });
});

describe('Stripe stays down: a clear 502/503/504 after the retries, never a 500', () => {
  // A change meeting an unreachable Stripe is refused as such (503 stripe_unreachable, decision
  // 152); a read that had to ask Stripe keeps 502 stripe_unavailable. Stripe's rate_limit 429 is
  // not retried by the SDK (no Stripe-Should-Retry); the app's Stripe call budget retries it 3
  // times after a backoff (server/plugins/app/stripe-budget.ts), then 503 for either.
  test.each([
    ['a change', '500s', 503, 'stripe_unreachable', 'server_error', 3],
    ['a change', 'dropped connections', 503, 'stripe_unreachable', 'drop', 3],
    ['a change', '429 rate limits', 503, 'stripe_rate_limited', 'rate_limit', 4],
    ['a read of a card the mirror lacks', '500s', 502, 'stripe_unavailable', 'server_error', 3],
    ['a read of a card the mirror lacks', 'dropped connections', 502, 'stripe_unavailable', 'drop', 3],
    ['a read of a card the mirror lacks', '429 rate limits', 503, 'stripe_rate_limited', 'rate_limit', 4],
  ] as const)('%s, %s -> %s %s', async (what, _name, status, code, kind, attempts) => {
    faults().clear();
    const change = what === 'a change';
    const fault = addFault({ ...(change ? WRITE : READ).stripe, kind });
    const before = await census();
    const res = change ? await writeRequest() : await unmirroredRead();
    faults().clear();
    counts.faults += fault.hits;
    expect(fault.hits).toBe(attempts);
    expect(res.statusCode).toBe(status);
    expect(res.json().error).toMatchObject({
      code,
      message: expect.stringMatching(/Stripe .*(moment|seconds|minute)/),
    });
    expect(res.body).not.toMatch(/injected|emulator|api_error|_secret_/i);
    if (status === 503) expect(res.headers['retry-after']).toBeDefined();
    // Nothing half-done: no Account Session, no audit row, nothing else.
    expect(delta(before, await census())).toEqual({});
  });

  test.each([
    ['a change', 503, 'stripe_unreachable'],
    ['a read of a card the mirror lacks', 504, 'stripe_timeout'],
  ] as const)('timeouts, %s: %s %s, within the bounded retry budget', async (what, status, code) => {
    const change = what === 'a change';
    const fault = addFault({ ...(change ? WRITE : READ).stripe, kind: 'delay', delay_ms: TIMEOUT_MS * 4 });
    const started = Date.now();
    const res = change ? await writeRequest() : await unmirroredRead();
    const took = Date.now() - started;
    faults().clear();
    counts.faults += fault.hits;
    expect(res.statusCode).toBe(status);
    expect(res.json().error.code).toBe(code);
    expect(fault.hits).toBe(3);
    // 3 attempts x timeout + backoff (0.5 s, 1 s, with jitter), not Stripe's 80 s default.
    expect(took).toBeLessThan(3 * TIMEOUT_MS + 3_000);
  });

  // The read side (issue 18 item 9, decision 152): every Stripe call failing, the pages still
  // answer, from the mirror, without asking Stripe at all.
  test('every /v1 call failing: the read pages answer 200 from the mirror, with no Stripe call', async () => {
    const card = world.own.virtualCard;
    // The mirror holds the accounts' cards and activity once the backfill and the reconciler's
    // first pass are done (before, an account not yet covered is read from Stripe: decision 151).
    await stack.app.cardIndex.whenBackfilled();
    // (Optional only so that this test fails by its assertions on a build without the mirror.)
    await stack.app.mirror?.reconcile();
    const fault = addFault({ path: '/v1/', kind: 'server_error' });
    try {
      const reads = [
        ['GET /api/accounts', '/api/accounts'],
        ['GET /api/cards', `/api/cards?account=${world.own.account}`],
        ['GET /api/cards/:id', `/api/cards/${card.id}?account=${world.own.account}`],
        ['GET /api/cards/:id/limits', `/api/cards/${card.id}/limits`],
        ['GET /api/cards/:id/authorizations', `/api/cards/${card.id}/authorizations`],
        ['GET /api/accounts/:account/cardholders', `/api/accounts/${world.own.account}/cardholders`],
      ] as const;
      for (const [route, url] of reads) {
        const { result: res, calls } = await stripeCallsFor(route, () => inject('GET', url, 'platform_admin'));
        expect(res.statusCode, `${url}: ${res.body}`).toBe(200);
        expect(calls, url).toBe(0);
      }
      const accounts = (await inject('GET', '/api/accounts', 'platform_admin')).json();
      expect(accounts.data.map((a: { id: string }) => a.id)).toContain(world.own.account);
      const found = (await inject('GET', `/api/cards/${card.id}`, 'platform_admin')).json();
      expect(found).toMatchObject({ id: card.id, account: world.own.account });
    } finally {
      faults().clear();
      counts.faults += fault.hits;
    }
  });

  // A request that changes something or asks for a key is refused as "Stripe cannot be reached"
  // (503 stripe_unreachable, one message; issue 18 item 9, decision 152), not 502.
  test('reveal while Stripe fails to create the key: 503 stripe_unreachable, no key, the audit row says why', async () => {
    const card = world.own.virtualCard;
    const nonce = await nonceFor(stack, card.id, world.own.account);
    const fault = addFault({ method: 'POST', path: '/v1/ephemeral_keys', kind: 'server_error' });
    const before = await census();
    const res = await inject('POST', '/api/ephemeral-keys', 'platform_admin', { card_id: card.id, nonce });
    faults().clear();
    counts.faults += fault.hits;
    expect(res.statusCode).toBe(503);
    expect(res.json().error.code).toBe('stripe_unreachable');
    expect(res.body).not.toMatch(/ek_test_/);
    expect(delta(before, await census())).toEqual({ reveal_audit: 1 });
    const [row] = await stack.app.db.query<{ outcome: string; deny_reason: string }>(
      'SELECT outcome, deny_reason FROM reveal_audit WHERE card_id = $1 ORDER BY created_at DESC LIMIT 1',
      [card.id],
    );
    expect(row).toEqual({ outcome: 'denied', deny_reason: 'stripe_unreachable' });
  });
});

describe('executed by Stripe, answer lost: the retry replays, nothing is made twice', () => {
  test('reveal: the key is created once (a re-execution would fail: the nonce is single use), one granted audit row', async () => {
    const card = world.own.virtualCard;
    const nonce = await nonceFor(stack, card.id, world.own.account);
    const before = await census();
    const fault = addFault({ method: 'POST', path: '/v1/ephemeral_keys', kind: 'drop_after', times: 1 });
    const res = await inject('POST', '/api/ephemeral-keys', 'platform_admin', { card_id: card.id, nonce });
    faults().clear();
    counts.faults += fault.hits;
    expect(fault.hits).toBe(1);
    expect(res.statusCode, res.body).toBe(200);
    const change = delta(before, await census());
    if ((change.ephemeral_keys ?? 0) > 1 || (change.reveal_audit ?? 0) > 1) counts.duplicates += 1;
    expect(change).toEqual({ ephemeral_keys: 1, reveal_audit: 1 });
  });

  test('issuing a card: one card', async () => {
    const before = await census();
    const fault = addFault({ method: 'POST', path: '/v1/issuing/cards', kind: 'drop_after', times: 1 });
    const res = await inject('POST', '/api/cards', 'platform_admin', {
      account: world.own.account,
      cardholder: world.own.cardholder,
      type: 'virtual',
      currency: 'usd',
    });
    faults().clear();
    counts.faults += fault.hits;
    expect(fault.hits).toBe(1);
    expect(res.statusCode, res.body).toBe(200);
    const change = delta(before, await census());
    if ((change['issuing.card'] ?? 0) > 1) counts.duplicates += 1;
    expect(change['issuing.card']).toBe(1);
  });
});

/** A role that may call the route, preferring the admin. */
function callerFor(route: RouteEntry): Role {
  if (route.rule === 'public' || route.rule === 'authenticated') return 'platform_admin';
  return (
    ROLES.find((r) => can(r, route.rule as Exclude<RouteEntry['rule'], 'public' | 'authenticated'>)) ?? 'platform_admin'
  );
}

/** Builds the probe's request (which may itself call the emulator: nonces, PIN key) before any fault is set. */
async function prepare(probe: Probe, who: Role) {
  try {
    return await probe.make({ stack, world, role: who });
  } catch (error) {
    if (error instanceof ProbeUnavailable) return undefined;
    throw error;
  }
}

async function send(
  route: RouteEntry,
  req: NonNullable<Awaited<ReturnType<typeof prepare>>>,
  who: Role,
): Promise<LightMyRequestResponse> {
  const cookie = await stack.loginCookie(EMAIL[who]);
  const res = await stack.app.inject({
    method: route.method,
    url: req.url,
    headers: {
      origin: stack.appUrl,
      cookie,
      ...(req.payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...req.headers,
    },
    ...(req.payload !== undefined
      ? { payload: typeof req.payload === 'string' ? req.payload : JSON.stringify(req.payload) }
      : {}),
  });
  counts.requests += 1;
  stack.trackBody(res.body);
  return res;
}

describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))(
  'every route under faults: %s',
  (_name, route: RouteEntry) => {
    const who = callerFor(route);
    const inScope = () => probesFor(route).filter((p) => p.scope !== 'outside');

    // The readiness probe asks Stripe once, without retries, on purpose: it reports Stripe's state.
    const isReadiness = route.path === '/readyz';

    test('every Stripe call failing once (500, then a dropped answer after execution): same answer, same objects as without faults', async () => {
      for (const probe of inScope()) {
        const cleanReq = await prepare(probe, who);
        if (!cleanReq) continue;
        const before = await census();
        const clean = await send(route, cleanReq, who);
        const cleanDelta = delta(before, await census());

        const faultedReq = (await prepare(probe, who))!;
        const middle = await census();
        const fault5xx = addFault({ path: '/v1/', kind: 'server_error', times: 1 });
        const dropped = addFault({ method: 'POST', path: '/v1/', kind: 'drop_after', times: 1 });
        const faulted = await send(route, faultedReq, who);
        faults().clear();
        counts.faults += fault5xx.hits + dropped.hits;
        const faultedDelta = delta(middle, await census());

        if (isReadiness && fault5xx.hits > 0) {
          expect(faulted.statusCode).toBe(503);
          expect(faulted.json().checks.stripe).toBe(false);
          continue;
        }
        expect(faulted.statusCode, faulted.body).toBe(clean.statusCode);
        for (const [key, n] of Object.entries(faultedDelta)) {
          if (n > (cleanDelta[key] ?? 0)) counts.duplicates += 1;
        }
        expect(faultedDelta, `${probe.label}`).toEqual(cleanDelta);
      }
    });

    test('Stripe down for good: a 5xx of ours only as 502/503/504 in the error shape', async () => {
      for (const probe of inScope()) {
        const req = await prepare(probe, who);
        if (!req) continue;
        const fault = addFault({ path: '/v1/', kind: 'server_error' });
        const res = await send(route, req, who);
        faults().clear();
        counts.faults += fault.hits;
        if (res.statusCode === 500) counts.fiveHundreds += 1;
        if (isReadiness) {
          expect(res.statusCode).toBe(503);
          expect(res.json()).toEqual({ ok: false, checks: { database: true, stripe: false } });
        } else if (res.statusCode >= 500) {
          expect([502, 503, 504], res.body).toContain(res.statusCode);
          expect(res.json().error.message).toMatch(/Stripe|try again/i);
        }
      }
    });
  },
);
