// The webhook events `npm run doctor` requires (server/domain/required-webhook-events.ts) are the
// ones the app's handlers use (issue 21, item 4): every event type Stripe has (the SDK's list of
// `enabled_events`, as the emulator copies it) is fed to each handler, and a type a handler acts on
// must be in the list or deliberately left out of it (NOT_REQUIRED_WEBHOOK_EVENTS); a type in the
// list must be one a handler acts on, and one the reconciler repairs when its webhook is missed.
import type Stripe from 'stripe';
import { describe, expect, test } from 'vitest';
import { ENABLED_EVENT_TYPES } from '../../emulator/api/webhooks/catalog.ts';
import type { Queryable } from '../../server/db/database.ts';
import { activityOf } from '../../server/domain/activity-hub.ts';
import { auditOutsideChange } from '../../server/domain/component-changes.ts';
import { applyMirrorEvent } from '../../server/domain/mirror/ingest.ts';
import { RECONCILED_EVENT_TYPES } from '../../server/domain/mirror/reconcile.ts';
import { NOT_REQUIRED_WEBHOOK_EVENTS, REQUIRED_WEBHOOK_EVENTS } from '../../server/domain/required-webhook-events.ts';

const required = REQUIRED_WEBHOOK_EVENTS.map((e) => e.type);
const notRequired = NOT_REQUIRED_WEBHOOK_EVENTS.map((e) => e.type);
const EVENT_TYPES = ENABLED_EVENT_TYPES.filter((t) => t !== '*');

/** The kinds of object an event may carry that the handlers look at. */
const OBJECT_KINDS = [
  'issuing.card',
  'issuing.cardholder',
  'issuing.authorization',
  'issuing.transaction',
  'account',
  'capability',
];

/** An object with every field a handler reads, so that whatever a handler would do with it, it does. */
function objectOf(kind: string): Record<string, unknown> {
  return {
    id: `${kind.replace(/\W/g, '_')}_1`,
    object: kind,
    status: 'inactive',
    type: 'virtual',
    name: 'Now',
    email: 'now@example.com',
    card: 'ic_1',
    cardholder: 'ich_1',
    authorization: 'iauth_1',
    amount: -500,
    currency: 'usd',
    last4: '4242',
    exp_month: 1,
    exp_year: 2030,
    created: 1_700_000_000,
    merchant_data: { name: 'Shop' },
    spending_controls: { spending_limits: [{ amount: 100, interval: 'daily' }] },
    capabilities: { card_issuing: 'active' },
    requirements: { currently_due: [] },
    business_profile: { name: 'Acme' },
  };
}

function eventOf(type: string, kind: string): Stripe.Event {
  return {
    id: 'evt_1',
    object: 'event',
    type,
    account: 'acct_1',
    created: 1_700_000_000,
    livemode: false,
    api_version: null,
    pending_webhooks: 0,
    request: { id: null, idempotency_key: null },
    data: {
      object: objectOf(kind),
      previous_attributes: { status: 'active', name: 'Before', spending_controls: { spending_limits: [] } },
    },
  } as unknown as Stripe.Event;
}

/** Whether a handler that writes through `tx` touched the database for this event. */
async function writes(handler: (tx: Queryable, event: Stripe.Event) => Promise<void>, event: Stripe.Event) {
  let statements = 0;
  const tx: Queryable = {
    query: async <T>() => {
      statements++;
      return [{ seq: 1 }] as T[];
    },
    exec: async () => {
      statements++;
    },
  };
  await handler(tx, event).catch(() => {});
  return statements > 0;
}

/** Every event type each handler acts on, whatever object it carries. */
async function typesActedOn(): Promise<Map<string, Set<string>>> {
  const handlers: Record<string, (event: Stripe.Event) => Promise<boolean>> = {
    'mirror and card index (applyMirrorEvent)': (event) => writes(applyMirrorEvent, event),
    'audit of changes made outside the app (auditOutsideChange)': (event) => writes(auditOutsideChange, event),
    'live activity (activityOf)': async (event) => activityOf(event) !== null,
  };
  const acted = new Map<string, Set<string>>();
  for (const [name, acts] of Object.entries(handlers)) {
    const types = new Set<string>();
    for (const type of EVENT_TYPES)
      for (const kind of OBJECT_KINDS) if (await acts(eventOf(type, kind))) types.add(type);
    acted.set(name, types);
  }
  return acted;
}

describe('the webhook events the doctor requires', () => {
  test('every event type a handler acts on is required, or left out on purpose with a reason', async () => {
    const acted = await typesActedOn();
    // The probe finds the handlers' work at all (an empty set would prove nothing).
    expect(acted.get('live activity (activityOf)')).toContain('issuing_authorization.created');
    expect(acted.get('mirror and card index (applyMirrorEvent)')).toContain('capability.updated');
    expect(acted.get('audit of changes made outside the app (auditOutsideChange)')).toContain('issuing_card.updated');
    const unaccounted = [...acted].flatMap(([handler, types]) =>
      [...types].filter((t) => !required.includes(t) && !notRequired.includes(t)).map((t) => `${handler}: ${t}`),
    );
    expect(unaccounted).toEqual([]);
  });

  test('every required or excepted type is one a handler acts on, and Stripe has', async () => {
    const acted = new Set([...(await typesActedOn()).values()].flatMap((types) => [...types]));
    expect(required.filter((t) => !acted.has(t))).toEqual([]);
    expect(notRequired.filter((t) => !acted.has(t))).toEqual([]);
    expect([...required, ...notRequired].filter((t) => !EVENT_TYPES.includes(t))).toEqual([]);
    expect(new Set(required).size).toBe(required.length);
  });

  test('the reconciler repairs every required event that a webhook missed, and no other', () => {
    expect([...RECONCILED_EVENT_TYPES].sort()).toEqual([...required].sort());
  });
});
