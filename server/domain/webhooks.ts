// Stripe's webhook events, processed exactly once whatever Stripe's delivery does: events are
// retried (the same event more than once) and arrive in any order (docs.stripe.com/webhooks,
// "Handle duplicate events", "Event ordering"). The event id is the key: inserted if absent in
// the same transaction as the processing, so a duplicate (now, or after a restart: the ids are in
// the database) changes nothing, and a failure rolls both back so Stripe's retry does the work.
import type Stripe from 'stripe';
import type { Database, Queryable } from '../db/database.ts';
import { recordWebhookEvent } from '../db/webhook-events.ts';
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
  return (event.data as { object?: EventObject } | undefined)?.object ?? {};
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
  const tracked =
    typeof object.id === 'string' && typeof object.object === 'string' && TRACKED_OBJECTS.has(object.object);
  return recordWebhookEvent(tx, {
    id: event.id,
    type: event.type,
    accountId: event.account ?? null,
    created: event.created,
    objectId: typeof object.id === 'string' ? object.id : null,
    objectType: typeof object.object === 'string' ? object.object : null,
    objectStatus: typeof object.status === 'string' ? object.status : null,
    tracked,
    activity: activityPayload(event) ?? null,
    channel: ACTIVITY_CHANNEL,
  });
}

export async function processEvent(db: Database, event: Stripe.Event): Promise<ProcessedEvent> {
  const object = eventObject(event);
  const approved = realtimeDecision(event);
  return db.transaction(async (tx) => {
    if (!(await recordEvent(tx, event, object)))
      return { processed: false, ...(approved !== undefined ? { approved } : {}) };
    // Connected accounts' data: the mirror, cards and cardholders through the card index
    // (docs/decisions/148-mirror.md, 020-card-index.md).
    await applyMirrorEvent(tx, event);
    // Changes made in the embedded components or outside the dashboard: the audit trail.
    await auditOutsideChange(tx, event);
    return { processed: true, ...(approved !== undefined ? { approved } : {}) };
  });
}
