// Stripe's webhook events, processed exactly once whatever Stripe's delivery does: events are
// retried (the same event more than once) and arrive in any order (docs.stripe.com/webhooks,
// "Handle duplicate events", "Event ordering"). The event id is the key: inserted if absent in
// the same transaction as the processing, so a duplicate (now, or after a restart: the ids are in
// the database) changes nothing, and a failure rolls both back so Stripe's retry does the work.
import type Stripe from 'stripe';
import type { Database, Queryable } from '../db/database.ts';
import { WEBHOOK_GAP_SECONDS } from '../db/mirror.ts';
import { applyMirrorEvent } from './mirror/ingest.ts';
import { auditOutsideChange } from './component-changes.ts';
import { ACTIVITY_CHANNEL, activityPayload } from './activity-fanout.ts';

export interface ProcessedEvent {
  /** False when this event id was seen before: nothing was done. */
  processed: boolean;
  /** For `issuing_authorization.request`: the platform's real-time answer. */
  approved?: boolean;
}

/** Objects whose latest reported state we keep (see stripe_object_state). */
const TRACKED_OBJECTS = new Set(['issuing.card', 'issuing.cardholder', 'issuing.authorization']);

interface EventObject {
  id?: unknown;
  object?: unknown;
  status?: unknown;
}

function eventObject(event: Stripe.Event): EventObject {
  return ((event.data as { object?: EventObject } | undefined)?.object ?? {}) as EventObject;
}

/**
 * The dashboard has no authorization rules of its own: the card's spending controls (edited in
 * the dashboard, enforced by Stripe before it asks) are the policy. So every real-time request
 * that reaches us is approved once it is recorded; if it cannot be recorded the request fails
 * and Stripe declines (fail closed). See docs/decisions/012-webhooks.md.
 */
function realtimeDecision(event: Stripe.Event): boolean | undefined {
  return event.type === 'issuing_authorization.request' ? true : undefined;
}

/**
 * Records the event, once: its id (a duplicate inserts nothing, and nothing below happens for
 * it), when it was processed (the same transaction, so the moment it commits), and, when new:
 * - the latest reported state of its object (card, cardholder, authorization): an event older
 *   than the one already applied (delivered late) does not overwrite the newer state; events of
 *   the same second keep delivery order;
 * - the deployment's last webhook, at most once a second (a row updated by every event would
 *   serialize concurrent webhooks), and a webhook gap when the event was created long ago
 *   (Stripe retried it: the reconciler runs at once; docs/decisions/148-mirror.md);
 * - its card activity, NOTIFYed to every instance on commit (./activity-fanout.ts).
 * One statement: ingest speed is round trips (docs/decisions/150-mirror-at-scale.md).
 */
async function recordEvent(tx: Queryable, event: Stripe.Event, object: EventObject): Promise<boolean> {
  const tracked = typeof object.id === 'string' && typeof object.object === 'string' && TRACKED_OBJECTS.has(object.object);
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
      event.account ?? null,
      event.created,
      typeof object.id === 'string' ? object.id : null,
      typeof object.object === 'string' ? object.object : null,
      typeof object.status === 'string' ? object.status : null,
      tracked,
      WEBHOOK_GAP_SECONDS,
      activityPayload(event) ?? null,
      ACTIVITY_CHANNEL,
    ],
  );
  return rows.length > 0;
}

export async function processEvent(db: Database, event: Stripe.Event): Promise<ProcessedEvent> {
  const object = eventObject(event);
  const approved = realtimeDecision(event);
  return db.transaction(async (tx) => {
    if (!(await recordEvent(tx, event, object))) return { processed: false, ...(approved !== undefined ? { approved } : {}) };
    // Connected accounts' data: the mirror, cards and cardholders through the card index
    // (docs/decisions/148-mirror.md, 020-card-index.md).
    await applyMirrorEvent(tx, event);
    // Changes made in the embedded components or outside the dashboard: the audit trail.
    await auditOutsideChange(tx, event);
    return { processed: true, ...(approved !== undefined ? { approved } : {}) };
  });
}
