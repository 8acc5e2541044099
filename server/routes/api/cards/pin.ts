import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, ErrorBody, SetPinBody, SetPinResponse } from '../../../../shared/api.ts';
import { canReachAccount, scopeFor } from '../../../domain/access.ts';
import { auditAction, DASHBOARD_IDEMPOTENCY_PREFIX } from '../../../domain/audit.ts';
import { indexCards } from '../../../domain/card-index.ts';
import { writeVersion } from '../../../domain/mirror/objects.ts';
import { locateCardFor } from '../../../domain/card-lookup.ts';
import { checkPinJwe } from '../../../domain/pin-jwe.ts';
import { requireStepUp } from '../../../domain/second-factor.ts';
import { stripeErrorKind } from '../../../domain/stripe-errors.ts';
import { HttpError, badRequest, notFound } from '../../../errors.ts';

/**
 * POST /api/cards/:id/pin: sets a card's PIN from a JWE the browser made with Stripe's Issuing
 * key. The route checks who may touch the card and the JWE's form, then hands the JWE to Stripe
 * as `pin[encrypted_number]`. The PIN itself never reaches this server, and the JWE is neither
 * logged nor echoed (logger.ts also redacts `encrypted_number`).
 */
const cardPin: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/cards/:id/pin',
    {
      schema: {
        params: CardParams,
        body: SetPinBody,
        response: { 200: SetPinResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 502: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      // Setting a PIN needs a second-factor check within the last few minutes (docs/decisions/100).
      const stepUpMethod = requireStepUp(app, request, 'setPin');
      const check = checkPinJwe(request.body.encrypted_number);
      if (!check.ok) throw badRequest(check.message, 'encrypted_number', 'invalid_encrypted_pin');

      const scope = await scopeFor(app.db, request.user!);
      // A card on an account the user does not reach is simply not found.
      const located = await locateCardFor(app, { userId: request.user!.id, scope }, request.params.id);
      const found = located && canReachAccount(scope, located.found.account) ? located.found : undefined;
      if (!found) throw notFound('No such card.', 'card_not_found');
      if (found.card.status === 'canceled') {
        throw badRequest('This card is canceled; its PIN can no longer be changed.', 'card', 'card_canceled');
      }

      let updated;
      try {
        updated = await app.stripe.issuing.cards.update(
          found.card.id,
          { pin: { encrypted_number: request.body.encrypted_number } },
          { stripeContext: found.account, idempotencyKey: `${DASHBOARD_IDEMPOTENCY_PREFIX}pin:${randomUUID()}` },
        );
      } catch (err) {
        const e = err as { statusCode?: number; type?: string; code?: string; requestId?: string; message?: string };
        // Only the error's kind is logged: Stripe's error object carries nothing of the PIN, but
        // nothing of the request is logged either, to keep it that way.
        request.log.warn(
          { cardId: found.card.id, status: e.statusCode, type: e.type, code: e.code, stripeRequestId: e.requestId },
          'Stripe refused a PIN change',
        );
        const kind = stripeErrorKind(err);
        if (kind === 'invalid_request') {
          // Stripe's own text is not passed on: an "invalid value" message may quote the value.
          const code = e.code && /^[a-z_]{1,60}$/.test(e.code) ? ` (${e.code})` : '';
          throw new HttpError(
            400,
            'pin_rejected',
            `Stripe refused the new PIN${code}. Try again: a fresh key is fetched for every attempt.`,
            'encrypted_number',
          );
        }
        if (kind === 'not_found' || kind === 'account_inaccessible') throw notFound('No such card.', 'card_not_found');
        // Anything else (rate limit, outage, a feature Stripe has not enabled): decided in one place.
        throw err;
      }

      // The mirror learns the card from Stripe's answer (no PIN in it, and none is ever stored).
      await indexCards(app.db, [{ card: updated, account: found.account }], writeVersion()).catch((err: unknown) =>
        request.log.warn({ err, cardId: found.card.id }, 'could not mirror the card'),
      );
      request.log.info(
        { cardId: found.card.id, account: found.account, kid: check.kid, stepUpMethod },
        'card PIN changed',
      );
      // That a PIN was set, by whom and after which second-factor check: never the PIN or its JWE.
      await auditAction(app.db, request, {
        kind: 'card.pin_set',
        accountId: found.account,
        cardId: found.card.id,
        details: { second_factor_method: stepUpMethod },
      });
      return { ok: true as const };
    },
  );
};

export default cardPin;
