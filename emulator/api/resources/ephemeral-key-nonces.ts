// Ephemeral key nonces: what Stripe.js's `createEphemeralKeyNonce({issuingCard})` calls with the
// publishable key (and `Stripe-Account` for a connected account). A nonce is single use and bound
// to its card (docs.stripe.com/js/issuing/create_ephemeral_key_nonce); its lifetime is not
// documented, the emulator chooses 10 minutes.
import { newSecret } from '../ids.ts';
import { p } from '../params.ts';
import { defineResource } from '../router.ts';
import type { NonceRecord } from '../store.ts';
import { connectCanRead } from './connect-rules.ts';
import { findCard } from './issuing-cards.ts';

export const NONCE_TTL_SECONDS = 10 * 60;

export default defineResource({
  name: 'ephemeral_key_nonces',
  routes: [
    {
      method: 'POST',
      path: '/v1/ephemeral_key_nonces',
      access: { publishable: true, connect: connectCanRead },
      params: { issuing_card: p.string({ required: true }) },
      handler: (ctx, params) => {
        const card = findCard(ctx.data, params.issuing_card as string, 'issuing_card', 400);
        const created = ctx.now();
        // Nonces made with a publishable key start `ephkn_pub_` (as Stripe's do); others `ephkn_priv_`.
        const prefix = ctx.principal.kind === 'secret' ? 'ephkn_priv_' : 'ephkn_pub_';
        const record: NonceRecord = {
          nonce: newSecret(prefix, 40),
          account: ctx.account,
          card: card.id,
          created,
          expiresAt: created + NONCE_TTL_SECONDS,
          used: false,
        };
        ctx.store.nonces.set(record.nonce, record);
        return { nonce: record.nonce };
      },
    },
  ],
});
