import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AuditQuery, AuditResponse, ErrorBody, type AuditRow, type TrailRow } from '../../../shared/api.ts';
import { listAudit, type ListedTrailRow } from '../../db/audit-trail.ts';
import { accountNamesFor } from '../../domain/account-names.ts';
import { badRequest } from '../../errors.ts';

const CSV_COLUMNS: (keyof AuditRow)[] = [
  'created_at',
  'outcome',
  'deny_reason',
  'user_id',
  'email',
  'role',
  'card_id',
  'account_id',
  'reason',
  'ip',
  'user_agent',
  'ephemeral_key_id',
  'id',
  // The trail's own columns (docs/decisions/090-audit-trail.md), after the reveal log's.
  'kind',
  'account_name',
  'cardholder_id',
  'subject',
  'details',
  'seq',
  'hash',
];

/**
 * Every cell quoted (RFC 4180), and a leading `'` on any value a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, carriage return and their full-width forms): OWASP's CSV injection
 * advice (owasp.org/www-community/attacks/CSV_Injection). Quoting every cell, not only those
 * holding a comma, matters in locales whose spreadsheets split on `;`: an unquoted `a;=cmd` would
 * become a second cell starting with `=`. csv-stringify's `quoted` and `escape_formulas` do both.
 */
export function toCsv(rows: AuditRow[]): string {
  return stringify(
    rows.map((row) => CSV_COLUMNS.map((c) => cellText(row[c]))),
    {
      header: true,
      columns: CSV_COLUMNS,
      quoted: true,
      quoted_empty: true,
      escape_formulas: true,
      record_delimiter: 'windows',
    },
  );
}

/** A cell's text: objects (details) as JSON, numbers as digits. */
function cellText(value: AuditRow[keyof AuditRow]): string | null {
  if (value === null || value === undefined) return null;
  return typeof value === 'object' ? JSON.stringify(value) : String(value);
}

/**
 * A filter date: well-formed (the schema's date-time) is not enough. A leap second ("…T23:59:60Z")
 * is no JavaScript date, and year 0 or years past 9999 are no PostgreSQL timestamp in ISO form:
 * each a 400 naming the field, never a database error.
 */
function filterDate(value: string | undefined, field: 'from' | 'to'): Date | undefined {
  if (value === undefined) return undefined;
  const date = new Date(value);
  const year = date.getUTCFullYear();
  if (Number.isNaN(date.getTime()) || year < 1 || year > 9999) {
    throw badRequest(`${field} must be a date between the years 1 and 9999 (ISO 8601).`, field);
  }
  return date;
}

const text = (value: unknown): string | null => (typeof value === 'string' ? value : null);

/**
 * A trail row as the audit page shows it: the reveal fields lifted out of `details`, and for a
 * reveal attempt its final outcome from the attempt's latest chained row (a key Stripe refused
 * after the grant is a `reveal.key_refused` row saying `denied`), never from reveal_audit, which
 * can be edited without breaking the chain (docs/decisions/091-audit-chain-anchor.md).
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

  /** Account names for the rows, from the mirror; the page still works (ids only) without them. */
  const namesFor = async (rows: TrailRow[]): Promise<Map<string, string>> => {
    const ids = [...new Set(rows.flatMap((r) => (r.account_id ? [r.account_id] : [])))];
    return ids.length ? accountNamesFor(app, ids, app.log) : new Map();
  };

  app.get(
    '/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditResponse, 400: ErrorBody } } },
    async (request, reply) => {
      const { kind, account, card, user, format, limit = 500 } = request.query;
      const from = filterDate(request.query.from, 'from');
      const to = filterDate(request.query.to, 'to');
      if (from && to && from > to) throw badRequest('from must not be later than to.', 'from');
      const trail = await listAudit(app.db, { kind, account, card, user: user?.trim(), from, to, limit });
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
