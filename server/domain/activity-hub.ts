// Live card activity for server-sent events, one hub per instance: it hands what Stripe's events
// say happened to a card (its authorizations, and the card itself: status, spending controls) to
// the pages watching that card or account on this instance (the events route subscribes). It is fed from the database, not by the webhook route
// directly: the webhook's transaction NOTIFYs the activity and every instance's LISTEN publishes
// it here once it commits (server/domain/activity-fanout.ts), so an event received by any
// instance reaches the browsers of all of them, each once; docs/decisions/081-live-activity.md.
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

/**
 * Events that change the card itself: its status, and its spending controls (saved in Stripe's
 * embedded component, which reaches the app only by this webhook). The page refetches the card
 * and its remaining limits (issue 20, item 2). The object is the card: `card` is its own id.
 */
const CARD_TYPES = new Set(['issuing_card.created', 'issuing_card.updated']);

function idOf(value: unknown): string | null {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object' && typeof (value as { id?: unknown }).id === 'string')
    return (value as { id: string }).id;
  return null;
}

/** What an event says happened to which card, or null when it is not card activity. */
export function activityOf(event: Stripe.Event): ActivityEvent | null {
  const object = (event.data as unknown as { object?: Record<string, unknown> } | undefined)?.object ?? {};
  if (CARD_TYPES.has(event.type)) {
    const card = idOf(object.id);
    return card ? { type: event.type, account: event.account ?? null, card, authorization: null } : null;
  }
  if (!ACTIVITY_TYPES.has(event.type)) return null;
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

  /** Delivers to this instance's subscribers (what the database's activity channel brings). */
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
