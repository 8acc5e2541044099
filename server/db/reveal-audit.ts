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

/** Several of the above in one statement. */
export async function recordEphemeralKeys(
  db: Queryable,
  keys: readonly { auditId: string; keyId: string }[],
): Promise<void> {
  if (keys.length === 0) return;
  // A PL/pgSQL function (migration 130), so its plan is kept between calls.
  await db.query('SELECT record_ephemeral_key_ids($1::text[], $2::text[])', [
    keys.map((k) => k.auditId),
    keys.map((k) => k.keyId),
  ]);
}

/** A granted attempt whose key Stripe then refused is turned into a denied one. */
export async function markDenied(db: Queryable, auditId: string, denyReason: string): Promise<void> {
  await db.query(`UPDATE reveal_audit SET outcome = 'denied', deny_reason = $2 WHERE id = $1`, [auditId, denyReason]);
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

/** A reveal's grant: the row's who/where, the role's bounds, and the step-up's method (or null). */
export interface RevealGrant {
  auditId: string;
  userId: string | null;
  email: string | null;
  role: string | null;
  cardId: string | null;
  accountId: string | null;
  reason: string | null;
  ip: string | null;
  userAgent: string | null;
  ratePerMinute: number;
  distinctCardsPerHour: number;
  stepUpMethod: string | null;
}

/**
 * Counts and writes a reveal's row in one call under the user's card-secrets lock: 'granted' or
 * the deny reason. One grant function (card_secret_grant, migration 154) behind the two names
 * the app calls; reveal_audit_grant is the one without a step-up method.
 */
export async function grantReveal(db: Queryable, grant: RevealGrant): Promise<string | undefined> {
  const params = [
    grant.auditId,
    grant.userId,
    grant.email,
    grant.role,
    grant.cardId,
    grant.accountId,
    grant.reason,
    grant.ip,
    grant.userAgent,
    grant.ratePerMinute,
    grant.distinctCardsPerHour,
  ];
  const rows = grant.stepUpMethod
    ? await db.query<{ outcome: string }>(
        'SELECT reveal_audit_grant_with_method($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) AS outcome',
        [...params, grant.stepUpMethod],
      )
    : await db.query<{ outcome: string }>(
        'SELECT reveal_audit_grant($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) AS outcome',
        params,
      );
  return rows[0]?.outcome;
}

/** A Connect component's key: the row's who/where, the app session, the role's component-key bounds. */
export interface ComponentKeyGrant {
  auditId: string;
  userId: string | null;
  email: string | null;
  role: string | null;
  cardId: string | null;
  accountId: string | null;
  component: string;
  ip: string | null;
  userAgent: string | null;
  sessionId: string | null;
  perMinute: number;
  perCardMinSeconds: number;
  distinctCardsPerHour: number;
  stepUpMethod: string | null;
}

/** The same for a component key (card_secret_grant, migration 154, through component_key_grant). */
export async function grantComponentKey(db: Queryable, grant: ComponentKeyGrant): Promise<string | undefined> {
  const rows = await db.query<{ outcome: string }>(
    'SELECT component_key_grant($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) AS outcome',
    [
      grant.auditId,
      grant.userId,
      grant.email,
      grant.role,
      grant.cardId,
      grant.accountId,
      grant.component,
      grant.ip,
      grant.userAgent,
      grant.sessionId,
      grant.perMinute,
      grant.perCardMinSeconds,
      grant.distinctCardsPerHour,
      grant.stepUpMethod,
    ],
  );
  return rows[0]?.outcome;
}

/**
 * Records that this app session created an Account Session for the account
 * (POST /api/account-sessions): the condition for component keys on its cards (migration 141).
 */
export async function recordAccountSession(db: Queryable, sessionId: string, accountId: string): Promise<void> {
  await db.query(
    `INSERT INTO component_account_sessions (session_id, account_id) VALUES ($1, $2)
     ON CONFLICT (session_id, account_id) DO UPDATE SET created_at = now()`,
    [sessionId, accountId],
  );
}

/** Refused attempts that count toward the limits in the last minute, by user and by address (migration 141). */
export async function refusedRevealCounts(
  db: Queryable,
  userId: string | null,
  ip: string | null,
): Promise<{ byUser: number; byIp: number }> {
  const [row] = await db.query<{ by_user: number | string; by_ip: number | string }>(
    'SELECT by_user, by_ip FROM refused_reveal_counts($1, $2)',
    [userId, ip],
  );
  return { byUser: Number(row?.by_user ?? 0), byIp: Number(row?.by_ip ?? 0) };
}
