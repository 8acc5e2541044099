// Invitations (docs/decisions/101-user-administration.md): a one-time, expiring link by which an
// invited user (stored hash NO_PASSWORD, ./users.ts) chooses a password. Only the token's
// SHA-256 is stored: the functions here take the token and hash it.
import { createHash } from 'node:crypto';
import type { Queryable } from './database.ts';
import { NO_PASSWORD } from './users.ts';

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

export async function createInvitation(
  db: Queryable,
  invitation: { token: string; userId: string; createdBy: string; expiresAt: Date },
): Promise<void> {
  await db.query('INSERT INTO invitations (token_hash, user_id, created_by, expires_at) VALUES ($1, $2, $3, $4)', [
    hashToken(invitation.token),
    invitation.userId,
    invitation.createdBy,
    invitation.expiresAt,
  ]);
}

/** Whether the token names an unused, unexpired invitation of an enabled user still without a password. */
export async function isPendingInvitation(db: Queryable, token: string): Promise<boolean> {
  const rows = await db.query<{ user_id: string }>(
    `SELECT i.user_id FROM invitations i JOIN users u ON u.id = i.user_id
     WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now() AND NOT u.disabled AND u.password_hash = $2`,
    [hashToken(token), NO_PASSWORD],
  );
  return rows.length > 0;
}

export interface PendingInvitation {
  email: string;
  role: string;
  expires_at: Date | string;
  /** The inviter's email, null when that user is gone. */
  invited_by: string | null;
  accounts: string[];
}

/**
 * What a pending invitation (as isPendingInvitation) says about itself, for the invitation page
 * before a password is typed; undefined for any other token, whatever the reason. Reads only:
 * looking an invitation up does not use it.
 */
export async function findPendingInvitation(db: Queryable, token: string): Promise<PendingInvitation | undefined> {
  const rows = await db.query<PendingInvitation>(
    `SELECT u.email, u.role, i.expires_at, inviter.email AS invited_by,
            coalesce((SELECT array_agg(m.account_id ORDER BY m.account_id) FROM memberships m WHERE m.user_id = u.id),
                     '{}'::text[]) AS accounts
     FROM invitations i JOIN users u ON u.id = i.user_id LEFT JOIN users inviter ON inviter.id = i.created_by
     WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now() AND NOT u.disabled AND u.password_hash = $2`,
    [hashToken(token), NO_PASSWORD],
  );
  return rows[0];
}

/**
 * Uses the invitation and sets the user's first password; returns the user's id, or undefined
 * when the invitation was used, expired or the user was disabled or has a password meanwhile.
 * The claim checks the invitation again, so of two acceptances of one link at once only one sets
 * a password. Used once either way: a claim whose user cannot take the password stays claimed.
 */
export async function acceptInvitation(
  tx: Queryable,
  token: string,
  passwordHash: string,
): Promise<string | undefined> {
  const claimed = await tx.query<{ user_id: string }>(
    `UPDATE invitations SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
    [hashToken(token)],
  );
  const userId = claimed[0]?.user_id;
  if (!userId) return undefined;
  const updated = await tx.query<{ id: string }>(
    'UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = $3 AND NOT disabled RETURNING id',
    [userId, passwordHash, NO_PASSWORD],
  );
  return updated[0]?.id;
}
