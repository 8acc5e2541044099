// Second factors of users (migration 100): TOTP secrets, WebAuthn credentials, recovery codes
// (hashed), and the challenges of WebAuthn ceremonies in flight.
import { randomUUID } from 'node:crypto';
import type { Queryable } from './database.ts';

export type FactorKind = 'totp' | 'webauthn';

export interface FactorRow {
  id: string;
  user_id: string;
  kind: FactorKind;
  label: string;
  totp_secret: string | null;
  totp_last_step: number | string | null;
  credential_id: string | null;
  public_key: string | null;
  sign_count: number | string | null;
  transports: string | null;
  confirmed_at: Date | string | null;
  last_used_at: Date | string | null;
  created_at: Date | string;
}

const newFactorId = () => `sf_${randomUUID().replaceAll('-', '')}`;

/** Confirmed factors of a user (pending TOTP enrolments excluded). */
export async function listFactors(db: Queryable, userId: string): Promise<FactorRow[]> {
  return db.query<FactorRow>(
    'SELECT * FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL ORDER BY created_at, id',
    [userId],
  );
}

export async function hasFactor(db: Queryable, userId: string): Promise<boolean> {
  const rows = await db.query<{ one: number }>(
    'SELECT 1 AS one FROM second_factors WHERE user_id = $1 AND confirmed_at IS NOT NULL LIMIT 1',
    [userId],
  );
  return rows.length > 0;
}

/** Starts a TOTP enrolment (unconfirmed until the first code); earlier unconfirmed ones go. */
export async function beginTotp(db: Queryable, userId: string, secret: string, label: string): Promise<string> {
  await db.query(`DELETE FROM second_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NULL`, [userId]);
  const id = newFactorId();
  await db.query(`INSERT INTO second_factors (id, user_id, kind, label, totp_secret) VALUES ($1, $2, 'totp', $3, $4)`, [
    id,
    userId,
    label,
    secret,
  ]);
  return id;
}

/** A confirmed TOTP factor in one step (demo users, scripts, test fixtures). */
export async function addConfirmedTotp(db: Queryable, userId: string, secret: string, label: string): Promise<string> {
  const id = newFactorId();
  await db.query(
    `INSERT INTO second_factors (id, user_id, kind, label, totp_secret, confirmed_at) VALUES ($1, $2, 'totp', $3, $4, now())`,
    [id, userId, label, secret],
  );
  return id;
}

export async function pendingTotp(db: Queryable, userId: string): Promise<FactorRow | undefined> {
  const rows = await db.query<FactorRow>(
    `SELECT * FROM second_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NULL ORDER BY created_at DESC LIMIT 1`,
    [userId],
  );
  return rows[0];
}

export async function totpFactors(db: Queryable, userId: string): Promise<FactorRow[]> {
  return db.query<FactorRow>(
    `SELECT * FROM second_factors WHERE user_id = $1 AND kind = 'totp' AND confirmed_at IS NOT NULL ORDER BY created_at, id`,
    [userId],
  );
}

/**
 * Records that `step` of this TOTP factor was accepted, unless this step or a later one was
 * accepted before (then false: the code is a replay). One conditional UPDATE, so two requests
 * with the same code cannot both pass.
 */
export async function claimTotpStep(db: Queryable, factorId: string, step: number, confirm: boolean): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    `UPDATE second_factors
        SET totp_last_step = $2, last_used_at = now(),
            confirmed_at = CASE WHEN $3::boolean THEN coalesce(confirmed_at, now()) ELSE confirmed_at END
      WHERE id = $1 AND (totp_last_step IS NULL OR totp_last_step < $2)
      RETURNING id`,
    [factorId, step, confirm],
  );
  return rows.length === 1;
}

export async function addWebauthnFactor(
  db: Queryable,
  userId: string,
  credential: { id: string; publicKey: string; counter: number; transports: string[] },
  label: string,
): Promise<string> {
  const id = newFactorId();
  await db.query(
    `INSERT INTO second_factors (id, user_id, kind, label, credential_id, public_key, sign_count, transports, confirmed_at)
     VALUES ($1, $2, 'webauthn', $3, $4, $5, $6, $7, now())`,
    [id, userId, label, credential.id, credential.publicKey, credential.counter, credential.transports.join(',')],
  );
  return id;
}

export async function webauthnFactors(db: Queryable, userId: string): Promise<FactorRow[]> {
  return db.query<FactorRow>(
    `SELECT * FROM second_factors WHERE user_id = $1 AND kind = 'webauthn' AND confirmed_at IS NOT NULL ORDER BY created_at, id`,
    [userId],
  );
}

export async function updateSignCount(db: Queryable, factorId: string, counter: number): Promise<void> {
  await db.query('UPDATE second_factors SET sign_count = $2, last_used_at = now() WHERE id = $1', [factorId, counter]);
}

/** Removes one of the user's factors; false when it is not theirs. */
export async function deleteFactor(db: Queryable, userId: string, factorId: string): Promise<boolean> {
  const rows = await db.query<{ id: string }>(
    'DELETE FROM second_factors WHERE id = $1 AND user_id = $2 RETURNING id',
    [factorId, userId],
  );
  return rows.length === 1;
}

/** Removes every second factor of the user and their recovery codes (an administrator's reset). */
export async function deleteAllFactors(db: Queryable, userId: string): Promise<void> {
  await db.query('DELETE FROM second_factors WHERE user_id = $1', [userId]);
  await db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
}

// ---- recovery codes ---------------------------------------------------------------------

/** Replaces the user's recovery codes with these (hashes only). */
export async function replaceRecoveryCodes(db: Queryable, userId: string, hashes: readonly string[]): Promise<void> {
  await db.query('DELETE FROM recovery_codes WHERE user_id = $1', [userId]);
  await db.query('INSERT INTO recovery_codes (user_id, code_hash) SELECT $1, h FROM unnest($2::text[]) AS h', [
    userId,
    [...hashes],
  ]);
}

/** Uses up a recovery code: true once per code. */
export async function useRecoveryCode(db: Queryable, userId: string, hash: string): Promise<boolean> {
  const rows = await db.query<{ code_hash: string }>(
    'UPDATE recovery_codes SET used_at = now() WHERE user_id = $1 AND code_hash = $2 AND used_at IS NULL RETURNING code_hash',
    [userId, hash],
  );
  return rows.length === 1;
}

export async function unusedRecoveryCodes(db: Queryable, userId: string): Promise<number> {
  const rows = await db.query<{ n: number | string }>(
    'SELECT count(*) AS n FROM recovery_codes WHERE user_id = $1 AND used_at IS NULL',
    [userId],
  );
  return Number(rows[0]?.n ?? 0);
}

// ---- WebAuthn challenges ------------------------------------------------------------------

export async function saveChallenge(
  db: Queryable,
  c: { sessionId: string; userId: string; purpose: 'register' | 'authenticate'; challenge: string; ttlSeconds: number },
): Promise<void> {
  // One ceremony of each kind per session at a time; expired ones are dropped on the way.
  await db.query('DELETE FROM webauthn_challenges WHERE (session_id = $1 AND purpose = $2) OR expires_at < now()', [
    c.sessionId,
    c.purpose,
  ]);
  await db.query(
    `INSERT INTO webauthn_challenges (id, session_id, user_id, purpose, challenge, expires_at)
     VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
    [`wch_${randomUUID().replaceAll('-', '')}`, c.sessionId, c.userId, c.purpose, c.challenge, c.ttlSeconds],
  );
}

/** The session's live challenge for this ceremony, consumed (a challenge works once). */
export async function takeChallenge(
  db: Queryable,
  sessionId: string,
  purpose: 'register' | 'authenticate',
): Promise<string | undefined> {
  const rows = await db.query<{ challenge: string; live: boolean }>(
    'DELETE FROM webauthn_challenges WHERE session_id = $1 AND purpose = $2 RETURNING challenge, expires_at > now() AS live',
    [sessionId, purpose],
  );
  const row = rows.find((r) => r.live);
  return row?.challenge;
}
