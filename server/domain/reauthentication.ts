// Proving it is still the account's owner before changing how the account signs in: the password
// typed again (POST /api/security/reauthenticate, a password change), or a fresh second-factor
// check; and, after such a change, the account's other sessions ended
// (docs/decisions/142-password-change-and-session-revocation.md).
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { clearAttempts, giveBackAttempt, takeAttempt } from '../db/attempt-limit.ts';
import type { Queryable } from '../db/database.ts';
import { hasFactor } from '../db/second-factors.ts';
import { reauthenticatedAt, revokeUserSessions } from '../db/sessions.ts';
import { findUserByEmail } from '../db/users.ts';
import { HttpError, badRequest } from '../errors.ts';
import { verifyPassword } from './password.ts';
import { StepUpRequired, freshUntilMs, stepUpMaxAgeSeconds } from './second-factor.ts';

/** Wrong passwords allowed per user in the window, on the re-authentication and password-change routes. */
export const PASSWORD_CHECK_MAX_FAILURES = 10;
/** The window they are counted in (the sign-in throttle's). */
export const PASSWORD_CHECK_WINDOW_SECONDS = 15 * 60;

export class ReauthenticationRequired extends HttpError {
  constructor() {
    super(403, 'reauthentication_required', 'Confirm it is you: enter your password, then try again.');
  }
}

type App = Pick<FastifyInstance, 'db' | 'config' | 'now'>;

/**
 * When the user's proof of their password stops counting (ms on the session clock), or null if
 * it never was: the later of a sign-in (the cookie's auth_time: the password, an invitation's new
 * password or the identity provider was just used) and POST /api/security/reauthenticate, plus
 * the step-up age. Both are on the session clock (Date.now), which auth_time is written with.
 * GET /api/me sends it (`passwordFreshUntil`) so the page asks for the password before sending a
 * request that `requireOwnerCheck` would refuse: one function, so the two cannot disagree.
 */
export async function passwordFreshUntilMs(app: App, request: FastifyRequest): Promise<number | null> {
  const maxAgeMs = stepUpMaxAgeSeconds(app.config) * 1000;
  const signedIn = request.signedInAt !== null ? request.signedInAt * 1000 : null;
  const reauthenticated = request.user
    ? ((await reauthenticatedAt(app.db, request.user.sessionId))?.getTime() ?? null)
    : null;
  const latest = Math.max(signedIn ?? -Infinity, reauthenticated ?? -Infinity);
  return Number.isFinite(latest) ? latest + maxAgeMs : null;
}

/** Whether the user proved their password within the step-up age (`passwordFreshUntilMs`). */
export async function passwordRecentlyChecked(app: App, request: FastifyRequest): Promise<boolean> {
  const until = await passwordFreshUntilMs(app, request);
  return until !== null && Date.now() < until;
}

/**
 * Before a second factor is added, replaced, removed or its recovery codes renewed (issue 17,
 * item 3). A user who has a factor proves it with a fresh check of that factor (403
 * `step_up_required`), as before: the password alone must not be enough to swap the factor that
 * protects against a known password. A user with none proves it with the password within the
 * step-up age (403 `reauthentication_required`): the session alone is not the owner, and a
 * borrowed one would otherwise enrol a factor the owner never had and pass step-up with it.
 */
export async function requireOwnerCheck(app: App, request: FastifyRequest): Promise<void> {
  if (await hasFactor(app.db, request.user!.id)) {
    const until = freshUntilMs(app.config, request.secondFactor.verifiedAt);
    if (until === null || app.now() >= until) throw new StepUpRequired();
    return;
  }
  if (!(await passwordRecentlyChecked(app, request))) throw new ReauthenticationRequired();
}

const failureKey = (userId: string) => `password-check:${userId}`;

/**
 * Checks the signed-in user's password, typed again. Throttled per user like second-factor codes
 * (the caller already holds a session, so only it can run the count up; sign-in is not slowed):
 * past `PASSWORD_CHECK_MAX_FAILURES` wrong passwords in the window every attempt is a 429 without
 * being checked. A wrong password is a 400 on `field` (not a 401: the session is still good).
 * Checks in flight count as failures until they pass (db/attempt-limit.ts): passwords sent at
 * once cannot all be checked against the same count.
 */
export async function checkOwnPassword(
  app: App,
  request: FastifyRequest,
  reply: FastifyReply,
  password: string,
  field: string,
): Promise<void> {
  const user = request.user!;
  const key = failureKey(user.id);
  if (!(await takeAttempt(app.db, key, PASSWORD_CHECK_MAX_FAILURES, PASSWORD_CHECK_WINDOW_SECONDS))) {
    reply.header('retry-after', String(PASSWORD_CHECK_WINDOW_SECONDS));
    throw new HttpError(429, 'rate_limited', 'Too many wrong passwords. Wait 15 minutes and try again.');
  }
  const stored = (await findUserByEmail(app.db, user.email))?.password_hash ?? '';
  // Invited users have no password yet, single sign-on users none at all: nothing to type.
  if (!stored.startsWith('scrypt$')) {
    await giveBackAttempt(app.db, key);
    throw badRequest(
      'Your account has no password here (you sign in with single sign-on): sign out and in again instead.',
      field,
      'no_password',
    );
  }
  if (!(await verifyPassword(password, stored))) {
    // The attempt's row stays: it is the failure.
    request.log.info({ userId: user.id }, 'password check failed');
    throw badRequest('That password is not right.', field, 'invalid_password');
  }
  await clearAttempts(app.db, key);
}

/**
 * Ends the user's other sessions after a change to how the account signs in (password, second
 * factor, recovery codes) or on "sign out everywhere"; the request's own session stays. Returns
 * how many ended, for the audit row.
 */
export async function endOtherSessions(db: Queryable, request: FastifyRequest): Promise<number> {
  const user = request.user!;
  const ended = await revokeUserSessions(db, user.id, user.sessionId);
  if (ended > 0) request.log.info({ userId: user.id, ended }, 'other sessions ended');
  return ended;
}
