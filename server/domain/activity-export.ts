// The CSV export of a card's or an account's filtered authorizations, for accounting
// (docs/decisions/162-activity-filters-and-export.md): every row the filters keep, newest first,
// read from the mirror in batches and written as it is read, so any number of rows costs one
// batch of memory and no Stripe call.
import { Readable, pipeline } from 'node:stream';
import { stringify } from 'csv-stringify';
import type Stripe from 'stripe';
import { declineReasonLabel, type AuthorizationExportQuery } from '../../shared/activity-filters.ts';
import type { AuthorizationRow } from '../../shared/authorizations-api.ts';
import { cardMask } from '../../shared/card-words.ts';
import { isZeroDecimal } from '../../shared/spending-windows.ts';
import { activityMirrored, mirroredAuthorizationBatch, type BatchCursor } from '../db/mirror-reads.ts';
import { activityFilter, notMirroredYet } from './activity-filters.ts';
import { asStripeAuthorizations, toRow, type ActivityDeps } from './authorization-views.ts';

/** Rows read per query: a few hundred kilobytes of JSON at a time. */
export const EXPORT_BATCH = 500;

/** The header row, in words an accountant reads; amounts in the currency's main unit ("12.50"). */
export const CSV_HEADER = [
  'Date (UTC)',
  'Outcome',
  'Decline reason',
  'Amount',
  'Currency',
  'Merchant',
  'Merchant category',
  'Merchant city',
  'Merchant country',
  'Amount at the merchant',
  'Merchant currency',
  'Status',
  'Captured',
  'Refunded',
  'Card',
  'Cardholder',
  'Authorization ID',
  'Card ID',
  'Decline reason code',
] as const;

/** An amount in the currency's smallest unit as a plain decimal in its main unit: 1250 usd -> "12.50". */
export function decimalAmount(amount: number, currency: string): string {
  if (isZeroDecimal(currency)) return String(amount);
  const sign = amount < 0 ? '-' : '';
  const abs = Math.abs(amount);
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}`;
}

const capitalized = (text: string) => text.charAt(0).toUpperCase() + text.slice(1).replaceAll('_', ' ');

/** "2025-03-01 14:03:22": ISO 8601 without the T and zone, which every spreadsheet reads as a date. */
const utc = (seconds: number) =>
  new Date(seconds * 1000)
    .toISOString()
    .replace('T', ' ')
    .replace(/\.\d{3}Z$/, '');

/** One CSV record of a row, in CSV_HEADER's order. */
export function csvRecord(row: AuthorizationRow): (string | null)[] {
  const sum = (type: string) =>
    Math.abs(row.transactions.filter((t) => t.type === type).reduce((total, t) => total + t.amount, 0));
  return [
    utc(row.created),
    row.approved ? 'Approved' : 'Declined',
    row.approved ? null : declineReasonLabel(row.reason ?? 'unknown'),
    decimalAmount(row.amount, row.currency),
    row.currency.toUpperCase(),
    row.merchant.name,
    capitalized(row.merchant.category),
    row.merchant.city,
    row.merchant.country,
    decimalAmount(row.merchant_amount, row.merchant_currency),
    row.merchant_currency.toUpperCase(),
    capitalized(row.status),
    decimalAmount(sum('capture'), row.currency),
    decimalAmount(sum('refund'), row.currency),
    row.card_last4 ? cardMask(row.card_last4) : null,
    row.cardholder_name,
    row.id,
    row.card,
    row.approved ? null : (row.reason ?? 'unknown'),
  ];
}

/**
 * Every authorization the query keeps, batch by batch (each at most `batchSize`), newest first.
 * Checks the query and that the account is mirrored before the first row, so that a mistake is
 * a 400 (or 503) and not a broken download.
 */
export async function exportBatches(
  deps: ActivityDeps,
  account: string,
  query: AuthorizationExportQuery,
  card: Stripe.Issuing.Card | undefined,
  batchSize = EXPORT_BATCH,
): Promise<AsyncGenerator<AuthorizationRow[]>> {
  const filter = activityFilter(query, account, card?.id);
  if (!(await activityMirrored(deps.db, account))) throw notMirroredYet();
  return (async function* () {
    let after: BatchCursor | null = null;
    do {
      const batch = await mirroredAuthorizationBatch(deps.db, filter, after, batchSize);
      if (batch.rows.length === 0) return;
      const auths = await asStripeAuthorizations(deps.db, account, batch.rows, card);
      yield auths.map((a) => toRow(a, account));
      after = batch.next;
    } while (after);
  })();
}

/**
 * The batches as a CSV byte stream: a UTF-8 byte order mark (so that spreadsheets read accents),
 * the header, every cell quoted and a leading `'` on any cell a spreadsheet would run as a
 * formula (`=`, `+`, `-`, `@`, tab, carriage return): OWASP's CSV injection advice, as the audit
 * export (server/routes/api/audit.ts). Backpressure holds the next batch until the client has
 * read the last; a failing batch ends the stream with an error (the download is cut short,
 * never silently incomplete).
 */
export function csvStream(batches: AsyncGenerator<AuthorizationRow[]>, onError: (err: Error) => void): Readable {
  const records = Readable.from(
    (async function* () {
      for await (const rows of batches) for (const row of rows) yield csvRecord(row);
    })(),
  );
  const csv = stringify({
    header: true,
    columns: [...CSV_HEADER],
    bom: true,
    quoted: true,
    quoted_empty: true,
    escape_formulas: true,
    record_delimiter: 'windows',
  });
  pipeline(records, csv, (err) => {
    if (err) onError(err);
  });
  return csv;
}
