import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AuditQuery, AuditResponse, ErrorBody, type AuditRow, type TrailRow } from '../../../shared/api.ts';
import { listAudit, type ListedTrailRow } from '../../db/audit-trail.ts';
import { accountNames } from '../../domain/account-names.ts';

const CSV_COLUMNS: (keyof AuditRow)[] = [
  'created_at', 'outcome', 'deny_reason', 'user_id', 'email', 'role', 'card_id', 'account_id', 'reason', 'ip', 'user_agent', 'ephemeral_key_id', 'id',
  // The trail's own columns (docs/decisions/090-audit-trail.md), after the reveal log's.
  'kind', 'account_name', 'cardholder_id', 'subject', 'details', 'seq', 'hash',
];

/** RFC 4180 quoting, and a leading quote on values a spreadsheet would run as a formula (OWASP CSV injection). */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

/** A cell's text: objects (details) as JSON, numbers as digits. */
function cellText(value: AuditRow[keyof AuditRow]): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

export function toCsv(rows: AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvCell(cellText(row[c]))).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * A trail row as the audit page shows it: the reveal fields lifted out of `details`, and for a
 * reveal attempt its final outcome from the reveal log (a key Stripe refused after the grant is
 * `denied` there; the chained row keeps what was known when it was written).
 */
export function toAuditRow(row: ListedTrailRow, names: ReadonlyMap<string, string>): AuditRow {
  const d = row.details;
  const final = row.reveal_outcome ?? d.outcome;
  const outcome = final === 'granted' || final === 'denied' ? final : null;
  return {
    id: row.id,
    seq: row.seq,
    created_at: row.created_at,
    kind: row.kind,
    user_id: row.actor_user_id,
    email: row.actor_email,
    role: row.actor_role,
    card_id: row.card_id,
    account_id: row.account_id,
    account_name: row.account_id ? (names.get(row.account_id) ?? null) : null,
    cardholder_id: row.cardholder_id,
    subject: row.subject,
    reason: text(d.reason),
    outcome,
    deny_reason: row.reveal_outcome ? row.reveal_deny_reason : text(d.deny_reason),
    ip: row.ip,
    user_agent: row.user_agent,
    ephemeral_key_id: row.ephemeral_key_id,
    details: d,
    hash: row.hash,
  };
}

const audit: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  /** Account names for the rows; the page still works (ids only) when Stripe does not answer. */
  const namesFor = async (rows: TrailRow[]): Promise<Map<string, string>> =>
    rows.some((r) => r.account_id) ? accountNames(app.stripe, app.log) : new Map();

  app.get(
    '/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditResponse, 400: ErrorBody } } },
    async (request, reply) => {
      const { kind, account, card, user, from, to, format, limit = 500 } = request.query;
      const trail = await listAudit(app.db, {
        kind,
        account,
        card,
        user: user?.trim(),
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        limit,
      });
      const names = await namesFor(trail);
      const rows = trail.map((r) => toAuditRow(r, names));
      reply.header('cache-control', 'no-store');
      if (format === 'csv') {
        // A string body is sent as is, past the JSON response schema.
        return (reply as FastifyReply)
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="audit-trail.csv"')
          .send(toCsv(rows));
      }
      return { data: rows };
    },
  );
};

export default audit;
