// The reveal audit log: one row per attempt to obtain card details, granted or denied.
import { randomUUID } from 'node:crypto';
import type { AuditRow } from '../../shared/api.ts';
import type { Queryable } from './database.ts';

export interface RevealAttempt {
  userId: string | null;
  email: string | null;
  role: string | null;
  cardId: string | null;
  accountId: string | null;
  reason: string | null;
  outcome: 'granted' | 'denied';
  denyReason: string | null;
  ip: string | null;
  userAgent: string | null;
  /** `reveal` (default) or `component_key` (docs/decisions/060). */
  kind?: AuditKind;
  /** For a component key: the Connect component that asked. */
  component?: string | null;
}

export type AuditKind = 'reveal' | 'component_key';

export function newAuditId(): string {
  return `aud_${randomUUID().replaceAll('-', '')}`;
}

export async function insertRevealAttempt(db: Queryable, attempt: RevealAttempt): Promise<string> {
  const id = newAuditId();
  await db.query(
    `INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent, kind, component)
     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)`,
    attemptParams(id, attempt),
  );
  return id;
}

/** The thirteen values of a reveal_audit row, in the column order both inserts name. */
function attemptParams(id: string, attempt: RevealAttempt): unknown[] {
  return [
    id,
    attempt.userId,
    attempt.email,
    attempt.role,
    attempt.cardId,
    attempt.accountId,
    attempt.reason,
    attempt.outcome,
    attempt.denyReason,
    attempt.ip,
    attempt.userAgent,
    attempt.kind ?? 'reveal',
    attempt.component ?? null,
  ];
}

/**
 * insertRevealAttempt, unless the same user had the same refusal of the same card within the last
 * minute (then nothing is written: the row already says it). For refusals that do not count
 * toward the refused-attempt limits, which therefore need another bound (server/domain/reveal-audit.ts).
 */
export async function insertRevealAttemptOncePerMinute(db: Queryable, attempt: RevealAttempt): Promise<void> {
  await db.query(
    `INSERT INTO reveal_audit (id, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent, kind, component)
     SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13
     WHERE NOT EXISTS (
       SELECT 1 FROM reveal_audit
       WHERE outcome = 'denied' AND user_id = $2 AND card_id IS NOT DISTINCT FROM $5 AND deny_reason = $9 AND kind = $12
         AND created_at > now() - interval '60 seconds'
     )`,
    attemptParams(newAuditId(), attempt),
  );
}

export async function recordEphemeralKey(db: Queryable, auditId: string, ephemeralKeyId: string): Promise<void> {
  await db.query('UPDATE reveal_audit SET ephemeral_key_id = $2 WHERE id = $1', [auditId, ephemeralKeyId]);
}

/** Several of the above in one statement. */
export async function recordEphemeralKeys(db: Queryable, keys: readonly { auditId: string; keyId: string }[]): Promise<void> {
  if (keys.length === 0) return;
  // A PL/pgSQL function (migration 130), so its plan is kept between calls.
  await db.query('SELECT record_ephemeral_key_ids($1::text[], $2::text[])', [keys.map((k) => k.auditId), keys.map((k) => k.keyId)]);
}

/** A granted attempt whose key Stripe then refused is turned into a denied one. */
export async function markDenied(db: Queryable, auditId: string, denyReason: string): Promise<void> {
  await db.query(`UPDATE reveal_audit SET outcome = 'denied', deny_reason = $2 WHERE id = $1`, [auditId, denyReason]);
}

export async function countGrantedSince(db: Queryable, userId: string, since: Date): Promise<number> {
  const rows = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM reveal_audit WHERE user_id = $1 AND outcome = 'granted' AND created_at > $2`,
    [userId, since],
  );
  return Number(rows[0]?.n ?? 0);
}

export interface AuditFilter {
  card?: string | undefined;
  user?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
}

export async function listRevealAttempts(db: Queryable, filter: AuditFilter): Promise<AuditRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  if (filter.card) add((p) => `card_id = ${p}`, filter.card);
  if (filter.user) add((p) => `(user_id = ${p} OR email = lower(${p}))`, filter.user);
  if (filter.from) add((p) => `created_at >= ${p}`, filter.from);
  if (filter.to) add((p) => `created_at < ${p}`, filter.to);
  params.push(filter.limit);
  const rows = await db.query<Omit<AuditRow, 'created_at'> & { created_at: Date | string }>(
    `SELECT id, created_at, user_id, email, role, card_id, account_id, reason, outcome, deny_reason, ip, user_agent, ephemeral_key_id, second_factor_method
     FROM reveal_audit ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...r, created_at: new Date(r.created_at).toISOString() }));
}
