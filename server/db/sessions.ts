// Server-side session rows. The cookie's JWT only names a row; logout revokes the row, so a
// copied cookie stops working at once even though its signature is still valid.
import { randomBytes } from 'node:crypto';
import type { Role } from '../../shared/policy.ts';
import type { Queryable } from './database.ts';

export interface SessionUser {
  sessionId: string;
  id: string;
  email: string;
  role: Role;
  /**
   * Replaced by a new session and only within its rotation grace (migration 146): it still serves
   * requests in flight, but may not start or end sessions (docs/decisions/146-retired-sessions.md).
   */
  retired: boolean;
}

/**
 * A new session row. `reauthenticatedAt`: when the session it replaces last had the password
 * typed again, carried over so a step-up or a rotation does not ask for it again (migration 142).
 */
export async function createSession(
  db: Queryable,
  userId: string,
  ttlSeconds: number,
  reauthenticatedAt: Date | null = null,
): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await db.query('INSERT INTO sessions (id, user_id, expires_at, reauthenticated_at) VALUES ($1, $2, $3, $4)', [
    id,
    userId,
    expiresAt,
    reauthenticatedAt,
  ]);
  return { id, expiresAt };
}

/**
 * Ends a session that is being replaced, only if it is still live and not already replaced: at
 * once (`graceSeconds` null) or after the rotation grace (marked retired, migration 146). Of two
 * requests replacing one session, one gets it; the other (and a copied cookie after it) gets
 * undefined and starts no session. Returns the row's reauthenticated_at, carried to the new one.
 */
export async function claimSessionForReplacement(
  db: Queryable,
  sessionId: string,
  graceSeconds: number | null,
): Promise<{ reauthenticatedAt: Date | null } | undefined> {
  const rows = await db.query<{ at: Date | string | null }>(
    `UPDATE sessions SET
       revoked_at = CASE WHEN $2::integer IS NULL THEN now() ELSE revoked_at END,
       retired_at = now(),
       expires_at = CASE WHEN $2::integer IS NULL THEN expires_at ELSE LEAST(expires_at, now() + make_interval(secs => $2::integer)) END
     WHERE id = $1 AND revoked_at IS NULL AND retired_at IS NULL AND expires_at > now()
     RETURNING reauthenticated_at AS at`,
    [sessionId, graceSeconds],
  );
  if (rows.length === 0) return undefined;
  const at = rows[0]!.at;
  return { reauthenticatedAt: at ? new Date(at) : null };
}

/**
 * The live session's user, or undefined when the session is unknown, revoked, expired or its user
 * disabled. One call of the database function `session_user_of` (migration 021), whose plan the
 * database keeps: this runs on every signed-in request.
 */
export async function findSessionUser(db: Queryable, sessionId: string): Promise<SessionUser | undefined> {
  const rows = await db.query<{ user_id: string; user_email: string; user_role: Role; retired: boolean }>(
    'SELECT user_id, user_email, user_role, retired FROM session_user_of($1)',
    [sessionId],
  );
  const row = rows[0];
  return (
    row && { sessionId, id: row.user_id, email: row.user_email, role: row.user_role, retired: row.retired === true }
  );
}

/** Refused reveal attempts in the last minute, by the session's user and by the request's address. */
export interface RefusedRevealCounts {
  byUser: number;
  byIp: number;
}

/** findSessionUser, and in the same call the refused-attempt counts the reveal route checks (migration 130). */
export async function findSessionUserWithRefusedReveals(
  db: Queryable,
  sessionId: string,
  ip: string | null,
): Promise<{ user: SessionUser; refused: RefusedRevealCounts } | undefined> {
  const rows = await db.query<{
    user_id: string;
    user_email: string;
    user_role: Role;
    retired: boolean;
    refused_by_user: number | string;
    refused_by_ip: number | string;
  }>(
    'SELECT user_id, user_email, user_role, retired, refused_by_user, refused_by_ip FROM session_user_with_refused_reveals($1, $2)',
    [sessionId, ip],
  );
  const row = rows[0];
  return (
    row && {
      user: { sessionId, id: row.user_id, email: row.user_email, role: row.user_role, retired: row.retired === true },
      refused: { byUser: Number(row.refused_by_user), byIp: Number(row.refused_by_ip) },
    }
  );
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
}

/**
 * Ends every live session of the user at once, except `keepSessionId` (the browser that asked):
 * the one revocation behind a password change, a second-factor change, "sign out everywhere"
 * and the administrators' disable / reset (docs/decisions/142-password-change-and-session-revocation.md).
 * Event streams re-check their session (migration 144), so they end too. Returns how many
 * sessions were still live.
 */
export async function revokeUserSessions(
  db: Queryable,
  userId: string,
  keepSessionId: string | null = null,
): Promise<number> {
  const rows = await db.query<{ live: boolean }>(
    `UPDATE sessions SET revoked_at = now()
     WHERE user_id = $1 AND revoked_at IS NULL AND ($2::text IS NULL OR id <> $2::text)
     RETURNING expires_at > now() AS live`,
    [userId, keepSessionId],
  );
  return rows.filter((r) => r.live).length;
}

/** Whether the session is the user's, neither revoked nor expired, and the user not disabled. */
export async function isLiveSessionOf(db: Queryable, sessionId: string, userId: string): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled`,
    [sessionId, userId],
  );
  return rows.length > 0;
}

/** Records that the session's user has just typed their password again (migration 142). */
export async function markReauthenticated(db: Queryable, sessionId: string, at: Date): Promise<void> {
  await db.query('UPDATE sessions SET reauthenticated_at = $2 WHERE id = $1', [sessionId, at]);
}

/** When the session's user last typed their password again, or null. */
export async function reauthenticatedAt(db: Queryable, sessionId: string): Promise<Date | null> {
  const rows = await db.query<{ at: Date | string | null }>(
    'SELECT reauthenticated_at AS at FROM sessions WHERE id = $1',
    [sessionId],
  );
  const at = rows[0]?.at;
  return at ? new Date(at) : null;
}

// What an open session may still reach, read in one call for the event streams' re-checks
// (server/domain/stream-access.ts).
export interface SessionAccessRow {
  user_id: string;
  user_role: Role;
  memberships: string[];
}

/** session_access_of (migration 144): the live session's user, role and memberships; undefined when it ended. */
export async function sessionAccessOf(db: Queryable, sessionId: string): Promise<SessionAccessRow | undefined> {
  const rows = await db.query<SessionAccessRow>('SELECT user_id, user_role, memberships FROM session_access_of($1)', [
    sessionId,
  ]);
  return rows[0];
}
