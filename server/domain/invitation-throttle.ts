// Failed invitation acceptances per address. POST /api/invitations/accept is public: without a
// bound anyone could send made-up tokens without end, and before issue 17 (item 7) each one cost
// a scrypt hash. The token is now looked up first and the password hashed only for a valid one;
// this bound stops guessing and keeps even the cheap lookups finite. Failures are rows of
// login_failures (key `invitation:<address>`), like sign-in and second-factor failures, so the
// bound holds across instances and restarts.
import type { FastifyReply } from 'fastify';
import type { Queryable } from '../db/database.ts';
import { HttpError } from '../errors.ts';

/** Failed acceptances allowed per address in the window; then 429 until the window has passed. */
export const INVITATION_FAILURES = { perAddress: 10, windowSeconds: 15 * 60 } as const;
/** Expired rows of these keys deleted per failure, so the table does not grow without bound. */
const PRUNED_PER_FAILURE = 100;

const keyOf = (ip: string) => `invitation:${ip}`;

/** 429 when the address has failed too often lately: nothing is looked up or hashed. */
export async function assertInvitationNotThrottled(db: Queryable, ip: string, reply: FastifyReply): Promise<void> {
  const rows = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM login_failures WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)`,
    [keyOf(ip), INVITATION_FAILURES.windowSeconds],
  );
  if (Number(rows[0]?.n ?? 0) >= INVITATION_FAILURES.perAddress) {
    reply.header('retry-after', String(INVITATION_FAILURES.windowSeconds));
    throw new HttpError(429, 'rate_limited', 'Too many invalid invitation links from this address. Wait 15 minutes and try again, or ask for a new link.');
  }
}

/** Counts a failed acceptance against the address (and prunes expired ones of its kind). */
export async function recordInvitationFailure(db: Queryable, ip: string): Promise<void> {
  await db.query('INSERT INTO login_failures (key) VALUES ($1)', [keyOf(ip)]);
  await db.query(
    `DELETE FROM login_failures WHERE ctid IN (
       SELECT ctid FROM login_failures
       WHERE key LIKE 'invitation:%' AND failed_at <= now() - make_interval(secs => $1) LIMIT $2
     )`,
    [INVITATION_FAILURES.windowSeconds, PRUNED_PER_FAILURE],
  );
}
