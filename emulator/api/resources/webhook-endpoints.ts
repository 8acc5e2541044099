// Webhook endpoints (docs.stripe.com/api/webhook_endpoints): create, list, retrieve, update, delete.
// The `secret` (whsec_…) is in the create response only. `connect: true` endpoints receive the
// events of connected accounts; the others those of the account they belong to (see
// ../webhooks/endpoints.ts). Test mode accepts http:// URLs, as Stripe does.
import type Stripe from 'stripe';
import { invalidParam, invalidRequest, resourceMissing } from '../errors.ts';
import { newId } from '../ids.ts';
import { paginate } from '../list.ts';
import { listParams, mergeMetadata, p, type Params } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import { ENABLED_EVENT_TYPES, WEBHOOK_API_VERSIONS } from '../webhooks/catalog.ts';
import { endpointCollection, type StoredEndpoint } from '../webhooks/endpoints.ts';
import { buildEndpointObject } from '../webhooks/service.ts';
import { newWebhookSecret } from '../webhooks/signature.ts';

const OBJECT_NAME = 'webhook endpoint';
/** Stripe allows 16 webhook endpoints per account and mode. */
export const MAX_ENDPOINTS = 16;

const url = (required: boolean) =>
  p.string({
    required,
    maxLength: 5000,
    pattern: /^https?:\/\/[^\s/?#]+[^\s]*$/i,
    patternMessage: 'Invalid URL: URL must be a valid http or https URL.',
  });

const enabledEvents = (required: boolean) => p.array(p.enum(ENABLED_EVENT_TYPES), { required });

function checkUrl(value: string): void {
  try {
    new URL(value);
  } catch {
    throw invalidParam('Invalid URL: URL must be a valid http or https URL.', 'url', 'url_invalid');
  }
}

function findEndpoint(ctx: ApiContext, id: string): StoredEndpoint {
  const record = endpointCollection(ctx.store, ctx.account).get(id);
  if (!record) throw resourceMissing(OBJECT_NAME, id, 'webhook_endpoint');
  return record;
}

const expand = (ctx: ApiContext, object: unknown, params: Params) =>
  ctx.expand(object, params.expand as string[] | undefined);

export default defineResource({
  name: 'webhook_endpoints',
  routes: [
    {
      method: 'POST',
      path: '/v1/webhook_endpoints',
      params: {
        url: url(true),
        enabled_events: enabledEvents(true),
        api_version: p.enum(WEBHOOK_API_VERSIONS),
        connect: p.boolean(),
        description: p.string({ emptyable: true }),
        metadata: p.metadata(),
      },
      handler: (ctx, params) => {
        checkUrl(params.url as string);
        const endpoints = endpointCollection(ctx.store, ctx.account);
        if (endpoints.size >= MAX_ENDPOINTS) {
          throw invalidRequest(`You have reached the maximum of ${MAX_ENDPOINTS} test webhook endpoints.`);
        }
        const id = newId('we');
        const record: StoredEndpoint = {
          id,
          secret: newWebhookSecret(),
          connect: (params.connect as boolean | undefined) ?? false,
          endpoint: buildEndpointObject({
            id,
            created: ctx.now(),
            url: params.url as string,
            enabledEvents: params.enabled_events as string[],
            description: (params.description as string | null | undefined) ?? null,
            apiVersion: (params.api_version as string | undefined) ?? null,
            metadata: mergeMetadata({}, params.metadata as Record<string, string | null> | null | undefined),
          }),
        };
        endpoints.insert(record);
        return expand(ctx, { ...record.endpoint, secret: record.secret }, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints',
      params: { ...listParams },
      handler: (ctx, params) => {
        const records = endpointCollection(ctx.store, ctx.account).list();
        const list = paginate(
          records.map((r) => ({ ...r.endpoint })),
          () => true,
          params,
          ctx.path,
          { objectName: OBJECT_NAME },
        );
        return expand(ctx, list, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/webhook_endpoints/:webhook_endpoint',
      handler: (ctx, params, path) => expand(ctx, findEndpoint(ctx, path.webhook_endpoint ?? '').endpoint, params),
    },
    {
      method: 'POST',
      path: '/v1/webhook_endpoints/:webhook_endpoint',
      params: {
        url: url(false),
        enabled_events: enabledEvents(false),
        description: p.string({ emptyable: true }),
        disabled: p.boolean(),
        metadata: p.metadata(),
      },
      handler: (ctx, params, path) => {
        const record = findEndpoint(ctx, path.webhook_endpoint ?? '');
        const next: Stripe.WebhookEndpoint = { ...record.endpoint };
        if (params.url !== undefined) {
          checkUrl(params.url as string);
          next.url = params.url as string;
        }
        if (params.enabled_events !== undefined) next.enabled_events = params.enabled_events as string[];
        if (params.description !== undefined) next.description = params.description as string | null;
        if (params.disabled !== undefined) next.status = params.disabled ? 'disabled' : 'enabled';
        if (params.metadata !== undefined) {
          next.metadata = mergeMetadata(
            record.endpoint.metadata,
            params.metadata as Record<string, string | null> | null,
          );
        }
        endpointCollection(ctx.store, ctx.account).replace({ ...record, endpoint: next });
        return expand(ctx, next, params);
      },
    },
    {
      method: 'DELETE',
      path: '/v1/webhook_endpoints/:webhook_endpoint',
      handler: (ctx, _params, path) => {
        const record = findEndpoint(ctx, path.webhook_endpoint ?? '');
        endpointCollection(ctx.store, ctx.account).delete(record.id);
        const deleted: Stripe.DeletedWebhookEndpoint = { id: record.id, object: 'webhook_endpoint', deleted: true };
        return deleted;
      },
    },
  ],
});
