// Sessions, sign-in, reveal and headers: what the authorization matrix does not show by itself.
// Account Sessions as the emulator received them, the session cookie's flags, expiry, rotation and
// logout, the sign-in's single message, timing and limits, the reveal's audit-first rule under a
// database that breaks mid-request, and the CSP per mode.
import { SignJWT, decodeJwt } from 'jose';
import { describe, expect } from 'vitest';
import {
  SESSION_ABSOLUTE_SECONDS,
  SESSION_ROTATE_AFTER_SECONDS,
  SESSION_TTL_SECONDS,
} from '../../server/plugins/app/auth.ts';
import {
  LOGIN_FAILURES_BEFORE_DELAY,
  LOGIN_FAILURES_PER_IP,
  LOGIN_UNKNOWN_MAX_DELAY_SECONDS,
} from '../../server/plugins/app/login-throttle.ts';
import { createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { ROLES, policyFor } from '../../shared/policy.ts';
import { buildTestApp } from '../helpers/app.ts';
import { securityTest } from '../helpers/fixtures.ts';
import { nonceFor } from './probes.ts';
import { EMAIL, type SecurityStack } from './stack.ts';

const test = securityTest({ scanLogsAs: 'access' });

const inject = async (
  stack: SecurityStack,
  opts: {
    method: 'GET' | 'POST' | 'DELETE';
    url: string;
    cookie?: string;
    payload?: unknown;
    headers?: Record<string, string>;
  },
) => {
  const res = await stack.app.inject({
    method: opts.method,
    url: opts.url,
    headers: { origin: stack.appUrl, ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
    ...(opts.payload !== undefined ? { payload: opts.payload as object } : {}),
  });
  stack.trackBody(res.body);
  for (const c of res.cookies) stack.track(c.value);
  return res;
};

describe("Account Sessions carry exactly the policy's components, as Stripe (the emulator) received them", () => {
  test.for(ROLES)('%s', async (role, { stack, world }) => {
    const res = await inject(stack, {
      method: 'POST',
      url: '/api/account-sessions',
      cookie: await stack.loginCookie(EMAIL[role]),
      payload: { account: world.own.account },
    });
    if (policyFor(role).accountSession === null) {
      // Roles without embedded components get none (support agents: decision 030).
      expect(res.statusCode).toBe(403);
      return;
    }
    expect(res.statusCode).toBe(200);
    const received = stack.emulator.store.accountSessions.get(res.json().client_secret);
    expect(received?.account).toBe(world.own.account);
    const enabled = Object.fromEntries(Object.entries(received!.components).filter(([, c]) => c.enabled));
    expect(enabled).toEqual(policyFor(role).accountSession);
  });
});

describe('session cookie', () => {
  const sign = async (stack: SecurityStack, claims: { sid: string; auth_time: number }, iat: number, exp: number) =>
    new SignJWT(claims)
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer('connect-issuing-dashboard')
      .setIssuedAt(iat)
      .setExpirationTime(exp)
      .sign(new TextEncoder().encode(stack.sessionSecret));

  test('HttpOnly, SameSite=Strict, Path=/, expires with the session; no Secure on http://localhost', async ({
    stack,
  }) => {
    const res = await inject(stack, {
      method: 'POST',
      url: '/api/session',
      payload: { email: EMAIL.platform_admin, password: 'demo1234' },
    });
    const cookie = res.cookies.find((c) => c.name === 'cid_session')!;
    expect(cookie).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/' });
    expect(cookie.secure).toBeFalsy();
    const lifetime = (cookie.expires!.getTime() - Date.now()) / 1000;
    expect(lifetime).toBeGreaterThan(SESSION_TTL_SECONDS - 60);
    expect(lifetime).toBeLessThanOrEqual(SESSION_TTL_SECONDS);
  });

  test('Secure outside local development (https PUBLIC_URL)', async () => {
    const t = await buildTestApp({ PUBLIC_URL: 'https://dash.example.com', SESSION_SECRET: 's'.repeat(32) });
    try {
      await t.createUser('secure@example.com', 'platform_admin');
      const res = await t.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: 'secure@example.com', password: 'password123' },
      });
      const cookie = res.cookies.find((c) => c.name === 'cid_session')!;
      expect(cookie).toMatchObject({ secure: true, httpOnly: true, sameSite: 'Strict' });
    } finally {
      await t.close();
    }
  });

  test('rotation: past half its lifetime the session is replaced by a new one; the old cookie stops soon after', async ({
    stack,
  }) => {
    const cookie = await stack.loginCookie(EMAIL.account_user);
    const { sid } = decodeJwt(cookie.split('=')[1]!) as { sid: string };
    const now = Math.floor(Date.now() / 1000);
    const aged = await sign(
      stack,
      { sid, auth_time: now - SESSION_ROTATE_AFTER_SECONDS - 10 },
      now - SESSION_ROTATE_AFTER_SECONDS - 10,
      now + 3600,
    );
    const res = await inject(stack, { method: 'GET', url: '/api/me', cookie: `cid_session=${aged}` });
    expect(res.statusCode).toBe(200);
    const renewed = res.cookies.find((c) => c.name === 'cid_session');
    expect(renewed?.value).toBeTruthy();
    expect(renewed!.httpOnly).toBe(true);
    const newSid = (decodeJwt(renewed!.value) as { sid: string }).sid;
    expect(newSid).not.toBe(sid);
    expect(
      (await inject(stack, { method: 'GET', url: '/api/me', cookie: `cid_session=${renewed!.value}` })).statusCode,
    ).toBe(200);
    // The replaced session ends after a short grace (requests in flight), not at its old expiry.
    const [old] = await stack.app.db.query<{ left: number }>(
      'SELECT extract(epoch FROM expires_at - now())::float AS left FROM sessions WHERE id = $1',
      [sid],
    );
    expect(old!.left).toBeLessThanOrEqual(61);
    // A fresh cookie is not rotated.
    const fresh = await inject(stack, { method: 'GET', url: '/api/me', cookie: `cid_session=${renewed!.value}` });
    expect(fresh.cookies.find((c) => c.name === 'cid_session')).toBeUndefined();
  });

  test('no rotation past the absolute lifetime: the user signs in again when the session ends', async ({ stack }) => {
    const cookie = await stack.loginCookie(EMAIL.account_user);
    const { sid } = decodeJwt(cookie.split('=')[1]!) as { sid: string };
    const now = Math.floor(Date.now() / 1000);
    const ancient = await sign(
      stack,
      { sid, auth_time: now - SESSION_ABSOLUTE_SECONDS },
      now - SESSION_ROTATE_AFTER_SECONDS - 10,
      now + 3600,
    );
    const res = await inject(stack, { method: 'GET', url: '/api/me', cookie: `cid_session=${ancient}` });
    expect(res.cookies.find((c) => c.name === 'cid_session')).toBeUndefined();
  });

  test('an expired token, and a session whose row expired, are signed out', async ({ stack }) => {
    const cookie = await stack.loginCookie(EMAIL.account_user);
    const { sid } = decodeJwt(cookie.split('=')[1]!) as { sid: string };
    const now = Math.floor(Date.now() / 1000);
    const expired = await sign(stack, { sid, auth_time: now - 100 }, now - 100, now - 1);
    expect((await inject(stack, { method: 'GET', url: '/api/me', cookie: `cid_session=${expired}` })).statusCode).toBe(
      401,
    );
    await stack.app.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [sid]);
    expect((await inject(stack, { method: 'GET', url: '/api/me', cookie })).statusCode).toBe(401);
  });

  test('logout invalidates the session server-side, also for a copy of the cookie', async ({ stack, world }) => {
    const cookie = await stack.loginCookie(EMAIL.support_agent);
    const out = await inject(stack, { method: 'DELETE', url: '/api/session', cookie });
    expect(out.statusCode).toBe(204);
    expect((await inject(stack, { method: 'GET', url: '/api/me', cookie })).statusCode).toBe(401);
    expect(
      (
        await inject(stack, {
          method: 'POST',
          url: '/api/account-sessions',
          cookie,
          payload: { account: world.own.account },
        })
      ).statusCode,
    ).toBe(401);
  });

  test('CSRF: state-changing requests from another origin are refused, the session unharmed', async ({
    stack,
    world,
  }) => {
    const cookie = await stack.loginCookie(EMAIL.platform_admin);
    for (const headers of [
      { origin: 'https://evil.example' },
      { origin: 'null' },
      { origin: `${stack.appUrl}.evil.example` },
    ]) {
      const res = await stack.app.inject({
        method: 'POST',
        url: '/api/account-sessions',
        headers: { ...headers, cookie },
        payload: { account: world.own.account },
      });
      expect(res.statusCode).toBe(403);
      expect(res.json().error.code).toBe('csrf_rejected');
    }
    expect((await inject(stack, { method: 'GET', url: '/api/me', cookie })).statusCode).toBe(200);
  });
});

describe('sign-in', () => {
  const login = (stack: SecurityStack, email: string, password: string, ip = '127.0.0.1') =>
    stack.app.inject({
      method: 'POST',
      url: '/api/session',
      headers: { origin: stack.appUrl },
      payload: { email, password },
      remoteAddress: ip,
    });

  test('one message for an unknown email and a wrong password', async ({ stack }) => {
    const wrong = await login(stack, 'admin@example.com', 'not-the-password', '10.0.0.1');
    const unknown = await login(stack, 'nobody@example.com', 'not-the-password', '10.0.0.1');
    expect(wrong.statusCode).toBe(401);
    expect(unknown.statusCode).toBe(401);
    expect(wrong.body).toBe(unknown.body);
  });

  test('an unknown email costs the same scrypt time as a wrong password', async ({ stack }) => {
    const time = async (email: string, ip: string) => {
      const started = process.hrtime.bigint();
      await login(stack, email, 'not-the-password', ip);
      return Number(process.hrtime.bigint() - started) / 1e6;
    };
    await time('warmup@example.com', '10.0.1.1');
    const known: number[] = [];
    const unknown: number[] = [];
    for (let i = 0; i < 6; i++) {
      known.push(await time('account@example.com', `10.0.2.${i}`));
      unknown.push(await time(`ghost${i}@example.com`, `10.0.3.${i}`));
    }
    const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    // scrypt (N=2^14) dominates both; without the dummy hash the unknown email would be ~10x faster.
    expect(median(unknown)).toBeGreaterThan(median(known) * 0.5);
    await stack.app.db.query("DELETE FROM login_failures WHERE key = 'account:account@example.com'");
  });

  test('passwords are stored as scrypt hashes with their parameters, never in clear', async ({ stack }) => {
    const [row] = await stack.app.db.query<{ password_hash: string }>(
      'SELECT password_hash FROM users WHERE email = $1',
      [EMAIL.platform_admin],
    );
    expect(row!.password_hash).toMatch(/^scrypt\$16384\$8\$1\$[A-Za-z0-9+/=]+\$[A-Za-z0-9+/=]+$/);
    expect(row!.password_hash).not.toContain('demo1234');
  });

  test(`per account: after ${LOGIN_FAILURES_BEFORE_DELAY} failures from unknown browsers at any addresses, the next attempt waits a little (429), never long`, async ({
    stack,
  }) => {
    const email = 'target@example.com';
    await createUser(stack.app.db, {
      email,
      passwordHash: await hashPassword('right-password'),
      role: 'support_agent',
    });
    for (let i = 0; i < LOGIN_FAILURES_BEFORE_DELAY; i++)
      expect((await login(stack, email, `guess-${i}`, `10.1.0.${i}`)).statusCode).toBe(401);
    const blocked = await login(stack, email, 'right-password', '10.1.1.1');
    expect(blocked.statusCode).toBe(429);
    expect(blocked.json().error.code).toBe('rate_limited');
    expect(Number(blocked.headers['retry-after'])).toBeGreaterThan(0);
    expect(Number(blocked.headers['retry-after'])).toBeLessThanOrEqual(LOGIN_UNKNOWN_MAX_DELAY_SECONDS);
    // Unknown emails are throttled alike, so a 429 does not reveal which emails exist.
    for (let i = 0; i < LOGIN_FAILURES_BEFORE_DELAY; i++)
      await login(stack, 'ghost-target@example.com', `guess-${i}`, `10.2.0.${i}`);
    expect((await login(stack, 'ghost-target@example.com', 'x', '10.2.1.1')).statusCode).toBe(429);
  });

  test(`per IP: after ${LOGIN_FAILURES_PER_IP} failures from one address, it waits; other addresses do not`, async ({
    stack,
  }) => {
    const ip = '10.9.9.9';
    for (let i = 0; i < LOGIN_FAILURES_PER_IP; i++) await login(stack, `spray${i}@example.com`, 'guess', ip);
    const blocked = await login(stack, EMAIL.platform_admin, 'demo1234', ip);
    expect(blocked.statusCode).toBe(429);
    expect((await login(stack, EMAIL.platform_admin, 'demo1234', '10.9.9.10')).statusCode).toBe(200);
  });

  test("a successful sign-in clears the account's failures", async ({ stack }) => {
    const email = 'forgetful@example.com';
    await createUser(stack.app.db, {
      email,
      passwordHash: await hashPassword('right-password'),
      role: 'support_agent',
    });
    for (let i = 0; i < LOGIN_FAILURES_BEFORE_DELAY - 1; i++) await login(stack, email, 'wrong', `10.3.0.${i}`);
    expect((await login(stack, email, 'right-password', '10.3.1.1')).statusCode).toBe(200);
    expect((await login(stack, email, 'wrong', '10.3.1.2')).statusCode).toBe(401);
  });
});

describe('reveal', () => {
  const reveal = async (stack: SecurityStack, role: keyof typeof EMAIL, body: Record<string, unknown>) =>
    inject(stack, {
      method: 'POST',
      url: '/api/ephemeral-keys',
      cookie: await stack.loginCookie(EMAIL[role]),
      payload: body,
    });

  test('the support agent must give a reason; the refusal is audited', async ({ stack, world }) => {
    const card = world.own.physicalCard;
    const res = await reveal(stack, 'support_agent', {
      card_id: card.id,
      nonce: await nonceFor(stack, card.id, world.own.account),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'reason_required', field: 'reason' });
    const [row] = await stack.app.db.query(
      'SELECT outcome, deny_reason FROM reveal_audit WHERE card_id = $1 ORDER BY created_at DESC LIMIT 1',
      [card.id],
    );
    expect(row).toEqual({ outcome: 'denied', deny_reason: 'reason_required' });
  });

  test(`per-user rate limit from the policy (${policyFor('account_user').permissions.reveal.ratePerMinute}/min for account users)`, async ({
    stack,
    world,
  }) => {
    const limit = policyFor('account_user').permissions.reveal.ratePerMinute;
    const user = await createUser(stack.app.db, {
      email: 'reveals@example.com',
      passwordHash: await hashPassword('x'),
      role: 'account_user',
    });
    await stack.app.db.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [
      user.id,
      world.own.account,
    ]);
    const card = world.own.virtualCard;
    const statuses: number[] = [];
    for (let i = 0; i <= limit; i++) {
      const cookie = await stack.loginCookie('reveals@example.com');
      const r = await inject(stack, {
        method: 'POST',
        url: '/api/ephemeral-keys',
        cookie,
        payload: { card_id: card.id, nonce: await nonceFor(stack, card.id, world.own.account) },
      });
      statuses.push(r.statusCode);
    }
    expect(statuses.slice(0, limit).every((s) => s === 200)).toBe(true);
    expect(statuses[limit]).toBe(429);
  });

  type Db = SecurityStack['app']['db'];
  test.for([
    [
      'the audit table is gone',
      (db: Db) => db.query('ALTER TABLE reveal_audit RENAME TO reveal_audit_away'),
      (db: Db) => db.query('ALTER TABLE reveal_audit_away RENAME TO reveal_audit'),
    ],
    [
      'the audit insert is rejected',
      (db: Db) => db.query('ALTER TABLE reveal_audit ADD CONSTRAINT security_test_no_writes CHECK (false) NOT VALID'),
      (db: Db) => db.query('ALTER TABLE reveal_audit DROP CONSTRAINT security_test_no_writes'),
    ],
  ] as const)(
    'the database breaks mid-request (%s): 503, no key, Stripe never asked for one',
    async ([_name, breakDb, repair], { stack, world }) => {
      const card = world.own.virtualCard;
      const nonce = await nonceFor(stack, card.id, world.own.account);
      const keysBefore = stack.emulator.store.ephemeralKeys.size;
      const keyCalls: string[] = [];
      const hook = async (ctx: { method: string; path: string }) => {
        if (ctx.path.startsWith('/v1/ephemeral_keys')) keyCalls.push(ctx.path);
      };
      stack.emulator.emulator.requestHooks.push(hook);
      // Break the database while the request is under way: once the app has read the card (from
      // the mirror, issue 18; it used to be a Stripe retrieve), after the session and scope checks,
      // just before it writes the audit row.
      const db = stack.app.db;
      const query = db.query.bind(db);
      let broken = false;
      db.query = (async (sql: string, params?: unknown[]) => {
        const rows = await query(sql, params);
        if (!broken && params?.[0] === card.id && /\bFROM card_index\b/.test(sql)) {
          broken = true;
          await breakDb({ query } as Db);
        }
        return rows;
      }) as typeof db.query;
      try {
        const res = await reveal(stack, 'platform_admin', { card_id: card.id, nonce });
        expect(broken).toBe(true);
        expect(res.statusCode).toBe(503);
        expect(res.json().error.code).toBe('audit_unavailable');
        expect(res.body).not.toMatch(/ek_test_|secret/i);
        expect(keyCalls).toEqual([]);
        expect(stack.emulator.store.ephemeralKeys.size).toBe(keysBefore);
      } finally {
        db.query = query;
        stack.emulator.emulator.requestHooks.splice(stack.emulator.emulator.requestHooks.indexOf(hook), 1);
        await repair(stack.app.db);
      }
    },
  );
});

describe('Content-Security-Policy per mode', () => {
  const directives = (header: string): Record<string, string[]> =>
    Object.fromEntries(
      header
        .split(';')
        .map((d) => d.trim().split(/\s+/))
        .map(([name, ...values]) => [name, values]),
    );

  test("emulator mode: exactly the emulator's origin for scripts and frames, nothing inline for scripts", async ({
    stack,
  }) => {
    const res = await inject(stack, { method: 'GET', url: '/api/config' });
    const csp = directives(res.headers['content-security-policy'] as string);
    expect(csp['script-src']).toEqual(["'self'", stack.emulatorUrl]);
    expect(csp['frame-src']).toEqual([stack.emulatorUrl]);
    expect(csp['default-src']).toEqual(["'self'"]);
    expect(csp['object-src']).toEqual(["'none'"]);
    expect(csp['frame-ancestors']).toEqual(["'none'"]);
    expect(csp['script-src-attr']).toBeUndefined();
    for (const values of Object.values(csp))
      expect(values.join(' ')).not.toMatch(/unsafe-eval|\*(?!\.)|https?:\/\/\*|^https?:$/);
    expect(csp['script-src']!.join(' ')).not.toMatch(/unsafe-inline|nonce-|sha256-/);
  });

  test("stripe mode: exactly Stripe's documented script and frame origins", async () => {
    const t = await buildTestApp({
      STRIPE_SECRET_KEY: 'sk_test_csp',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_csp',
      SESSION_SECRET: 'k'.repeat(32),
      PUBLIC_URL: 'https://dash.example.com',
    });
    try {
      const csp = directives(
        (await t.app.inject({ method: 'GET', url: '/healthz' })).headers['content-security-policy'] as string,
      );
      expect(csp['script-src']).toEqual([
        "'self'",
        'https://connect-js.stripe.com',
        'https://js.stripe.com',
        'https://*.js.stripe.com',
      ]);
      expect(csp['frame-src']).toEqual([
        'https://connect-js.stripe.com',
        'https://js.stripe.com',
        'https://*.js.stripe.com',
        'https://hooks.stripe.com',
      ]);
      expect(csp['connect-src']).toEqual(["'self'", 'https://api.stripe.com', 'https://issuing-key.stripe.com']);
      expect(csp['script-src']!.join(' ')).not.toMatch(/unsafe-inline|unsafe-eval|localhost/);
      expect(csp['upgrade-insecure-requests']).toEqual([]);
    } finally {
      await t.close();
    }
  });
});
