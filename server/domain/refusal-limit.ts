// Refused reveal attempts are audited one row each; without a bound, anyone signed in could fill
// the audit log (and bury real entries) by asking again and again for cards they may not see.
// Past these limits an attempt is refused with 429 before anything is looked up or written.
import type { FastifyRequest } from 'fastify';
import type { Queryable } from '../db/database.ts';
import { refusedRevealCounts } from '../db/reveal-audit.ts';
import { tooManyRequests } from '../errors.ts';

/** Refused (denied) reveal attempts recorded per rolling minute, per user and per IP address. */
export const REFUSED_REVEALS_PER_MINUTE = { perUser: 20, perIp: 60 } as const;

/** Throws 429 when the caller's user or address already has that many refusals in the last minute. */
export async function checkRefusalBudget(db: Queryable, request: FastifyRequest): Promise<void> {
  // Read with the session where the route asks for it (auth.ts), else one call of a PL/pgSQL
  // function; both over partial indexes of the refused rows (migration 130).
  const counts =
    request.refusedReveals ?? (await refusedRevealCounts(db, request.user?.id ?? null, request.ip ?? null));
  if (counts.byUser >= REFUSED_REVEALS_PER_MINUTE.perUser || counts.byIp >= REFUSED_REVEALS_PER_MINUTE.perIp) {
    throw tooManyRequests('Too many refused attempts to reveal card details. Wait a minute and try again.');
  }
}
