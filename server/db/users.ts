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
