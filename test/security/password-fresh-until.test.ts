// GET /api/me's `secondFactor.passwordFreshUntil` (issue 17, item 3's client side): when the
// password's proof (the sign-in, or POST /api/security/reauthenticate) stops counting for the
// owner's check before a first factor or a single sign-on link. The page asks for the password
// before sending when it is past, so it must agree with the server's 403
// `reauthentication_required` at every step: null exactly when the server refuses.
import { SignJWT, decodeJwt } from 'jose';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createSession } from '../../server/db/sessions.ts';
import { createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import { startSecurityStack, type SecurityStack } from './stack.ts';

/** The step-up age, set here (not the default) so the expectations below do not depend on it. */
const MAX_AGE_SECONDS = 120;

let stack: SecurityStack;

beforeAll(async () => {
  stack = await startSecurityStack({ env: { STEP_UP_MAX_AGE_SECONDS: String(MAX_AGE_SECONDS) } });
});

afterAll(async () => {
  const leaked = stack?.leakedSecrets() ?? [];
  await stack?.close();
  expect(leaked).toEqual([]);
});

const inject = async (method: 'GET' | 'POST', url: string, cookie: string, payload?: unknown) => {
  const res = await stack.app.inject({
    method,
    url,
    headers: { origin: stack.appUrl, cookie, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
  stack.trackBody(res.body);
  return res;
};
const passwordFreshUntil = async (cookie: string): Promise<string | null> =>
  (await inject('GET', '/api/me', cookie)).json().secondFactor.passwordFreshUntil;
/** What the server says to a first enrolment now: 200, or the refusal's code. */
const enrolment = async (cookie: string) => {
  const res = await inject('POST', '/api/security/totp', cookie);
  return res.statusCode === 200 ? 200 : res.json().error.code;
};

/** A user with no second factor, and a live session whose sign-in (auth_time) was at `authTime` (s). */
async function userSignedInAt(authTime: number) {
  const password = `pw-fresh-${Math.random().toString(36).slice(2)}-long`;
  stack.track(password);
  const user = await createUser(stack.app.db, {
    email: `fresh-${authTime}-${Math.random().toString(36).slice(2, 8)}@example.com`,
    passwordHash: await hashPassword(password),
    role: 'account_user',
  });
  const { id, expiresAt } = await createSession(stack.app.db, user.id, 3600);
  const token = await new SignJWT({ sid: id, auth_time: authTime })
    .setProtectedHeader({ alg: 'HS256' })
    .setIssuer('connect-issuing-dashboard')
    .setSubject(user.id)
    .setIssuedAt()
    .setExpirationTime(expiresAt)
    .sign(new TextEncoder().encode(stack.sessionSecret));
  stack.track(token);
  return { password, cookie: `${SESSION_COOKIE}=${token}` };
}

test('a recent sign-in: /api/me says until when it counts (sign-in time plus the step-up age), and the enrolment goes through', async () => {
  const authTime = Math.floor(Date.now() / 1000) - 10;
  const { cookie } = await userSignedInAt(authTime);
  expect(await passwordFreshUntil(cookie)).toBe(new Date((authTime + MAX_AGE_SECONDS) * 1000).toISOString());
  expect(await enrolment(cookie)).toBe(200);
});

test('an old sign-in: null, as the server refuses; after the password, the time the re-authentication answered; once that is old, null and refused again', async () => {
  const { cookie, password } = await userSignedInAt(Math.floor(Date.now() / 1000) - 3600);
  expect(await passwordFreshUntil(cookie)).toBeNull();
  expect(await enrolment(cookie)).toBe('reauthentication_required');

  const reauthenticated = await inject('POST', '/api/security/reauthenticate', cookie, { password });
  expect(reauthenticated.statusCode).toBe(200);
  const until = await passwordFreshUntil(cookie);
  expect(until).toBe(reauthenticated.json().validUntil);
  expect(Date.parse(until!)).toBeGreaterThan(Date.now());
  expect(await enrolment(cookie)).toBe(200);

  await stack.app.db.query(`UPDATE sessions SET reauthenticated_at = now() - make_interval(secs => $2) WHERE id = $1`, [
    decodeJwt(cookie.split('=')[1]!).sid,
    MAX_AGE_SECONDS + 1,
  ]);
  expect(await passwordFreshUntil(cookie)).toBeNull();
  expect(await enrolment(cookie)).toBe('reauthentication_required');
});
