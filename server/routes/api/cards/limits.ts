import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, ErrorBody } from '../../../../shared/api.ts';
import { LimitsResponse } from '../../../../shared/authorizations-api.ts';
import { spendSourceFor } from '../../../domain/authorization-views.ts';
import { cardholderOf, remainingLimits } from '../../../domain/spending-usage.ts';
import { cardInScope } from '../in-scope.ts';

/** GET /api/cards/:id/limits: what the card may still spend under each of its and its cardholder's limits. */
const cardLimits: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/cards/:id/limits',
    {
      schema: { params: CardParams, response: { 200: LimitsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } },
    },
    async (request) => {
      const { card, account } = await cardInScope(app, request, request.params.id);
      const now = Math.floor(Date.now() / 1000);
      const holder = cardholderOf(card);
      return {
        card: card.id,
        account,
        currency: card.currency,
        cardholder: {
          id: holder?.id ?? (typeof card.cardholder === 'string' ? card.cardholder : card.cardholder.id),
          name: holder?.name ?? '',
        },
        as_of: now,
        limits: await remainingLimits(await spendSourceFor(app, account), card, now),
      };
    },
  );
};

export default cardLimits;
