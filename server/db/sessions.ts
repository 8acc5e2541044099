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
}

export async function createSession(db: Queryable, userId: string, ttlSeconds: number): Promise<{ id: string; expiresAt: Date }> {
  const id = randomBytes(24).toString('base64url');
  const expiresAt = new Date(Date.now() + ttlSeconds * 1000);
  await db.query('INSERT INTO sessions (id, user_id, expires_at) VALUES ($1, $2, $3)', [id, userId, expiresAt]);
  return { id, expiresAt };
}

/** The live session's user, or undefined when the session is unknown, revoked, expired or its user disabled. */
export async function findSessionUser(db: Queryable, sessionId: string): Promise<SessionUser | undefined> {
  const rows = await db.query<{ id: string; email: string; role: Role }>(
    `SELECT u.id, u.email, u.role FROM sessions s JOIN users u ON u.id = s.user_id
     WHERE s.id = $1 AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled`,
    [sessionId],
  );
  const row = rows[0];
  return row && { sessionId, ...row };
}

export async function revokeSession(db: Queryable, sessionId: string): Promise<void> {
  await db.query('UPDATE sessions SET revoked_at = now() WHERE id = $1 AND revoked_at IS NULL', [sessionId]);
}
