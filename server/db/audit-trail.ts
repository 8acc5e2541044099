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

/**
 * The users whose Account Sessions on `account` were open at `at` (Unix seconds, five seconds'
 * leeway for the session's own row) with `feature` enabled in any of their components, newest
 * first, at most 20, each with the components that allow it: who could have made a change Stripe
 * reports (server/domain/component-changes.ts). A row records each component's features under
 * `details.components` (decision 158); rows written before it hold the single-card component's
 * under `details.features`, read as `issuing_card`'s.
 */
export async function accountSessionsOpenAt(
  q: Queryable,
  account: string,
  at: number,
  feature: string,
): Promise<{ actor_user_id: string; actor_email: string; actor_role: string; components: string[] }[]> {
  return q.query<{ actor_user_id: string; actor_email: string; actor_role: string; components: string[] }>(
    `SELECT actor_user_id, actor_email, actor_role, components FROM (
       SELECT seq, actor_user_id, actor_email, actor_role,
              CASE WHEN details ? 'components'
                THEN ARRAY(SELECT c.key FROM jsonb_each(details->'components') c
                           WHERE jsonb_typeof(c.value) = 'object' AND (c.value->>$3)::boolean ORDER BY c.key)
                WHEN (details->'features'->>$3)::boolean THEN ARRAY['issuing_card']
                ELSE ARRAY[]::text[] END AS components
       FROM audit_trail
       WHERE kind = 'account_session.created' AND account_id = $1
         AND created_at <= to_timestamp($2) + interval '5 seconds'
         AND (details->>'expires_at')::bigint >= $2
     ) open_sessions
     WHERE cardinality(components) > 0
     ORDER BY seq DESC LIMIT 20`,
    [account, at, feature],
  );
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
  /**
   * The reveal attempt's final outcome (granted, then refused by Stripe: denied), from the
   * attempt's latest chained row: what the hashes cover, not reveal_audit, which can be edited
   * without touching the chain (docs/decisions/091-audit-chain-anchor.md).
   */
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
  if (filter.user)
    add((p) => `(t.actor_user_id = ${p} OR t.actor_email = lower(${p}) OR t.subject = lower(${p}))`, filter.user);
  if (filter.account) add((p) => `t.account_id = ${p}`, filter.account);
  if (filter.card) add((p) => `t.card_id = ${p}`, filter.card);
  if (filter.from) add((p) => `t.created_at >= ${p}`, filter.from);
  if (filter.to) add((p) => `t.created_at < ${p}`, filter.to);
  params.push(filter.limit);
  const rows = await db.query<DbTrailRow>(
    `SELECT t.seq, t.id, t.created_at, t.kind, t.actor_user_id, t.actor_email, t.actor_role, t.account_id, t.card_id,
            t.cardholder_id, t.subject, t.details, t.ip, t.user_agent, t.hash, ra.ephemeral_key_id,
            final.details->>'outcome' AS reveal_outcome, final.details->>'deny_reason' AS reveal_deny_reason
     FROM audit_trail t LEFT JOIN reveal_audit ra ON ra.id = t.details->>'reveal_audit_id'
     LEFT JOIN LATERAL (
       SELECT c.details FROM audit_trail c
       WHERE (c.details->>'reveal_audit_id') = (t.details->>'reveal_audit_id')
       ORDER BY c.seq DESC LIMIT 1
     ) final ON true
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
      if (row.prev_hash !== prevHash) return bad("its link to the previous row does not match that row's hash");
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

/** The chain's last row (null: empty), and the hash of the row at a checkpoint's position. */
export async function auditHead(db: Queryable): Promise<{ seq: number; hash: string } | null> {
  const rows = await db.query<{ seq: string | number; hash: string }>(
    'SELECT seq, hash FROM audit_trail ORDER BY seq DESC LIMIT 1',
  );
  return rows[0] ? { seq: Number(rows[0].seq), hash: rows[0].hash } : null;
}

export async function auditHashAt(db: Queryable, seq: number): Promise<string | null> {
  const rows = await db.query<{ hash: string }>('SELECT hash FROM audit_trail WHERE seq = $1', [seq]);
  return rows[0]?.hash ?? null;
}

export interface RevealLogMismatch {
  revealAuditId: string;
  problem: string;
}

/**
 * The reveal log (reveal_audit) against the chain: every attempt written since the trail began is
 * chained (its trigger), and its outcome and deny reason are those of its latest chained row. A
 * row written or relabelled with the trigger switched off, or a chained attempt deleted from the
 * log, is named. Attempts older than the trail's first row predate it (migration 090) and are
 * not compared.
 */
export async function compareRevealLog(db: Queryable, limit = 20): Promise<RevealLogMismatch[]> {
  const rows = await db.query<{
    id: string;
    in_log: boolean;
    outcome: string | null;
    deny_reason: string | null;
    seq: string | number | null;
    chained_outcome: string | null;
    chained_deny_reason: string | null;
  }>(
    `WITH chained AS (
       SELECT DISTINCT ON (details->>'reveal_audit_id') details->>'reveal_audit_id' AS id, seq,
              details->>'outcome' AS outcome, details->>'deny_reason' AS deny_reason
       FROM audit_trail WHERE (details->>'reveal_audit_id') IS NOT NULL
       ORDER BY details->>'reveal_audit_id', seq DESC
     ), logged AS (
       SELECT ra.id, ra.outcome, ra.deny_reason FROM reveal_audit ra
       WHERE ra.created_at >= (SELECT min(created_at) FROM audit_trail) - interval '1 second'
     )
     SELECT coalesce(l.id, c.id) AS id, l.id IS NOT NULL AS in_log, l.outcome, l.deny_reason, c.seq, c.outcome AS chained_outcome, c.deny_reason AS chained_deny_reason
     FROM logged l FULL JOIN chained c ON c.id = l.id
     WHERE c.id IS NULL OR l.id IS NULL OR c.outcome IS DISTINCT FROM l.outcome OR c.deny_reason IS DISTINCT FROM l.deny_reason
     ORDER BY c.seq NULLS FIRST, coalesce(l.id, c.id) LIMIT $1`,
    [limit],
  );
  const said = (outcome: string | null, reason: string | null) =>
    `${outcome ?? '(none)'}${reason ? ` (${reason})` : ''}`;
  return rows.map((r) => ({
    revealAuditId: r.id,
    problem:
      r.seq === null
        ? `reveal log row ${r.id} (${said(r.outcome, r.deny_reason)}) is not in the trail`
        : !r.in_log
          ? `trail row ${Number(r.seq)} records reveal ${r.id}, which the reveal log no longer has`
          : `reveal log row ${r.id} says ${said(r.outcome, r.deny_reason)} but the trail (row ${Number(r.seq)}) says ${said(r.chained_outcome, r.chained_deny_reason)}`,
  }));
}
