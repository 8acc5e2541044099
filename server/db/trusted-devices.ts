// Browsers known to an account (migration 031, docs/decisions/031-sign-in-throttling.md): a
// browser that has signed in to the account is limited on its own failed sign-ins only.
import type { Queryable } from './database.ts';

/** Whether `deviceId` signed in to the account within the last `trustSeconds`. */
export async function isTrustedDevice(
  db: Queryable,
  deviceId: string,
  accountKey: string,
  trustSeconds: number,
): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM trusted_devices WHERE device_id = $1 AND account_key = $2 AND created_at > now() - make_interval(secs => $3)`,
    [deviceId, accountKey, trustSeconds],
  );
  return rows.length > 0;
}

/** The device signed in to the account now: trusted (again) from now on. */
export async function saveTrustedDevice(db: Queryable, deviceId: string, accountKey: string): Promise<void> {
  await db.query(
    `INSERT INTO trusted_devices (device_id, account_key) VALUES ($1, $2)
     ON CONFLICT (device_id, account_key) DO UPDATE SET created_at = now()`,
    [deviceId, accountKey],
  );
}
