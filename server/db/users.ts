// Users and their account memberships: every statement on the users and memberships tables
// (OIDC identity columns: ./oidc-identities.ts; invitations: ./invitations.ts).
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

/**
 * The stored hash of a user invited and not yet accepted: no password verifies against it
 * (server/domain/password.ts writes `scrypt$…`). Accepting the invitation replaces it.
 */
export const NO_PASSWORD = '!invited';

/** A user row with its creation time, as the Users page lists it. */
export interface UserRecord extends UserRow {
  created_at: Date | string;
}

export function normalizeEmail(email: string): string {
  return email.trim().toLowerCase();
}

export async function findUserByEmail(db: Queryable, email: string): Promise<UserRow | undefined> {
  const rows = await db.query<UserRow>('SELECT id, email, password_hash, role, disabled FROM users WHERE email = $1', [
    normalizeEmail(email),
  ]);
  return rows[0];
}

export async function findUserById(db: Queryable, id: string): Promise<UserRecord | undefined> {
  return (
    await db.query<UserRecord>('SELECT id, email, role, disabled, password_hash, created_at FROM users WHERE id = $1', [
      id,
    ])
  )[0];
}

/** Every user, by email (the Users page, `npm run users -- list`). */
export async function listUsers(db: Queryable): Promise<UserRecord[]> {
  return db.query<UserRecord>('SELECT id, email, role, disabled, password_hash, created_at FROM users ORDER BY email');
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

/**
 * Serializes the changes that could leave no enabled platform admin, until the transaction ends
 * (server/domain/user-access.ts); `countAdminsWhoCanSignIn` is read under it.
 */
export async function lockAdminChanges(tx: Queryable): Promise<void> {
  await tx.query(`SELECT pg_advisory_xact_lock(hashtext('user-admin:admins'))`);
}

export async function setRoleAndDisabled(db: Queryable, userId: string, role: Role, disabled: boolean): Promise<void> {
  await db.query('UPDATE users SET role = $2, disabled = $3 WHERE id = $1', [userId, role, disabled]);
}

export async function setPasswordHash(db: Queryable, userId: string, passwordHash: string): Promise<void> {
  await db.query('UPDATE users SET password_hash = $2 WHERE id = $1', [userId, passwordHash]);
}

export async function addMembership(db: Queryable, userId: string, accountId: string): Promise<void> {
  await db.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2) ON CONFLICT DO NOTHING', [
    userId,
    accountId,
  ]);
}

/** The user's memberships become exactly `accounts` (none: the user is no account's member). */
export async function replaceMemberships(db: Queryable, userId: string, accounts: readonly string[]): Promise<void> {
  await db.query('DELETE FROM memberships WHERE user_id = $1', [userId]);
  for (const account of new Set(accounts)) await addMembership(db, userId, account);
}

/** The user's connected accounts, in the order they were added, or (`'account'`) by account id as the Users page shows them. */
export async function listMemberships(
  db: Queryable,
  userId: string,
  order: 'added' | 'account' = 'added',
): Promise<string[]> {
  const rows = await db.query<{ account_id: string }>(
    order === 'added'
      ? 'SELECT account_id FROM memberships WHERE user_id = $1 ORDER BY created_at, account_id'
      : 'SELECT account_id FROM memberships WHERE user_id = $1 ORDER BY account_id',
    [userId],
  );
  return rows.map((r) => r.account_id);
}
