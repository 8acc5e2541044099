// Writing reveal attempts to the audit log, with the request's who/where attached.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/database.ts';
import { insertRevealAttempt, newAuditId, type RevealAttempt } from '../db/reveal-audit.ts';

export interface AttemptDetails {
  cardId: string | null;
  accountId: string | null;
  reason: string | null;
  /** Set for a Connect component's key (docs/decisions/060): the component that asked. */
  component?: ComponentName | null;
}

export type ComponentName = 'issuing_card' | 'issuing_cards_list';

function requestContext(request: FastifyRequest): Pick<RevealAttempt, 'userId' | 'email' | 'role' | 'ip' | 'userAgent'> {
  const ua = request.headers['user-agent'];
  return {
    userId: request.user?.id ?? null,
    email: request.user?.email ?? null,
    role: request.user?.role ?? null,
    ip: request.ip ?? null,
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
  };
}

/**
 * Records a refused attempt. A refusal stands even when the log cannot be written (the caller
 * still refuses), so the failure is logged rather than thrown.
 */
export async function auditDenied(db: Database, request: FastifyRequest, details: AttemptDetails, denyReason: string): Promise<void> {
  try {
    await insertRevealAttempt(db, {
      ...requestContext(request),
      ...details,
      kind: details.component ? 'component_key' : 'reveal',
      outcome: 'denied',
      denyReason,
    });
  } catch (err) {
    request.log.error({ err }, 'could not write a denied reveal attempt to the audit log');
  }
}

export type GrantResult = { granted: true; auditId: string } | { granted: false; denyReason: 'rate_limited' };

/**
 * Records a granted attempt, unless the user already had `perMinute` granted reveals in the last
 * minute, in which case a denied row is written instead. One statement (the database function
 * `reveal_audit_grant`, migration 020) holding a per-user lock while it counts and inserts, so
 * concurrent requests cannot both slip under the limit; the count lives in the database, so the
 * limit holds across instances; the row is committed when the statement returns. Throws when
 * the log cannot be written: then no key may be issued. A reveal behind a step-up writes its
 * second-factor method into the same row (`reveal_audit_grant_with_method`, migration 130).
 */
export async function auditGrant(
  db: Database,
  request: FastifyRequest,
  details: AttemptDetails,
  perMinute: number,
  /** The second-factor method of the step-up behind this reveal, written into the granted row (migration 130). */
  stepUpMethod?: string | null,
): Promise<GrantResult> {
  const context = requestContext(request);
  const auditId = newAuditId();
  const params = [auditId, context.userId, context.email, context.role, details.cardId, details.accountId, details.reason, context.ip, context.userAgent, perMinute];
  const rows = stepUpMethod
    ? await db.query<{ outcome: string }>('SELECT reveal_audit_grant_with_method($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) AS outcome', [...params, stepUpMethod])
    : await db.query<{ outcome: string }>('SELECT reveal_audit_grant($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS outcome', params);
  if (rows[0]?.outcome === 'granted') return { granted: true, auditId };
  return { granted: false, denyReason: 'rate_limited' };
}

/**
 * The same for a key a Connect issuing component fetched as it loaded a card (docs/decisions/060):
 * recorded as a `component_key` with the component, counted against its own limit
 * (`component_key_audit_grant`, migration 060), never against the reveal limit.
 */
export async function auditComponentKeyGrant(
  db: Database,
  request: FastifyRequest,
  details: AttemptDetails & { component: ComponentName },
  perMinute: number,
): Promise<GrantResult> {
  const context = requestContext(request);
  const auditId = newAuditId();
  const rows = await db.query<{ outcome: string }>(
    'SELECT component_key_audit_grant($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) AS outcome',
    [auditId, context.userId, context.email, context.role, details.cardId, details.accountId, details.component, context.ip, context.userAgent, perMinute],
  );
  if (rows[0]?.outcome === 'granted') return { granted: true, auditId };
  return { granted: false, denyReason: 'rate_limited' };
}
