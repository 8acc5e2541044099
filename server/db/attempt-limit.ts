// Attempts counted before they are made (review of issue 17, finding 3). The wrong-password and
// invitation limits used to count the failures, check, then record a failure: requests sent at
// once all counted the same few failures and were all checked (40 wrong passwords at once, 40
// checked, against a limit of 10). Now each attempt takes its row of login_failures first, under
// a lock of its key, so attempts in flight count as failures until they turn out otherwise.
// Every statement on login_failures is here: sign-in (plugins/app/login-throttle.ts), second-factor
// checks (domain/second-factor.ts), password checks and invitations count through these.
import type { Queryable, Database } from './database.ts';

/** Rows of `key` in the last `windowSeconds`, and seconds since the latest (Infinity without one). */
export async function recentAttempts(
  db: Queryable,
  key: string,
  windowSeconds: number,
): Promise<{ count: number; secondsSinceLast: number }> {
  const rows = await db.query<{ n: number | string; since: number | string | null }>(
    `SELECT count(*) AS n, extract(epoch FROM now() - max(failed_at)) AS since
     FROM login_failures WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)`,
    [key, windowSeconds],
  );
  return { count: Number(rows[0]?.n ?? 0), secondsSinceLast: Number(rows[0]?.since ?? Infinity) };
}

/** Records one failure of each key (checked after the attempt, where no attempt is taken first). */
export async function recordFailures(db: Queryable, keys: readonly string[]): Promise<void> {
  await db.query('INSERT INTO login_failures (key) SELECT unnest($1::text[])', [[...keys]]);
}

/**
 * Takes one attempt of `key`: false when `max` attempts were already made in the last
 * `windowSeconds` (failures, and attempts still in flight), else records this one and returns
 * true. The row stays as the failure it is presumed to be; `giveBackAttempt` removes it when the
 * attempt succeeds. The transaction-scoped advisory lock of the key makes count and insert one
 * step across connections and instances.
 */
export async function takeAttempt(db: Database, key: string, max: number, windowSeconds: number): Promise<boolean> {
  return db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(hashtext($1))', [`attempt:${key}`]);
    if ((await recentAttempts(tx, key, windowSeconds)).count >= max) return false;
    await recordFailures(tx, [key]);
    return true;
  });
}

/** The attempt succeeded: its row is not a failure (one row of the key; they are alike). */
export async function giveBackAttempt(db: Queryable, key: string): Promise<void> {
  await db.query(
    'DELETE FROM login_failures WHERE ctid = (SELECT ctid FROM login_failures WHERE key = $1 ORDER BY failed_at DESC LIMIT 1)',
    [key],
  );
}

/** The attempts succeeded (a right password, a right code): every failure of these keys is forgiven. */
export async function clearAttempts(db: Queryable, ...keys: string[]): Promise<void> {
  await db.query('DELETE FROM login_failures WHERE key = ANY($1::text[])', [keys]);
}

/**
 * Deletes up to `limit` rows older than `windowSeconds` (they no longer count), of the keys
 * starting with `keyPrefix` (all keys when ''). Only failures write rows, so failures prune:
 * no periodic job, no growth without bound, and the limit keeps one failure quick after a long
 * quiet spell left many expired rows.
 */
export async function pruneExpiredAttempts(
  db: Queryable,
  windowSeconds: number,
  limit: number,
  keyPrefix = '',
): Promise<void> {
  await db.query(
    `DELETE FROM login_failures WHERE ctid IN (
       SELECT ctid FROM login_failures
       WHERE ($3 = '' OR starts_with(key, $3)) AND failed_at <= now() - make_interval(secs => $1) LIMIT $2
     )`,
    [windowSeconds, limit, keyPrefix],
  );
}
