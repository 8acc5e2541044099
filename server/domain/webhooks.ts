// Stripe's webhook events, processed exactly once whatever Stripe's delivery does: events are
// retried (the same event more than once) and arrive in any order (docs.stripe.com/webhooks,
// "Handle duplicate events", "Event ordering"). The event id is the key: inserted if absent in
// the same transaction as the processing, so a duplicate (now, or after a restart: the ids are in
// the database) changes nothing, and a failure rolls both back so Stripe's retry does the work.
import type Stripe from 'stripe';
import type { Database, Queryable } from '../db/database.ts';
import { recordWebhookReceived } from '../db/mirror.ts';
import { applyMirrorEvent } from './mirror/ingest.ts';
import { auditOutsideChange } from './component-changes.ts';
import { announceActivity } from './activity-fanout.ts';

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
 * Latest wins: an event older than the one already applied to this object (delivered late) is
 * recorded but does not overwrite the newer state. Events of the same second keep delivery order.
 */
async function applyObjectState(tx: Queryable, event: Stripe.Event, object: EventObject): Promise<void> {
  if (typeof object.id !== 'string' || typeof object.object !== 'string' || !TRACKED_OBJECTS.has(object.object)) return;
  await tx.query(
    `INSERT INTO stripe_object_state (object_id, object_type, account_id, status, event_id, event_created)
     VALUES ($1, $2, $3, $4, $5, $6)
     ON CONFLICT (object_id) DO UPDATE SET
       account_id = EXCLUDED.account_id, status = EXCLUDED.status, event_id = EXCLUDED.event_id,
       event_created = EXCLUDED.event_created, updated_at = now()
     WHERE stripe_object_state.event_created <= EXCLUDED.event_created`,
    [object.id, object.object, event.account ?? null, typeof object.status === 'string' ? object.status : null, event.id, event.created],
  );
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

export async function processEvent(db: Database, event: Stripe.Event): Promise<ProcessedEvent> {
  const object = eventObject(event);
  const approved = realtimeDecision(event);
  return db.transaction(async (tx) => {
    const inserted = await tx.query(
      `INSERT INTO webhook_events (id, type, account_id, event_created, object_id, object_type)
       VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT (id) DO NOTHING RETURNING id`,
      [
        event.id,
        event.type,
        event.account ?? null,
        event.created,
        typeof object.id === 'string' ? object.id : null,
        typeof object.object === 'string' ? object.object : null,
      ],
    );
    if (inserted.length === 0) return { processed: false, ...(approved !== undefined ? { approved } : {}) };
    await applyObjectState(tx, event, object);
    // Connected accounts' data: the mirror, cards and cardholders through the card index
    // (docs/decisions/148-mirror.md, 020-card-index.md).
    await applyMirrorEvent(tx, event);
    await recordWebhookReceived(tx, event.created);
    // Changes made in the embedded components or outside the dashboard: the audit trail.
    await auditOutsideChange(tx, event);
    await announceActivity(tx, event); // live pages on every instance, on commit (decision 081)
    await tx.query('UPDATE webhook_events SET processed_at = now() WHERE id = $1', [event.id]);
    return { processed: true, ...(approved !== undefined ? { approved } : {}) };
  });
}
