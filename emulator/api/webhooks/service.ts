// Events and their delivery, for one emulator instance.
//
// Every object change a handler reports (`ctx.emit`) becomes a Stripe `event` in the account's
// data (listed by GET /v1/events with that account's `Stripe-Account`, as Stripe scopes them) and
// is delivered to the endpoints that want it (./endpoints.ts), after the API response, retried on
// failure; `pending_webhooks` counts the endpoints not yet answered with a 2xx.
import type Stripe from 'stripe';
import { newId } from '../ids.ts';
import { API_VERSION, type EmulatorRuntime, type ObjectEvent } from '../router.ts';
import type { EmulatorStore } from '../store.ts';
import { WebhookDispatcher, type DispatcherOptions } from './delivery.ts';
import { endpointCollection, endpointsFor, type StoredEndpoint } from './endpoints.ts';
import { newWebhookSecret } from './signature.ts';

export const EVENT_COLLECTION = 'event';
/** Stripe keeps events 30 days; the emulator keeps the newest 10,000 per account. */
const MAX_EVENTS_PER_ACCOUNT = 10_000;

export interface WebhookSettings extends DispatcherOptions {
  /** How long `issuing_authorization.request` waits for an answer. Default 2000 ms, as Stripe. */
  realtimeTimeoutMs?: number;
}

export interface NewEventInput {
  type: string;
  account: string;
  object: unknown;
  previousAttributes?: Record<string, unknown> | undefined;
  requestId?: string | undefined;
  idempotencyKey?: string | undefined;
}

export function eventCollection(store: EmulatorStore, account: string) {
  return store.accountData(account).collection<Stripe.Event>(EVENT_COLLECTION);
}

export class WebhookService {
  readonly runtime: EmulatorRuntime;
  readonly dispatcher: WebhookDispatcher;
  readonly realtimeTimeoutMs: number;
  /** Called whenever events change (persistence saves then). */
  onChange: () => void = () => {};

  constructor(runtime: EmulatorRuntime, settings: WebhookSettings = {}) {
    this.runtime = runtime;
    this.dispatcher = new WebhookDispatcher(settings);
    this.realtimeTimeoutMs = settings.realtimeTimeoutMs ?? 2000;
  }

  /** Builds and stores the event; does not deliver it. */
  createEvent(input: NewEventInput, pendingWebhooks: number): Stripe.Event {
    const { store } = this.runtime;
    const data: Record<string, unknown> = { object: structuredClone(input.object) };
    if (input.previousAttributes && Object.keys(input.previousAttributes).length > 0) {
      data.previous_attributes = structuredClone(input.previousAttributes);
    }
    const event = {
      id: newId('evt'),
      object: 'event',
      ...(input.account === store.platformAccountId ? {} : { account: input.account }),
      api_version: API_VERSION,
      created: Math.floor(this.runtime.clock.now() / 1000),
      data,
      livemode: false,
      pending_webhooks: pendingWebhooks,
      request: { id: input.requestId ?? null, idempotency_key: input.idempotencyKey ?? null },
      type: input.type,
    } as unknown as Stripe.Event;
    const events = eventCollection(store, input.account);
    events.insert(event);
    if (events.size > MAX_EVENTS_PER_ACCOUNT) {
      for (const old of events.list().slice(MAX_EVENTS_PER_ACCOUNT)) events.delete(old.id);
    }
    this.onChange();
    return event;
  }

  /** An object change reported by a handler: stored as an event and delivered asynchronously. */
  record(input: ObjectEvent | NewEventInput): Stripe.Event {
    const endpoints = endpointsFor(this.runtime.store, input.account, input.type);
    const event = this.createEvent(input, endpoints.length);
    for (const endpoint of endpoints) this.deliver(event, input.account, endpoint);
    return event;
  }

  /** The event as sent to this endpoint: rendered at the endpoint's API version when it has one. */
  payload(event: Stripe.Event, endpoint: StoredEndpoint): string {
    const current =
      eventCollection(this.runtime.store, event.account ?? this.runtime.store.platformAccountId).get(event.id) ?? event;
    const body = { ...current, api_version: endpoint.endpoint.api_version ?? current.api_version };
    // Stripe sends pretty-printed JSON; a receiver that re-serializes it breaks the signature, as on Stripe.
    return JSON.stringify(body, null, 2);
  }

  /** Marks one endpoint's delivery done: `pending_webhooks` goes down by one. */
  delivered(eventId: string, account: string): void {
    const events = eventCollection(this.runtime.store, account);
    const event = events.get(eventId);
    if (!event || event.pending_webhooks === 0) return;
    events.replace({ ...event, pending_webhooks: event.pending_webhooks - 1 });
    this.onChange();
  }

  deliver(event: Stripe.Event, account: string, endpoint: StoredEndpoint): void {
    this.dispatcher.deliver(
      { endpointId: endpoint.id, url: endpoint.endpoint.url, secret: endpoint.secret },
      event,
      () => this.payload(event, endpoint),
      () => this.delivered(event.id, account),
    );
  }

  /**
   * Registers an endpoint outside the API (EMULATOR_WEBHOOK_URL at start-up). Idempotent: an
   * endpoint with the same URL, secret and `connect` is kept as it is.
   */
  registerEndpoint(options: {
    url: string;
    secret?: string;
    connect: boolean;
    enabledEvents?: string[];
    description?: string;
  }): StoredEndpoint {
    const { store, clock } = this.runtime;
    const endpoints = endpointCollection(store, store.platformAccountId);
    const existing = endpoints
      .list()
      .find(
        (e) =>
          e.endpoint.url === options.url &&
          e.connect === options.connect &&
          (options.secret === undefined || e.secret === options.secret),
      );
    if (existing) return existing;
    const record: StoredEndpoint = {
      id: newId('we'),
      secret: options.secret ?? newWebhookSecret(),
      connect: options.connect,
      endpoint: buildEndpointObject({
        created: Math.floor(clock.now() / 1000),
        url: options.url,
        enabledEvents: options.enabledEvents ?? ['*'],
        description: options.description ?? null,
        apiVersion: null,
        metadata: {},
      }),
    };
    record.endpoint.id = record.id;
    endpoints.insert(record);
    this.onChange();
    return record;
  }
}

export function buildEndpointObject(input: {
  id?: string;
  created: number;
  url: string;
  enabledEvents: string[];
  description: string | null;
  apiVersion: string | null;
  metadata: Record<string, string>;
}): Stripe.WebhookEndpoint {
  return {
    id: input.id ?? '',
    object: 'webhook_endpoint',
    api_version: input.apiVersion,
    application: null,
    created: input.created,
    description: input.description,
    enabled_events: input.enabledEvents,
    livemode: false,
    metadata: input.metadata,
    status: 'enabled',
    url: input.url,
  };
}

const services = new WeakMap<EmulatorRuntime, WebhookService>();

/** Creates the instance's webhook service and subscribes it to every object change. */
export function attachWebhooks(runtime: EmulatorRuntime, settings: WebhookSettings = {}): WebhookService {
  const service = new WebhookService(runtime, settings);
  services.set(runtime, service);
  runtime.eventListeners.push((change) => {
    service.record(change);
  });
  return service;
}

export function webhooksOf(runtime: EmulatorRuntime): WebhookService {
  const service = services.get(runtime);
  if (!service) throw new Error('webhooks are not attached to this emulator runtime');
  return service;
}
