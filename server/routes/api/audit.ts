import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { stringify } from 'csv-stringify/sync';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AuditQuery, AuditResponse, ErrorBody, type AuditRow } from '../../../shared/api.ts';
import { listRevealAttempts } from '../../db/reveal-audit.ts';
import { badRequest } from '../../errors.ts';

const CSV_COLUMNS: (keyof AuditRow)[] = [
  'created_at', 'outcome', 'deny_reason', 'user_id', 'email', 'role', 'card_id', 'account_id', 'reason', 'ip', 'user_agent', 'ephemeral_key_id', 'id',
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
    rows.map((row) => CSV_COLUMNS.map((c) => row[c] as string | null)),
    { header: true, columns: CSV_COLUMNS, quoted: true, quoted_empty: true, escape_formulas: true, record_delimiter: 'windows' },
  );
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

const audit: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditResponse, 400: ErrorBody } } },
    async (request, reply) => {
      const { card, user, format, limit = 500 } = request.query;
      const from = filterDate(request.query.from, 'from');
      const to = filterDate(request.query.to, 'to');
      if (from && to && from > to) throw badRequest('from must not be later than to.', 'from');
      const rows = await listRevealAttempts(app.db, { card, user: user?.trim(), from, to, limit });
      reply.header('cache-control', 'no-store');
      if (format === 'csv') {
        // A string body is sent as is, past the JSON response schema.
        return (reply as FastifyReply)
          .type('text/csv; charset=utf-8')
          .header('content-disposition', 'attachment; filename="reveal-audit.csv"')
          .send(toCsv(rows));
      }
      return { data: rows };
    },
  );
};

export default audit;
