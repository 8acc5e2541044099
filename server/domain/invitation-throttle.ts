// Failed invitation acceptances per address. POST /api/invitations/accept is public: without a
// bound anyone could send made-up tokens without end, and before issue 17 (item 7) each one cost
// a scrypt hash. The token is now looked up first and the password hashed only for a valid one;
// this bound stops guessing and keeps even the cheap lookups finite. Failures are rows of
// login_failures (key `invitation:<address>`), like sign-in and second-factor failures, so the
// bound holds across instances and restarts. Each acceptance takes its row before the token is
// looked up (db/attempt-limit.ts), so acceptances sent at once count each other.
import type { FastifyReply } from 'fastify';
import { giveBackAttempt, pruneExpiredAttempts, takeAttempt } from '../db/attempt-limit.ts';
import type { Database, Queryable } from '../db/database.ts';
import { HttpError } from '../errors.ts';

/** Failed acceptances allowed per address in the window; then 429 until the window has passed. */
export const INVITATION_FAILURES = { perAddress: 10, windowSeconds: 15 * 60 } as const;
/** Expired rows of these keys deleted per failure, so the table does not grow without bound. */
const PRUNED_PER_FAILURE = 100;

const keyOf = (ip: string) => `invitation:${ip}`;

/**
 * Takes an attempt of the address, counted as a failure until `invitationAccepted` gives it back;
 * 429 when the address has failed (or has attempts in flight) too often lately: nothing is looked
 * up or hashed.
 */
export async function takeInvitationAttempt(db: Database, ip: string, reply: FastifyReply): Promise<void> {
  if (!(await takeAttempt(db, keyOf(ip), INVITATION_FAILURES.perAddress, INVITATION_FAILURES.windowSeconds))) {
    reply.header('retry-after', String(INVITATION_FAILURES.windowSeconds));
    throw new HttpError(
      429,
      'rate_limited',
      'Too many invalid invitation links from this address. Wait 15 minutes and try again, or ask for a new link.',
    );
  }
}

/** The token was valid: the attempt is not a failure of the address. */
export async function invitationAccepted(db: Queryable, ip: string): Promise<void> {
  await giveBackAttempt(db, keyOf(ip));
}

/**
 * A failed acceptance: its attempt stays counted against the address (taken by
 * takeInvitationAttempt); expired ones of its kind are pruned.
 */
export async function recordInvitationFailure(db: Queryable): Promise<void> {
  await pruneExpiredAttempts(db, INVITATION_FAILURES.windowSeconds, PRUNED_PER_FAILURE, 'invitation:');
}
