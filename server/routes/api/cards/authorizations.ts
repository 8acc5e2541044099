import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, ErrorBody } from '../../../../shared/api.ts';
import { AuthorizationsQuery, AuthorizationsResponse } from '../../../../shared/authorizations-api.ts';
import { listAuthorizations } from '../../../domain/authorization-views.ts';
import { cardInScope } from '../in-scope.ts';

/**
 * GET /api/cards/:id/authorizations: the card's authorizations and their transactions, newest
 * first, each decline explained (docs/decisions/080-decline-explanations.md). The account's
 * list is GET /api/accounts/:account/authorizations (accounts.ts).
 */
const cardAuthorizations: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/cards/:id/authorizations',
    {
      schema: {
        params: CardParams,
        querystring: AuthorizationsQuery,
        response: { 200: AuthorizationsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const found = await cardInScope(app, request, request.params.id);
      return listAuthorizations(app, found.account, request.query, found.card);
    },
  );
};

export default cardAuthorizations;
