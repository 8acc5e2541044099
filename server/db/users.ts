// Users and their account memberships.
import { randomUUID } from 'node:crypto';
import type { Role } from '../../shared/policy.ts';
import type { Queryable } from './database.ts';

export interface UserRow {
  id: string;
  email: string;
  password_hash: string;
  role: Role;
  disabled: boolean;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>(
    'SELECT id, email, password_hash, role, disabled FROM users WHERE email = $1',
    [normalizeEmail(email)],
  );
  return rows[0];
}

export async function createUser(
  db: Queryable,
  user: { email: string; passwordHash: string; role: Role },
): Promise<UserRow> {
  const rows = await db.query<UserRow>(
    `INSERT INTO users (id, email, password_hash, role) VALUES ($1, $2, $3, $4)
     RETURNING id, email, password_hash, role, disabled`,
    [`usr_${randomUUID().replaceAll('-', '')}`, normalizeEmail(user.email), user.passwordHash, user.role],
  );
  return rows[0]!;
}

/**
 * Enabled platform admins who can sign in, other than `exceptUserId`: a password of their own
 * (an accepted invitation, a user added at the console) or a single sign-on identity. An invited
 * admin who has not accepted counts for nothing: its stored hash is `!invited`, which no password
 * matches (issue 17, item 10). Callers about to demote or disable an admin hold the
 * transaction lock `user-admin:admins` (server/domain/user-access.ts), so two such changes
 * cannot both see the other admin.
 */
export async function countAdminsWhoCanSignIn(db: Queryable, exceptUserId?: string): Promise<number> {
  // `scrypt$…` is the form server/domain/password.ts writes (isPasswordHash).
  const rows = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM users
     WHERE role = 'platform_admin' AND NOT disabled AND id IS DISTINCT FROM $1
       AND (password_hash LIKE 'scrypt$%' OR oidc_subject IS NOT NULL)`,
    [exceptUserId ?? null],
  );
  return Number(rows[0]?.n ?? 0);
}

export async function addMembership(db: Queryable, userId: string, accountId: string): Promise<void> {
  await db.query(
    'INSERT INTO memberships (user_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING',
    [userId, accountId],
  );
}

export async function listMemberships(db: Queryable, userId: string): Promise<string[]> {
  const rows = await db.query<{ account_id: string }>(
    'SELECT account_id FROM memberships WHERE user_id = $1 ORDER BY created_at, account_id',
    [userId],
  );
  return rows.map((r) => r.account_id);
}
