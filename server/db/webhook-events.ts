// Stripe's webhook events (server/domain/webhooks.ts): each event id recorded once, with the
// latest reported state of its object and the deployment's last-webhook mark, in one statement.
import type { Queryable } from './database.ts';
import { WEBHOOK_GAP_SECONDS } from './mirror.ts';

export interface WebhookEventRecord {
  id: string;
  type: string;
  accountId: string | null;
  /** The event's `created` (Unix seconds). */
  created: number;
  objectId: string | null;
  objectType: string | null;
  objectStatus: string | null;
  /** Whether the object's latest state is kept (stripe_object_state). */
  tracked: boolean;
  /** The card activity NOTIFYed on `channel` when the transaction commits, or null. */
  activity: string | null;
  channel: string;
}

/**
 * Inserts the event id unless it is there; when new, also the object's state (not over a newer
 * one), the last webhook (at most once a second) and a webhook gap, and the activity NOTIFY.
 * False for a duplicate: nothing was written.
 */
export async function recordWebhookEvent(tx: Queryable, event: WebhookEventRecord): Promise<boolean> {
  const rows = await tx.query(
    `WITH event AS (
       INSERT INTO webhook_events (id, type, account_id, event_created, object_id, object_type, processed_at)
       VALUES ($1, $2, $3, $4::bigint, $5, $6, now()) ON CONFLICT (id) DO NOTHING RETURNING id
     ), state AS (
       INSERT INTO stripe_object_state (object_id, object_type, account_id, status, event_id, event_created)
       SELECT $5, $6, $3, $7, id, $4::bigint FROM event WHERE $8::boolean
       ON CONFLICT (object_id) DO UPDATE SET
         account_id = EXCLUDED.account_id, status = EXCLUDED.status, event_id = EXCLUDED.event_id,
         event_created = EXCLUDED.event_created, updated_at = now()
       WHERE stripe_object_state.event_created <= EXCLUDED.event_created
     ), received AS (
       UPDATE mirror_status SET last_webhook_at = now(),
         webhook_gap_at = CASE WHEN extract(epoch FROM now()) - $4::bigint > $9 THEN now() ELSE webhook_gap_at END
       WHERE EXISTS (SELECT 1 FROM event)
         AND (last_webhook_at IS NULL OR last_webhook_at < now() - interval '1 second' OR extract(epoch FROM now()) - $4::bigint > $9)
     )
     SELECT id, CASE WHEN $10::text IS NULL THEN NULL ELSE pg_notify($11, $10::text)::text END AS announced FROM event`,
    [
      event.id,
      event.type,
      event.accountId,
      event.created,
      event.objectId,
      event.objectType,
      event.objectStatus,
      event.tracked,
      WEBHOOK_GAP_SECONDS,
      event.activity,
      event.channel,
    ],
  );
  return rows.length > 0;
}
