// Signing in and out, the session cookie, CSRF and the error shape, through app.inject.
// Nothing here reaches Stripe, so the emulator is not needed.
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { LOGIN_FAILURES_PRUNED_PER_FAILURE, LOGIN_WINDOW_SECONDS } from '../../server/plugins/app/login-throttle.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;

beforeAll(async () => {
  t = await buildTestApp();
  await t.createUser('admin@test.example', 'platform_admin');
  await t.createUser('member@test.example', 'account_user', ['acct_one']);
  await t.createUser('support@test.example', 'support_agent');
  await t.createUser('victim@test.example', 'support_agent');
});
afterAll(() => t.close());

describe('POST /api/session', () => {
  test('signs in and sets an HttpOnly, SameSite=Strict session cookie', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'Admin@Test.Example', password: 'password123' },
    });
    expect(res.statusCode).toBe(200);
    // The admin has a second factor: the password alone opens only the second step.
    expect(res.json()).toEqual({ secondFactorRequired: true, methods: ['totp'] });
    const cookie = res.cookies.find((c) => c.name === 'cid_session')!;
    expect(cookie.httpOnly).toBe(true);
    expect(cookie.sameSite).toBe('Strict');
    expect(cookie.path).toBe('/');
    // PUBLIC_URL is http://localhost here, so no Secure flag (browsers would drop the cookie).
    expect(cookie.secure).toBeFalsy();
    expect(res.body).not.toContain('password');
  });

  test('unknown email and wrong password get the same answer', async () => {
    const wrong = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'admin@test.example', password: 'nope-nope' },
    });
    const unknown = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'ghost@test.example', password: 'nope-nope' },
    });
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.json()).toEqual(unknown.json());
    expect(wrong.json().error.code).toBe('invalid_credentials');
    expect(wrong.cookies).toHaveLength(0);
  });

  test.each([
    [{ email: 'admin@test.example' }, 'password'],
    [{ password: 'x' }, 'email'],
    [{ email: 'not-an-email', password: 'x' }, 'email'],
    [{ email: 'admin@test.example', password: 'x', role: 'platform_admin' }, 'role'],
  ])('bad body %j is a 400 naming %s', async (payload, field) => {
    const res = await t.inject({ method: 'POST', url: '/api/session', payload });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'invalid_request', field });
  });

  test('malformed JSON is a 400 in our error shape, not a 500', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/session',
      headers: { 'content-type': 'application/json' },
      payload: '{"email":',
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.code).toBe('invalid_request');
  });

  test('is rate limited per address and email', async () => {
    const attempt = () =>
      t.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: 'victim@test.example', password: 'guess-guess' },
      });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attempt()).statusCode);
    expect(statuses.slice(0, 10).every((s) => s === 401)).toBe(true);
    const limited = await attempt();
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    // Another user from the same address is not locked out.
    const other = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'member@test.example', password: 'password123' },
    });
    expect(other.statusCode).toBe(200);
  });
});

test('failed sign-ins delete rows past the throttle window, a bounded number each time', async () => {
  const count = async (where: string) =>
    Number(
      (await t.app.db.query<{ n: string | number }>(`SELECT count(*) AS n FROM login_failures WHERE ${where}`))[0]!.n,
    );
  const old = `now() - make_interval(secs => ${LOGIN_WINDOW_SECONDS + 60})`;
  // A quiet spell's worth of expired failures, more than one failure prunes.
  const expired = LOGIN_FAILURES_PRUNED_PER_FAILURE + 20;
  await t.app.db.query(
    `INSERT INTO login_failures (key, failed_at) SELECT 'ip:203.0.113.' || g, ${old} FROM generate_series(1, ${expired}) g`,
  );
  const fail = () =>
    t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'prune@test.example', password: 'wrong-wrong' },
    });

  expect((await fail()).statusCode).toBe(401);
  expect(await count(`key LIKE 'ip:203.0.113.%'`)).toBe(expired - LOGIN_FAILURES_PRUNED_PER_FAILURE);
  expect((await fail()).statusCode).toBe(401);
  expect(await count(`key LIKE 'ip:203.0.113.%'`)).toBe(0);
  // Failures inside the window still count.
  expect(await count(`key = 'account:prune@test.example'`)).toBe(2);
});

describe('GET /api/me and DELETE /api/session', () => {
  test('me answers who is signed in, their accounts and permissions from the policy', async () => {
    const cookie = await t.login('member@test.example');
    const res = await t.inject({ method: 'GET', url: '/api/me', cookie });
    expect(res.statusCode).toBe(200);
    const me = res.json();
    expect(me.user).toMatchObject({ email: 'member@test.example', role: 'account_user' });
    expect(me.accounts).toEqual(['acct_one']);
    expect(me.accountScope).toBe('memberships');
    expect(me.permissions.reveal).toMatchObject({ allowed: true, cardTypes: ['virtual'], reasonRequired: false });
    expect(me.permissions.readAudit).toBe(false);
  });

  test('admin and support agent reach all accounts', async () => {
    for (const email of ['admin@test.example', 'support@test.example']) {
      const me = (await t.inject({ method: 'GET', url: '/api/me', cookie: await t.login(email) })).json();
      expect(me.accounts).toBe('all');
    }
  });

  test('without a cookie, or with a forged one, me is 401', async () => {
    expect((await t.inject({ method: 'GET', url: '/api/me' })).statusCode).toBe(401);
    const forged = 'cid_session=eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.c2lnbmF0dXJl';
    const res = await t.inject({ method: 'GET', url: '/api/me', cookie: forged });
    expect(res.statusCode).toBe(401);
    expect(res.json().error.code).toBe('unauthenticated');
  });

  test('logout invalidates the session server-side: the old cookie no longer works', async () => {
    const cookie = await t.login('admin@test.example');
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie })).statusCode).toBe(200);
    const out = await t.inject({ method: 'DELETE', url: '/api/session', cookie });
    expect(out.statusCode).toBe(204);
    expect(out.cookies.find((c) => c.name === 'cid_session')?.value).toBe('');
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie })).statusCode).toBe(401);
  });

  test('signing in again rotates the session and ends the previous one', async () => {
    const first = await t.login('admin@test.example');
    const res = await t.inject({
      method: 'POST',
      url: '/api/session',
      cookie: first,
      payload: { email: 'admin@test.example', password: 'password123' },
    });
    const second = `cid_session=${res.cookies.find((c) => c.name === 'cid_session' && c.value)!.value}`;
    expect(second).not.toBe(first);
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie: first })).statusCode).toBe(401);
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie: second })).statusCode).toBe(200);
  });
});

describe('GET /api/session: signed in or not, 200 for anyone', () => {
  // Users of their own: sign-ins are rate limited per email.
  beforeAll(async () => {
    await t.createUser('status@test.example', 'account_user');
    await t.createUser('status-admin@test.example', 'platform_admin');
  });

  test('a signed-out visitor (no cookie, a forged one, a signed-out one) gets signedIn false, not a 401', async () => {
    const forged = 'cid_session=eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.c2lnbmF0dXJl';
    const cookie = await t.login('status@test.example');
    await t.inject({ method: 'DELETE', url: '/api/session', cookie });
    for (const c of [undefined, forged, cookie]) {
      const res = await t.inject({ method: 'GET', url: '/api/session', ...(c ? { cookie: c } : {}) });
      expect(res.statusCode).toBe(200);
      expect(res.json()).toEqual({ signedIn: false });
      expect(res.headers['cache-control']).toBe('no-store');
    }
  });

  test('a signed-in user gets signedIn true and nothing about who they are; HEAD answers the same status, no body', async () => {
    const cookie = await t.login('status@test.example');
    const res = await t.inject({ method: 'GET', url: '/api/session', cookie });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toEqual({ signedIn: true, secondFactorRequired: false });
    const head = await t.inject({ method: 'HEAD', url: '/api/session', cookie });
    expect(head.statusCode).toBe(200);
    expect(head.body).toBe('');
    expect((await t.inject({ method: 'HEAD', url: '/api/session' })).statusCode).toBe(200);
  });

  test('after the password of a user with a second factor: signed in, the second factor still due', async () => {
    const res = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'status-admin@test.example', password: 'password123' },
    });
    const cookie = `cid_session=${res.cookies.find((c) => c.name === 'cid_session')!.value}`;
    expect((await t.inject({ method: 'GET', url: '/api/session', cookie })).json()).toEqual({
      signedIn: true,
      secondFactorRequired: true,
    });
  });
});

describe('CSRF: state-changing requests must come from our page', () => {
  test.each([
    ['a foreign Origin', { origin: 'https://evil.example' }, 403],
    ['no Origin and no Sec-Fetch-Site', {}, 403],
    ['no Origin, Sec-Fetch-Site: cross-site', { 'sec-fetch-site': 'cross-site' }, 403],
    ['no Origin, Sec-Fetch-Site: same-origin', { 'sec-fetch-site': 'same-origin' }, 200],
  ])('%s -> %s', async (_name, headers, status) => {
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/session',
      headers,
      payload: { email: 'admin@test.example', password: 'password123' },
    });
    expect(res.statusCode).toBe(status);
    if (status === 403) expect(res.json().error.code).toBe('csrf_rejected');
  });

  test('a logout from another origin leaves the session alive', async () => {
    const cookie = await t.login('admin@test.example');
    const res = await t.app.inject({
      method: 'DELETE',
      url: '/api/session',
      headers: { cookie, origin: 'https://evil.example' },
    });
    expect(res.statusCode).toBe(403);
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie })).statusCode).toBe(200);
  });
});

describe('guard, errors and headers', () => {
  test('routes guarded by a permission refuse roles without it', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/audit', cookie: await t.login('member@test.example') });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('forbidden');
  });

  test('an unauthenticated caller gets 401 before any validation', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/ephemeral-keys', payload: { nonsense: true } });
    expect(res.statusCode).toBe(401);
  });

  test('unknown API routes are JSON 404s', async () => {
    for (const method of ['GET', 'POST'] as const) {
      const res = await t.inject({ method, url: '/api/nope' });
      expect(res.statusCode).toBe(404);
      expect(res.json().error.code).toBe('not_found');
    }
  });

  test('validation errors in the query name the field', async () => {
    const res = await t.inject({
      method: 'GET',
      url: '/api/audit?from=yesterday',
      cookie: await t.login('admin@test.example'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('from');
  });

  test('security headers: CSP allowing the emulator origin, no COOP, nosniff', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/config' });
    const csp = res.headers['content-security-policy'] as string;
    expect(csp).toContain("default-src 'self'");
    expect(csp).toContain("script-src 'self' http://localhost:12111");
    expect(csp).toContain('frame-src http://localhost:12111');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(csp).not.toContain('unsafe-eval');
    expect(res.headers['cross-origin-opener-policy']).toBeUndefined();
    expect(res.headers['x-content-type-options']).toBe('nosniff');
  });

  test('GET /api/config tells the browser the mode, keys it may have, and the emulator URL', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/config' });
    expect(res.json()).toEqual({
      mode: 'emulator',
      publishableKey: expect.stringMatching(/^pk_test_/),
      apiVersion: expect.stringMatching(/^\d{4}-\d{2}-\d{2}/),
      emulatorUrl: 'http://localhost:12111',
      issuingKeyUrl: 'http://localhost:12111/issuing-key/v1/keys',
      signIn: { password: true, sso: false },
    });
  });

  test('logs never contain passwords or session tokens', async () => {
    await t.login('admin@test.example');
    const logs = t.logs();
    expect(logs.length).toBeGreaterThan(0);
    expect(logs).not.toContain('password123');
    expect(logs).not.toMatch(/cid_session=ey/);
  });
});

describe('stripe-mode CSP', () => {
  test("allows exactly Stripe's documented origins", async () => {
    const s = await buildTestApp({
      STRIPE_SECRET_KEY: 'sk_test_x',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_x',
      SESSION_SECRET: 'k'.repeat(32),
      PUBLIC_URL: 'https://dash.example.com',
    });
    try {
      const res = await s.app.inject({ method: 'GET', url: '/healthz' });
      const csp = res.headers['content-security-policy'] as string;
      expect(csp).toContain(
        "script-src 'self' https://connect-js.stripe.com https://js.stripe.com https://*.js.stripe.com",
      );
      expect(csp).toContain(
        'frame-src https://connect-js.stripe.com https://js.stripe.com https://*.js.stripe.com https://hooks.stripe.com',
      );
      expect(csp).toContain("connect-src 'self' https://api.stripe.com https://issuing-key.stripe.com");
      expect(csp).toContain("img-src 'self' data: https://*.stripe.com");
      expect(csp).toContain('upgrade-insecure-requests');
      expect(csp).not.toContain('localhost');
      expect(res.headers['strict-transport-security']).toBeDefined();
    } finally {
      await s.close();
    }
  });
});
