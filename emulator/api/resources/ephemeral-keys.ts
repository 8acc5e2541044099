// Ephemeral keys for Issuing cards (docs.stripe.com/issuing/elements, /api/ephemeral_keys): created
// by the server with the secret key from a nonce Stripe.js made for the same card; requires
// Stripe-Version >= 2020-03-02; the secret (ek_test_…) lets the browser read that one card's number,
// CVC and PIN for 15 minutes. `DELETE /v1/ephemeral_keys/:id` invalidates it.
import type Stripe from 'stripe';
import { invalidParam, invalidRequest, missingParameter, resourceMissing, StripeApiError } from '../errors.ts';
import { newId, newSecret } from '../ids.ts';
import { p } from '../params.ts';
import { defineResource } from '../router.ts';
import type { EphemeralKeyRecord } from '../store.ts';
import { findCard } from './issuing-cards.ts';

export const EPHEMERAL_KEY_TTL_SECONDS = 15 * 60;

/**
 * Issuing Elements on connected accounts are a feature Stripe enables for a platform; without it,
 * key creation for connected accounts fails with authorization errors (https://docs.stripe.com/issuing/elements,
 * Issuing Elements with Connect). Stripe documents the status (an authorization error: 403, which
 * stripe-node raises as StripePermissionError), not the body; the message here is the emulator's.
 */
function refuseWithoutIssuingElements(ctx: {
  store: { platformAccountId: string; issuingElementsDisabled: Set<string> };
  account: string;
}): void {
  if (ctx.account === ctx.store.platformAccountId) return;
  const disabled = ctx.store.issuingElementsDisabled;
  if (!disabled.has('*') && !disabled.has(ctx.account)) return;
  throw new StripeApiError(
    403,
    `Issuing Elements are not enabled for connected accounts of this platform, so ephemeral keys for their cards cannot be created. Contact Stripe support to enable them (https://docs.stripe.com/issuing/elements).`,
  );
}
export const MIN_ISSUING_API_VERSION = '2020-03-02';

function toEphemeralKey(record: EphemeralKeyRecord, withSecret: boolean): Stripe.EphemeralKey {
  return {
    id: record.id,
    object: 'ephemeral_key',
    associated_objects: record.associatedObjects,
    created: record.created,
    expires: record.expires,
    livemode: false,
    ...(withSecret ? { secret: record.secret } : {}),
  } as Stripe.EphemeralKey;
}

export default defineResource({
  name: 'ephemeral_keys',
  routes: [
    {
      method: 'POST',
      path: '/v1/ephemeral_keys',
      params: {
        issuing_card: p.string(),
        nonce: p.string(),
        customer: p.string(),
        verification_session: p.string(),
      },
      handler: (ctx, params) => {
        if (!ctx.apiVersionSent) {
          throw invalidRequest(
            `Stripe-Version header is required when creating ephemeral keys (for Issuing cards, ${MIN_ISSUING_API_VERSION} or later).`,
            { param: 'Stripe-Version' },
          );
        }
        if (params.customer !== undefined || params.verification_session !== undefined) {
          throw invalidParam(
            'The emulator supports ephemeral keys for Issuing cards only (issuing_card and nonce).',
            params.customer !== undefined ? 'customer' : 'verification_session',
          );
        }
        if (params.issuing_card === undefined) throw missingParameter('issuing_card');
        if (ctx.apiVersion.slice(0, 10) < MIN_ISSUING_API_VERSION) {
          throw invalidRequest(
            `Ephemeral keys for Issuing cards require Stripe-Version ${MIN_ISSUING_API_VERSION} or later; this request used ${ctx.apiVersion}.`,
            { param: 'Stripe-Version' },
          );
        }
        if (params.nonce === undefined) throw missingParameter('nonce');
        refuseWithoutIssuingElements(ctx);
        const card = findCard(ctx.data, params.issuing_card as string, 'issuing_card', 400);

        const nonce = ctx.store.nonces.get(params.nonce as string);
        // A nonce from another account is as unknown here as a made-up one.
        if (!nonce || nonce.account !== ctx.account) {
          throw invalidRequest('Invalid nonce: no such ephemeral key nonce. Create a new one with Stripe.js.', {
            param: 'nonce',
          });
        }
        if (nonce.card !== card.id) {
          throw invalidRequest(`This nonce was created for a different card than ${card.id}.`, { param: 'nonce' });
        }
        if (nonce.used)
          throw invalidRequest('This nonce has already been used. Nonces are single use.', { param: 'nonce' });
        if (nonce.expiresAt <= ctx.now())
          throw invalidRequest('This nonce has expired. Create a new one.', { param: 'nonce' });
        nonce.used = true;

        const created = ctx.now();
        const record: EphemeralKeyRecord = {
          id: newId('ephkey'),
          secret: newSecret('ek_test_', 96),
          account: ctx.account,
          associatedObjects: [{ id: card.id, type: 'issuing.card' }],
          created,
          expires: created + EPHEMERAL_KEY_TTL_SECONDS,
          deleted: false,
        };
        ctx.store.ephemeralKeys.set(record.id, record);
        ctx.store.ephemeralKeysBySecret.set(record.secret, record);
        return toEphemeralKey(record, true);
      },
    },
    {
      method: 'DELETE',
      path: '/v1/ephemeral_keys/:key',
      handler: (ctx, _params, path) => {
        const record = ctx.store.ephemeralKeys.get(path.key ?? '');
        if (!record || record.account !== ctx.account || record.deleted) {
          throw resourceMissing('ephemeral key', path.key ?? '', 'key');
        }
        record.deleted = true;
        ctx.store.ephemeralKeysBySecret.delete(record.secret);
        return toEphemeralKey(record, false);
      },
    },
  ],
});
