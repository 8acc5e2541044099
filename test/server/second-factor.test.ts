// The second factor through the API, on a fixed clock: sign-in in two steps, the TOTP window,
// a code accepted once, throttled guessing, recovery codes, enrolment required by the role,
// step-up freshness (and STEP_UP_MAX_AGE_SECONDS), and what a half-signed-in session can reach.
// Nothing here reaches Stripe.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import { totpCode } from '../../server/domain/totp.ts';
import { SECOND_FACTOR } from '../../shared/policy.ts';
import { TEST_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.ts';

const PERIOD_MS = SECOND_FACTOR.totp.periodSeconds * 1000;
// The middle of a time step, so that "the previous step" and "the next one" are unambiguous.
let clock = 1_900_000_000_000 - (1_900_000_000_000 % PERIOD_MS) + PERIOD_MS / 2;
let t: TestApp;
let adminSecret: string;
let n = 0;

beforeAll(async () => {
  t = await buildTestApp({ STEP_UP_MAX_AGE_SECONDS: '120' }, { now: () => clock });
});
afterAll(() => t.close());

/** A new admin with a TOTP factor (each test its own, so that steps and failures do not carry over). */
async function newAdmin(): Promise<{ email: string; secret: string }> {
  const email = `admin${++n}@2fa.example`;
  const user = await t.createUser(email, 'platform_admin');
  adminSecret = user.totpSecret!;
  return { email, secret: user.totpSecret! };
}

async function passwordStep(email: string): Promise<{ cookie: string; body: Record<string, unknown> }> {
  const res = await t.inject({ method: 'POST', url: '/api/session', payload: { email, password: TEST_PASSWORD } });
  expect(res.statusCode).toBe(200);
  return { cookie: `cid_session=${res.cookies.find((c) => c.name === 'cid_session')!.value}`, body: res.json() };
}

const stepUp = (cookie: string, payload: Record<string, unknown>) =>
  t.inject({ method: 'POST', url: '/api/step-up', cookie, payload });
const cookieOf = (res: { cookies: { name: string; value: string }[] }) =>
  `cid_session=${res.cookies.find((c) => c.name === 'cid_session' && c.value)!.value}`;

beforeEach(() => {
  clock += 10 * PERIOD_MS; // every test starts on fresh steps
});

describe('sign-in with a second factor', () => {
  test('the password alone gives a session that can only finish the check, read /api/me or sign out', async () => {
    const { email, secret } = await newAdmin();
    const { cookie, body } = await passwordStep(email);
    expect(body).toEqual({ secondFactorRequired: true, methods: ['totp'] });

    for (const url of ['/api/accounts', '/api/audit', '/api/security', '/api/cards?q=4242']) {
      const res = await t.inject({ method: 'GET', url, cookie });
      expect(res.statusCode, url).toBe(401);
      expect(res.json().error.code, url).toBe('second_factor_required');
    }
    const me = (await t.inject({ method: 'GET', url: '/api/me', cookie })).json();
    expect(me.secondFactor).toMatchObject({ pending: 'sign-in', enrolled: ['totp'], freshUntil: null });

    const done = await stepUp(cookie, { method: 'totp', code: totpCode(secret, clock) });
    expect(done.statusCode).toBe(200);
    expect(done.json()).toMatchObject({
      user: { email },
      method: 'totp',
      freshUntil: new Date(Math.floor(clock / 1000) * 1000 + 120_000).toISOString(),
    });
    const signedIn = cookieOf(done);
    expect(signedIn).not.toBe(cookie);
    // The pending session ended; the new one reaches the admin's routes.
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie })).statusCode).toBe(401);
    const audit = await t.inject({ method: 'GET', url: '/api/audit', cookie: signedIn });
    expect(audit.statusCode).toBe(200);
    const after = (await t.inject({ method: 'GET', url: '/api/me', cookie: signedIn })).json();
    expect(after.secondFactor).toMatchObject({
      pending: null,
      enrolled: ['totp'],
      required: true,
      stepUpMaxAgeSeconds: 120,
    });
    expect(after.secondFactor.freshUntil).toBe(done.json().freshUntil);
  });

  test('the code of the previous and of the next time step are accepted, none further away', async () => {
    const { email, secret } = await newAdmin();
    for (const [offset, status] of [
      [-2, 400],
      [2, 400],
      [-1, 200],
    ] as const) {
      const { cookie } = await passwordStep(email);
      const res = await stepUp(cookie, { method: 'totp', code: totpCode(secret, clock + offset * PERIOD_MS) });
      expect(res.statusCode, `step ${offset}`).toBe(status);
      if (status === 400) expect(res.json().error).toMatchObject({ code: 'invalid_code', field: 'code' });
    }
    const { cookie } = await passwordStep(email);
    expect((await stepUp(cookie, { method: 'totp', code: totpCode(secret, clock + PERIOD_MS) })).statusCode).toBe(200);
  });

  test('a code is accepted once; after it, neither it nor an older one is', async () => {
    const { email, secret } = await newAdmin();
    const code = totpCode(secret, clock);
    const first = await passwordStep(email);
    expect((await stepUp(first.cookie, { method: 'totp', code })).statusCode).toBe(200);

    const second = await passwordStep(email);
    const reused = await stepUp(second.cookie, { method: 'totp', code });
    expect(reused.statusCode).toBe(400);
    expect(reused.json().error).toMatchObject({ code: 'code_reused', field: 'code' });
    const older = await stepUp(second.cookie, { method: 'totp', code: totpCode(secret, clock - PERIOD_MS) });
    expect(older.json().error.code).toBe('code_reused');
    // The next step's code still works.
    expect(
      (await stepUp(second.cookie, { method: 'totp', code: totpCode(secret, clock + PERIOD_MS) })).statusCode,
    ).toBe(200);
  });

  test('guessing is throttled: after 5 wrong codes even the right one waits (429, Retry-After)', async () => {
    const { email, secret } = await newAdmin();
    const { cookie } = await passwordStep(email);
    const right = totpCode(secret, clock);
    const wrong = String((Number(right) + 1) % 1_000_000).padStart(6, '0');
    for (let i = 0; i < SECOND_FACTOR.maxFailures; i++) {
      expect((await stepUp(cookie, { method: 'totp', code: wrong })).statusCode).toBe(400);
    }
    const limited = await stepUp(cookie, { method: 'totp', code: right });
    expect(limited.statusCode).toBe(429);
    expect(limited.json().error.code).toBe('rate_limited');
    expect(limited.headers['retry-after']).toBe(String(SECOND_FACTOR.failureWindowSeconds));
    // Recovery codes are throttled by the same count.
    expect((await stepUp(cookie, { method: 'recovery_code', code: 'aaaaa-bbbbb' })).statusCode).toBe(429);
  });

  test('bad step-up bodies are 400s naming the field; a passkey when the user has none is refused', async () => {
    const { email } = await newAdmin();
    const { cookie } = await passwordStep(email);
    const missing = await stepUp(cookie, { method: 'totp' });
    expect(missing.statusCode).toBe(400);
    const unknown = await stepUp(cookie, { method: 'sms', code: '123456' });
    expect(unknown.statusCode).toBe(400);
    const options = await t.inject({ method: 'POST', url: '/api/step-up/options', cookie });
    expect(options.statusCode).toBe(400);
    expect(options.json().error.code).toBe('method_not_enrolled');
    expect(
      (await t.inject({ method: 'POST', url: '/api/step-up', payload: { method: 'totp', code: '123456' } })).statusCode,
    ).toBe(401);
  });
});

describe('enrolment', () => {
  test('an admin without a second factor is led to enrol: nothing else until a TOTP code confirms it; recovery codes once', async () => {
    const email = 'new-admin@2fa.example';
    await t.createUser(email, 'platform_admin', [], { secondFactor: false });
    const { cookie, body } = await passwordStep(email);
    expect(body).toMatchObject({ user: { email }, secondFactorEnrollmentRequired: true });
    const audit = await t.inject({ method: 'GET', url: '/api/audit', cookie });
    expect(audit.statusCode).toBe(403);
    expect(audit.json().error.code).toBe('second_factor_enrollment_required');
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie })).json().secondFactor).toMatchObject({
      pending: 'enrolment',
      enrolled: [],
      required: true,
    });

    const begin = await t.inject({ method: 'POST', url: '/api/security/totp', cookie });
    expect(begin.statusCode).toBe(200);
    const { secret, uri } = begin.json();
    expect(secret).toMatch(/^[A-Z2-7]{32}$/);
    expect(uri).toMatch(/^otpauth:\/\/totp\/.*secret=/);
    expect(uri).toContain('algorithm=SHA1');

    const wrong = await t.inject({
      method: 'POST',
      url: '/api/security/totp/confirm',
      cookie,
      payload: { code: '000000' === totpCode(secret, clock) ? '000001' : '000000' },
    });
    expect(wrong.statusCode).toBe(400);
    expect(wrong.json().error.field).toBe('code');

    const confirm = await t.inject({
      method: 'POST',
      url: '/api/security/totp/confirm',
      cookie,
      payload: { code: totpCode(secret, clock) },
    });
    expect(confirm.statusCode).toBe(200);
    const { recoveryCodes, factor } = confirm.json();
    expect(factor).toMatchObject({ kind: 'totp' });
    expect(recoveryCodes).toHaveLength(SECOND_FACTOR.recoveryCodes);
    expect(new Set(recoveryCodes).size).toBe(SECOND_FACTOR.recoveryCodes);
    // Stored hashed: no plain code in the database.
    const stored = await t.app.db.query<{ code_hash: string }>('SELECT code_hash FROM recovery_codes');
    for (const code of recoveryCodes) expect(stored.map((r) => r.code_hash)).not.toContain(code);

    const enrolled = cookieOf(confirm);
    expect((await t.inject({ method: 'GET', url: '/api/audit', cookie: enrolled })).statusCode).toBe(200);
    const security = (await t.inject({ method: 'GET', url: '/api/security', cookie: enrolled })).json();
    expect(security).toMatchObject({ recoveryCodesLeft: SECOND_FACTOR.recoveryCodes, required: true });
    expect(security.factors).toHaveLength(1);

    // The only factor of a role that requires one cannot be removed.
    const remove = await t.inject({ method: 'DELETE', url: `/api/security/factors/${factor.id}`, cookie: enrolled });
    expect(remove.statusCode).toBe(409);
    expect(remove.json().error.code).toBe('last_factor');

    // A recovery code signs in once.
    const next = await passwordStep(email);
    expect(next.body).toEqual({ secondFactorRequired: true, methods: ['totp', 'recovery_code'] });
    const used = await stepUp(next.cookie, { method: 'recovery_code', code: recoveryCodes[0].toUpperCase() });
    expect(used.statusCode).toBe(200);
    expect(used.json().method).toBe('recovery_code');
    const again = await passwordStep(email);
    expect((await stepUp(again.cookie, { method: 'recovery_code', code: recoveryCodes[0] })).statusCode).toBe(400);
  });

  test('an account user may go without; with REQUIRE_SECOND_FACTOR=true every role must enrol', async () => {
    await t.createUser('member@2fa.example', 'account_user', ['acct_one']);
    const { body } = await passwordStep('member@2fa.example');
    expect(body).toEqual({ user: expect.objectContaining({ role: 'account_user' }) });

    const strict = await buildTestApp({ REQUIRE_SECOND_FACTOR: 'true' });
    try {
      await strict.createUser('member@2fa.example', 'account_user', ['acct_one']);
      const res = await strict.inject({
        method: 'POST',
        url: '/api/session',
        payload: { email: 'member@2fa.example', password: TEST_PASSWORD },
      });
      expect(res.json()).toMatchObject({ secondFactorEnrollmentRequired: true });
    } finally {
      await strict.close();
    }
  });
});

describe('step-up freshness', () => {
  test('a check counts for STEP_UP_MAX_AGE_SECONDS; then adding a factor needs a new one, which POST /api/step-up gives', async () => {
    const { email, secret } = await newAdmin();
    const { cookie } = await passwordStep(email);
    const signedIn = cookieOf(await stepUp(cookie, { method: 'totp', code: totpCode(secret, clock) }));
    expect(
      (await t.inject({ method: 'POST', url: '/api/security/passkeys/options', cookie: signedIn })).statusCode,
    ).toBe(200);

    clock += 121_000;
    const me = (await t.inject({ method: 'GET', url: '/api/me', cookie: signedIn })).json();
    expect(me.secondFactor.freshUntil).toBeNull();
    const stale = await t.inject({ method: 'POST', url: '/api/security/passkeys/options', cookie: signedIn });
    expect(stale.statusCode).toBe(403);
    expect(stale.json().error.code).toBe('step_up_required');

    const refreshed = await stepUp(signedIn, { method: 'totp', code: totpCode(secret, clock) });
    expect(refreshed.statusCode).toBe(200);
    const fresh = cookieOf(refreshed);
    expect((await t.inject({ method: 'POST', url: '/api/security/passkeys/options', cookie: fresh })).statusCode).toBe(
      200,
    );
  });

  test('setting a PIN needs a fresh check: an account user without a second factor is refused before anything else', async () => {
    await t.createUser('pin-member@2fa.example', 'account_user', ['acct_one']);
    const { cookie } = await passwordStep('pin-member@2fa.example');
    const res = await t.inject({
      method: 'POST',
      url: '/api/cards/ic_123/pin',
      cookie,
      payload: { encrypted_number: 'a.b.c.d.e' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('step_up_required');
  });

  test('logs name the method, never the code or the secret', async () => {
    const logs = t.logs();
    expect(logs).toContain('second-factor check passed');
    expect(logs).not.toContain(adminSecret);
    expect(logs).not.toMatch(/"code":"\d{6}"/);
  });
});
