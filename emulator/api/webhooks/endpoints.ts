// Webhook endpoints as stored, and which endpoints an event goes to.
//
// Endpoints belong to an account, like on Stripe. An event of the platform goes to the platform's
// endpoints that are not `connect`; an event of a connected account goes to the platform's
// `connect` endpoints and to the connected account's own endpoints
// (docs.stripe.com/connect/webhooks). The secret and the `connect` flag are kept beside the public
// object: Stripe shows the secret only in the create response and has no `connect` field.
import type Stripe from 'stripe';
import type { EmulatorStore } from '../store.ts';

export const ENDPOINT_COLLECTION = 'webhook_endpoint';

export interface StoredEndpoint {
  id: string;
  endpoint: Stripe.WebhookEndpoint;
  secret: string;
  connect: boolean;
}

export function endpointCollection(store: EmulatorStore, account: string) {
  return store.accountData(account).collection<StoredEndpoint>(ENDPOINT_COLLECTION);
}

export function enablesEvent(endpoint: Stripe.WebhookEndpoint, type: string): boolean {
  return (
    endpoint.status === 'enabled' && (endpoint.enabled_events.includes('*') || endpoint.enabled_events.includes(type))
  );
}

/** The endpoints an event of `account` of this type is delivered to, oldest first. */
export function endpointsFor(store: EmulatorStore, account: string, type: string): StoredEndpoint[] {
  const platform = store.platformAccountId;
  const fromPlatform = endpointCollection(store, platform)
    .list()
    .filter((e) => e.connect === (account !== platform))
    .reverse();
  const own = account === platform ? [] : endpointCollection(store, account).list().reverse();
  return [...fromPlatform, ...own].filter((e) => enablesEvent(e.endpoint, type));
}
