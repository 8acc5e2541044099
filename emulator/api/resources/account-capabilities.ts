// A connected account's capabilities as objects of their own (https://docs.stripe.com/api/capabilities):
// `GET /v1/accounts/:account/capabilities` lists the requested ones (newest first, as Stripe sorts
// them: "sorted by creation date, with the most recent capability appearing first"), `GET …/:capability`
// retrieves one with its own `requirements`, `POST …/:capability` (`requested`) requests or removes
// it (docs.stripe.com/api/capabilities/update: "Request or remove a capability by updating its
// requested parameter"). The object is built in ../account-onboarding.ts (`capabilityObject`).
//
// The emulator knows the capabilities its requirements model: card_issuing, card_payments and
// transfers. Another name is a 404 here, where Stripe would answer with that capability's object.
import type Stripe from 'stripe';
import { applyOnboarding, capabilityObject, requestedCapabilities } from '../account-onboarding.ts';
import type { CapabilityName } from '../account-requirements.ts';
import { resourceMissing } from '../errors.ts';
import { p, type Params } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import { requireAccountReader, requirePlatform, saveAccount, storedAccount } from './accounts.ts';

const KNOWN: readonly CapabilityName[] = ['card_issuing', 'card_payments', 'transfers'];

function capabilityName(name: string | undefined): CapabilityName {
  if (!KNOWN.includes(name as CapabilityName)) throw resourceMissing('capability', name ?? '', 'capability');
  return name as CapabilityName;
}

const expandOf = (params: Params) => params.expand as string[] | undefined;

function capability(ctx: ApiContext, account: Stripe.Account, name: CapabilityName): Stripe.Capability {
  return capabilityObject(ctx.store, account, name, ctx.nowMs());
}

export default defineResource({
  name: 'capabilities',
  routes: [
    {
      method: 'GET',
      path: '/v1/accounts/:account/capabilities',
      handler: (ctx, params, path) => {
        const id = path.account ?? '';
        requireAccountReader(ctx, id);
        const account = storedAccount(ctx, id);
        const data = requestedCapabilities(account)
          .map((name) => capability(ctx, account, name))
          .sort((a, b) => (b.requested_at ?? 0) - (a.requested_at ?? 0));
        return ctx.expand({ object: 'list', data, has_more: false, url: ctx.path }, expandOf(params));
      },
    },
    {
      method: 'GET',
      path: '/v1/accounts/:account/capabilities/:capability',
      handler: (ctx, params, path) => {
        const id = path.account ?? '';
        requireAccountReader(ctx, id);
        const name = capabilityName(path.capability);
        return ctx.expand(capability(ctx, storedAccount(ctx, id), name), expandOf(params));
      },
    },
    {
      method: 'POST',
      path: '/v1/accounts/:account/capabilities/:capability',
      params: { requested: p.boolean() },
      handler: (ctx, params, path) => {
        requirePlatform(ctx);
        const name = capabilityName(path.capability);
        const current = storedAccount(ctx, path.account ?? '');
        const before = structuredClone(current);
        const account = structuredClone(current);
        if (typeof params.requested === 'boolean') {
          applyOnboarding(
            ctx.store,
            account,
            { capabilities: { [name]: { requested: params.requested } } },
            ctx.now(),
            undefined,
            ctx.nowMs(),
          );
        }
        saveAccount(ctx, before, account);
        return ctx.expand(capability(ctx, account, name), expandOf(params));
      },
    },
  ],
});
