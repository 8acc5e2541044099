import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, CardSummary, CardsQuery, CardsResponse, ErrorBody } from '../../../shared/api.ts';
import { canBrowse, canReachAccount, scopeFor } from '../../domain/access.ts';
import { accountNames } from '../../domain/account-names.ts';
import { locateCard, lookupCards } from '../../domain/card-lookup.ts';
import { toCardSummary } from '../../domain/cards.ts';
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

      // null: every connected account (the scope is not limited to memberships).
      let accounts: string[] | null;
      if (account) {
        if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
        accounts = [account];
      } else if (scope.kind === 'memberships') {
        accounts = scope.memberships;
      } else {
        accounts = null;
      }

      const result = await lookupCards(app, accounts, filters, { limit, startingAfter: starting_after });
      // Names, not acct_ ids, beside each card (support agents cannot list accounts themselves).
      const names = result.data.length ? await accountNames(app.stripe, request.log) : new Map<string, string>();
      return {
        data: result.data.map((found) => ({ ...toCardSummary(found), account_name: names.get(found.account) ?? null })),
        has_more: result.hasMore,
      };
    },
  );

  app.get(
    '/cards/:id',
    { schema: { params: CardParams, response: { 200: CardSummary, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const scope = await scopeFor(app.db, request.user!);
      const located = await locateCard(app, request.params.id, { preferAccounts: scope.memberships });
      if (!located) throw notFound('No such card.', 'card_not_found');
      if (!canReachAccount(scope, located.found.account)) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      const names = await accountNames(app.stripe, request.log);
      return { ...toCardSummary(located.found), account_name: names.get(located.found.account) ?? null };
    },
  );
};

export default cards;
