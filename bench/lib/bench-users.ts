// Bench users: platform admins (or another role) written straight into the database before the
// server opens it, one password hash for all, each with the demo TOTP secret as a confirmed
// second factor (admins and support agents must have one, shared/policy.ts), and signed in
// through the API as a browser would (password, then the TOTP step), so that their sessions
// carry a fresh second-factor check and reveals need no further step-up.
import { openDatabase, type DatabaseSettings } from '../../server/db/database.ts';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { migrate } from '../../server/db/migrate.ts';
import { hashPassword } from '../../server/domain/password.ts';
import type { Role } from '../../shared/policy.ts';
import { apiSignIn } from '../../test/helpers/totp.ts';

export const BENCH_USER_PASSWORD = 'bench-user-password-1';

/** Writes `count` users `<prefix>-<i>@bench.invalid` (idempotent); returns their emails. */
export async function createBenchUsers(
  settings: DatabaseSettings,
  prefix: string,
  count: number,
  role: Role = 'platform_admin',
): Promise<string[]> {
  const db = await openDatabase(settings);
  try {
    await migrate(db);
    const hash = await hashPassword(BENCH_USER_PASSWORD);
    await db.query(
      `INSERT INTO users (id, email, password_hash, role)
       SELECT 'usr_' || $1 || '_' || i, $1 || '-' || i || '@bench.invalid', $2, $4 FROM generate_series(0, $3::int - 1) AS i
       ON CONFLICT (email) DO NOTHING`,
      [prefix, hash, count, role],
    );
    await db.query(
      `INSERT INTO second_factors (id, user_id, kind, label, totp_secret, confirmed_at)
       SELECT 'sf_' || u.id, u.id, 'totp', 'Bench', $2, now() FROM users u
       WHERE u.email LIKE $1 || '-%@bench.invalid' AND NOT EXISTS (SELECT 1 FROM second_factors f WHERE f.user_id = u.id)`,
      [prefix, DEMO_TOTP_SECRET],
    );
    return Array.from({ length: count }, (_, i) => `${prefix}-${i}@bench.invalid`);
  } finally {
    await db.close();
  }
}

/** Signs the users in through the API, `parallel` at a time; returns their session cookies in order. */
export async function signInBenchUsers(appUrl: string, emails: string[], parallel = 4): Promise<string[]> {
  const cookies: string[] = [];
  for (let i = 0; i < emails.length; i += parallel) {
    cookies.push(
      ...(await Promise.all(
        emails.slice(i, i + parallel).map((email) => apiSignIn(appUrl, email, BENCH_USER_PASSWORD, DEMO_TOTP_SECRET)),
      )),
    );
  }
  return cookies;
}
