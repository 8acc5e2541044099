// The hash-chained audit trail (migration 090, docs/decisions/090-audit-trail.md): the one
// function other code calls to record an action, the audit page's query, and the chain check
// behind `npm run audit:verify`.
import { createHash } from 'node:crypto';
import type { TrailRow } from '../../shared/api.ts';
import type { Queryable } from './database.ts';

export interface Actor {
  userId: string | null;
  email: string | null;
  role: string | null;
  ip?: string | null;
  userAgent?: string | null;
}

export interface AuditEvent {
  kind: string;
  actor: Actor | null;
  accountId?: string | null;
  cardId?: string | null;
  cardholderId?: string | null;
  subject?: string | null;
  /** Kind-specific facts (JSON): outcome, reason, before/after, Stripe ids. Never a secret. */
  details?: Record<string, unknown>;
}

/**
 * Appends one row to the chain and returns its position. Pass a transaction to record the
 * action together with the change it describes; the database serializes writers.
 */
export async function appendAudit(q: Queryable, event: AuditEvent): Promise<number> {
  const a = event.actor;
  const rows = await q.query<{ seq: string | number }>(
    'SELECT audit_append($1, $2, $3, $4, $5, $6, $7, $8, $9::jsonb, $10, $11) AS seq',
    [
      event.kind,
      a?.userId ?? null,
      a?.email ?? null,
      a?.role ?? null,
      event.accountId ?? null,
      event.cardId ?? null,
      event.cardholderId ?? null,
      event.subject ?? null,
      JSON.stringify(event.details ?? {}),
      a?.ip ?? null,
      a?.userAgent ? a.userAgent.slice(0, 512) : null,
    ],
  );
  return Number(rows[0]!.seq);
}

export interface TrailFilter {
  kind?: string | undefined;
  /** A user id or email. */
  user?: string | undefined;
  account?: string | undefined;
  card?: string | undefined;
  from?: Date | undefined;
  to?: Date | undefined;
  limit: number;
}

/**
 * A trail row and, for reveals, the ephemeral key id Stripe issued: known only after the row was
 * chained, so it is read from the reveal log (reveal_audit), not from the trail.
 */
export type ListedTrailRow = TrailRow & {
  ephemeral_key_id: string | null;
  /** The reveal attempt's final outcome (granted, then refused by Stripe: denied). */
  reveal_outcome: string | null;
  reveal_deny_reason: string | null;
};

type DbTrailRow = Omit<ListedTrailRow, 'created_at' | 'seq'> & { created_at: Date | string; seq: string | number };

export async function listAudit(db: Queryable, filter: TrailFilter): Promise<ListedTrailRow[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (clause: (n: string) => string, value: unknown) => {
    params.push(value);
    where.push(clause(`$${params.length}`));
  };
  // A kind filter matches the kind and its sub-kinds: `card` finds card.status_changed too.
  if (filter.kind) add((p) => `(t.kind = ${p} OR t.kind LIKE ${p} || '.%')`, filter.kind);
  if (filter.user) add((p) => `(t.actor_user_id = ${p} OR t.actor_email = lower(${p}) OR t.subject = lower(${p}))`, filter.user);
  if (filter.account) add((p) => `t.account_id = ${p}`, filter.account);
  if (filter.card) add((p) => `t.card_id = ${p}`, filter.card);
  if (filter.from) add((p) => `t.created_at >= ${p}`, filter.from);
  if (filter.to) add((p) => `t.created_at < ${p}`, filter.to);
  params.push(filter.limit);
  const rows = await db.query<DbTrailRow>(
    `SELECT t.seq, t.id, t.created_at, t.kind, t.actor_user_id, t.actor_email, t.actor_role, t.account_id, t.card_id,
            t.cardholder_id, t.subject, t.details, t.ip, t.user_agent, t.hash, ra.ephemeral_key_id,
            ra.outcome AS reveal_outcome, ra.deny_reason AS reveal_deny_reason
     FROM audit_trail t LEFT JOIN reveal_audit ra ON ra.id = t.details->>'reveal_audit_id'
     ${where.length ? `WHERE ${where.join(' AND ')}` : ''}
     ORDER BY t.seq DESC LIMIT $${params.length}`,
    params,
  );
  return rows.map((r) => ({ ...r, seq: Number(r.seq), created_at: new Date(r.created_at).toISOString() }));
}

export type ChainCheck =
  | { ok: true; rows: number; head: { seq: number; hash: string } | null }
  | { ok: false; rows: number; firstBad: { seq: number; id: string; problem: string } };

/**
 * Walks the chain in order and recomputes every hash from the row's content (which the database
 * renders, audit_trail_content) and the previous row's hash. The first row whose hash, link or
 * position does not match is named: it, or the row before it, was altered, inserted or deleted.
 */
export async function verifyAuditChain(db: Queryable, pageSize = 5000): Promise<ChainCheck> {
  let prevHash = '0'.repeat(64);
  let expectedSeq = 1;
  let rows = 0;
  let head: { seq: number; hash: string } | null = null;
  for (;;) {
    const page = await db.query<{ seq: string | number; id: string; prev_hash: string; hash: string; content: string }>(
      `SELECT seq, id, prev_hash, hash, audit_trail_content(t) AS content FROM audit_trail t
       WHERE seq >= $1 ORDER BY seq LIMIT $2`,
      [expectedSeq, pageSize],
    );
    for (const row of page) {
      const seq = Number(row.seq);
      const bad = (problem: string): ChainCheck => ({ ok: false, rows, firstBad: { seq, id: row.id, problem } });
      if (seq !== expectedSeq) return bad(`row ${expectedSeq} is missing (next is ${seq})`);
      if (row.prev_hash !== prevHash) return bad('its link to the previous row does not match that row\'s hash');
      const hash = createHash('sha256').update(`${row.prev_hash}|${row.content}`, 'utf8').digest('hex');
      if (hash !== row.hash) return bad('its content does not match its hash');
      prevHash = row.hash;
      expectedSeq = seq + 1;
      rows += 1;
      head = { seq, hash: row.hash };
    }
    if (page.length < pageSize) return { ok: true, rows, head };
  }
}
