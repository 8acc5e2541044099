// Live card activity for server-sent events: the webhook route publishes what Stripe's events say
// happened to a card's authorizations (once each event is recorded), the events route forwards
// it to the pages watching that card or account. Per process: an event reaches the browsers
// connected to the instance that received it. Behind several instances, publish through the
// database instead (PostgreSQL LISTEN/NOTIFY) with the same subscribe interface;
// docs/decisions/081-live-activity.md.
import { EventEmitter } from 'node:events';
import type Stripe from 'stripe';
import type { ActivityEvent } from '../../shared/authorizations-api.ts';

/** Events that change what a card's authorizations, transactions or remaining limits show. */
const ACTIVITY_TYPES = new Set([
  'issuing_authorization.created',
  'issuing_authorization.updated',
  'issuing_transaction.created',
  'issuing_transaction.updated',
]);

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string') return (value as { id: string }).id;
  return null;
}

/** What an event says happened to which card, or null when it is not card activity. */
export function activityOf(event: Stripe.Event): ActivityEvent | null {
  if (!ACTIVITY_TYPES.has(event.type)) return null;
  const object = (event.data as unknown as { object?: Record<string, unknown> } | undefined)?.object ?? {};
  const card = idOf(object.card);
  if (!card) return null;
  const authorization = event.type.startsWith('issuing_authorization.') ? idOf(object.id) : idOf(object.authorization);
  return { type: event.type, account: event.account ?? null, card, authorization };
}

export class ActivityHub {
  private readonly emitter = new EventEmitter();

  constructor() {
    // One listener per open page; no leak warning at scale.
    this.emitter.setMaxListeners(0);
  }

  publish(activity: ActivityEvent): void {
    this.emitter.emit('activity', activity);
  }

  /** Calls `listener` for the activity of one card or one account; returns the unsubscribe. */
  subscribe(filter: { card?: string; account?: string }, listener: (activity: ActivityEvent) => void): () => void {
    const wrapped = (activity: ActivityEvent) => {
      if (filter.card && activity.card !== filter.card) return;
      if (filter.account && activity.account !== filter.account) return;
      listener(activity);
    };
    this.emitter.on('activity', wrapped);
    return () => this.emitter.off('activity', wrapped);
  }

  listenerCount(): number {
    return this.emitter.listenerCount('activity');
  }
}
