import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, CardSummary, CardsQuery, CardsResponse, ErrorBody } from '../../../shared/api.ts';
import { listConnectedAccounts } from '../../domain/accounts.ts';
import { canBrowse, canReachAccount, scopeFor } from '../../domain/access.ts';
import { findCard, searchCards, toCardSummary } from '../../domain/cards.ts';
import { badRequest, forbidden, notFound } from '../../errors.ts';

const cards: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/cards',
    { schema: { querystring: CardsQuery, response: { 200: CardsResponse, 400: ErrorBody, 403: ErrorBody } } },
    async (request) => {
      const { account, limit = 25, starting_after, ...filters } = request.query;
      const scope = await scopeFor(app.db, request.user!);
      const lookupTerm = filters.q?.trim() || filters.last4 || filters.cardholder;
      if (!canBrowse(scope) && !lookupTerm) {
        throw badRequest('Look a card up by card id, last4 or cardholder name or email.', 'q');
      }

      let accounts: string[];
      if (account) {
        if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
        accounts = [account];
      } else if (scope.kind === 'memberships') {
        accounts = scope.memberships;
      } else {
        accounts = (await listConnectedAccounts(app.stripe)).map((a) => a.id);
      }

      const result = await searchCards(app.stripe, accounts, filters, { limit, startingAfter: starting_after });
      return { data: result.data.map(toCardSummary), has_more: result.hasMore };
    },
  );

  app.get(
    '/cards/:id',
    { schema: { params: CardParams, response: { 200: CardSummary, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const scope = await scopeFor(app.db, request.user!);
      const accounts = (await listConnectedAccounts(app.stripe)).map((a) => a.id);
      const found = await findCard(app.stripe, request.params.id, accounts);
      if (!found) throw notFound('No such card.', 'card_not_found');
      if (!canReachAccount(scope, found.account)) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      return toCardSummary(found);
    },
  );
};

export default cards;
