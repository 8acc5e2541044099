import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { AuditQuery, AuditResponse, ErrorBody, type AuditRow } from '../../../shared/api.ts';
import { listRevealAttempts } from '../../db/reveal-audit.ts';

const CSV_COLUMNS: (keyof AuditRow)[] = [
  'created_at', 'outcome', 'deny_reason', 'user_id', 'email', 'role', 'card_id', 'account_id', 'reason', 'ip', 'user_agent', 'ephemeral_key_id', 'second_factor_method', 'id',
];

/** RFC 4180 quoting, and a leading quote on values a spreadsheet would run as a formula (OWASP CSV injection). */
export function csvCell(value: string | null): string {
  if (value === null) return '';
  const safe = /^[=+\-@\t\r]/.test(value) ? `'${value}` : value;
  return /[",\r\n]/.test(safe) ? `"${safe.replaceAll('"', '""')}"` : safe;
}

export function toCsv(rows: AuditRow[]): string {
  const lines = [CSV_COLUMNS.join(',')];
  for (const row of rows) lines.push(CSV_COLUMNS.map((c) => csvCell((row[c] ?? null) as string | null)).join(','));
  return `${lines.join('\r\n')}\r\n`;
}

const audit: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/audit',
    { schema: { querystring: AuditQuery, response: { 200: AuditResponse, 400: ErrorBody } } },
    async (request, reply) => {
      const { card, user, from, to, format, limit = 500 } = request.query;
      const rows = await listRevealAttempts(app.db, {
        card,
        user: user?.trim(),
        from: from ? new Date(from) : undefined,
        to: to ? new Date(to) : undefined,
        limit,
      });
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
