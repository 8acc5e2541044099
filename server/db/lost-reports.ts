// Cards reported lost (POST /api/cards/:id/report-lost), read from the audit trail that records
// the reports: the app's only mark of a lost card (docs/decisions/164-risky-actions-confirmed.md).
import type { Queryable } from './database.ts';

/**
 * When the card's standing lost report was made (ISO time), or null: the newest
 * `card.status_changed` row with reason `reported_lost` that no later status change to `active`
 * undid (an unfreeze, in the app or Stripe's components, ends the report; a cancel does not).
 * One indexed lookup (audit_trail_card_idx), no Stripe call.
 */
export async function lostReportedAt(db: Queryable, cardId: string): Promise<string | null> {
  const rows = await db.query<{ created_at: Date | string }>(
    `SELECT r.created_at FROM audit_trail r
      WHERE r.card_id = $1 AND r.kind = 'card.status_changed' AND r.details->>'reason' = 'reported_lost'
        AND NOT EXISTS (
          SELECT 1 FROM audit_trail a
           WHERE a.card_id = r.card_id AND a.seq > r.seq
             AND a.kind = 'card.status_changed' AND a.details->>'after' = 'active')
      ORDER BY r.seq DESC LIMIT 1`,
    [cardId],
  );
  const at = rows[0]?.created_at;
  return at === undefined ? null : new Date(at).toISOString();
}

/**
 * Whether the trail holds a row of this kind for the card (with `details.after` = `after`, when
 * given): a replacement retried, or asked for twice, records each step once.
 */
export async function cardStepAudited(
  db: Queryable,
  cardId: string,
  kind: 'card.issued' | 'card.status_changed',
  after?: string,
): Promise<boolean> {
  const rows = await db.query(
    `SELECT 1 FROM audit_trail WHERE card_id = $1 AND kind = $2 AND ($3::text IS NULL OR details->>'after' = $3) LIMIT 1`,
    [cardId, kind, after ?? null],
  );
  return rows.length > 0;
}
