// Events (docs.stripe.com/api/events): list (type, types[], created, delivery_success) and
// retrieve. Events belong to the account whose object changed: the platform lists its own without
// Stripe-Account and a connected account's with `Stripe-Account: acct_…` (a platform retrieving a
// connected account's event without the header gets "No such event", as on Stripe).
import type Stripe from 'stripe';
import { exclusiveParameters, resourceMissing } from '../errors.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, p, type Range } from '../params.ts';
import { defineResource } from '../router.ts';
import { eventCollection } from '../webhooks/service.ts';

const OBJECT_NAME = 'event';

/** `type` may name a group with `*` as a wildcard, e.g. `issuing_card.*`. */
function typeMatcher(pattern: string): (type: string) => boolean {
  if (!pattern.includes('*')) return (type) => type === pattern;
  const regex = new RegExp(
    `^${pattern
      .split('*')
      .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return (type) => regex.test(type);
}

export default defineResource({
  name: 'events',
  routes: [
    {
      method: 'GET',
      path: '/v1/events',
      params: {
        ...listParams,
        created: p.range(),
        delivery_success: p.boolean(),
        type: p.string(),
        types: p.array(p.string(), { maxItems: 20 }),
      },
      handler: (ctx, params) => {
        if (params.type !== undefined && params.types !== undefined) throw exclusiveParameters('type', 'types');
        const patterns =
          params.type !== undefined ? [params.type as string] : ((params.types as string[] | undefined) ?? []);
        const matchers = patterns.map(typeMatcher);
        const delivered = params.delivery_success as boolean | undefined;
        const list = paginate(
          eventCollection(ctx.store, ctx.account).list(),
          (event: Stripe.Event) =>
            (matchers.length === 0 || matchers.some((m) => m(event.type))) &&
            inRange(event.created, params.created as Range | undefined) &&
            (delivered === undefined || (event.pending_webhooks === 0) === delivered),
          params,
          ctx.path,
          { objectName: OBJECT_NAME },
        );
        return ctx.expand(list, params.expand as string[] | undefined);
      },
    },
    {
      method: 'GET',
      path: '/v1/events/:id',
      handler: (ctx, params, path) => {
        const event = eventCollection(ctx.store, ctx.account).get(path.id ?? '');
        if (!event) throw resourceMissing(OBJECT_NAME, path.id ?? '', 'id');
        return ctx.expand(event, params.expand as string[] | undefined);
      },
    },
  ],
});
