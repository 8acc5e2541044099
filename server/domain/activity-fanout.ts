// Card activity to every instance: the webhook's transaction NOTIFYs it on the database's
// `card_activity` channel, and each instance LISTENs there and hands what arrives to its own
// ActivityHub (docs/decisions/081-live-activity.md). PostgreSQL delivers a NOTIFY on commit only,
// to every listening session, its sender's process included, so each instance's hub gets each
// recorded event once, whichever instance Stripe delivered it to, and a rolled-back event is never
// announced. PGlite is one process's database: its in-process LISTEN does the same for one instance.
import type Stripe from 'stripe';
import type { ActivityEvent } from '../../shared/authorizations-api.ts';
import type { Database } from '../db/database.ts';
import type { ListenEvents } from '../db/pg-listener.ts';
import { activityOf, type ActivityHub } from './activity-hub.ts';

export const ACTIVITY_CHANNEL = 'card_activity';
/** PostgreSQL refuses a NOTIFY payload of 8000 bytes or more. */
const NOTIFY_LIMIT_BYTES = 8000;

/**
 * What to NOTIFY of `event`'s card activity, if any: the ids of ActivityEvent (about 150 bytes),
 * never card data. ./webhooks.ts sends it in the statement that records the event.
 */
export function activityPayload(event: Stripe.Event): string | undefined {
  const activity = activityOf(event);
  if (!activity) return undefined;
  const payload = JSON.stringify(activity);
  // Ids of Stripe's are short; should one not be, the event is still recorded (a NOTIFY over the
  // limit would fail the transaction, and Stripe would retry it for days), just not announced.
  return Buffer.byteLength(payload) < NOTIFY_LIMIT_BYTES ? payload : undefined;
}

const nullableString = (v: unknown): v is string | null => v === null || typeof v === 'string';

/** A notification's payload as an ActivityEvent, or null (anyone with database access can NOTIFY). */
export function parseActivity(payload: string): ActivityEvent | null {
  let value: Record<string, unknown>;
  try {
    value = JSON.parse(payload) as Record<string, unknown>;
  } catch {
    return null;
  }
  if (!value || typeof value !== 'object') return null;
  const { type, account, card, authorization } = value;
  if (
    typeof type !== 'string' ||
    typeof card !== 'string' ||
    !nullableString(account) ||
    !nullableString(authorization)
  )
    return null;
  // Only these four fields go out to browsers, whatever else a payload carried.
  return { type, account, card, authorization };
}

/** Feeds `hub` from the channel; returns the unlisten. */
export function feedHubFromDatabase(
  db: Database,
  hub: ActivityHub,
  events: ListenEvents & { onIgnored?(): void } = {},
): Promise<() => Promise<void>> {
  return db.listen(
    ACTIVITY_CHANNEL,
    (payload) => {
      const activity = parseActivity(payload);
      if (activity) hub.publish(activity);
      else events.onIgnored?.();
    },
    events,
  );
}
