import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardholdersQuery, CardholdersResponse, ErrorBody } from '../../../shared/api.ts';
import { canReachAccount, scopeFor } from '../../domain/access.ts';
import { findAccount } from '../../domain/accounts.ts';
import { listCardholders } from '../../domain/card-changes.ts';
import { isNotOnAccount } from '../../domain/stripe-errors.ts';
import { forbidden, notFound } from '../../errors.ts';

/** GET /api/cardholders?account=: who can be issued a card on this account (the issue-card form). */
const cardholders: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/cardholders',
    { schema: { querystring: CardholdersQuery, response: { 200: CardholdersResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const { account } = request.query;
      const scope = await scopeFor(app.db, request.user!);
      if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
      if (!(await findAccount(app, account))) throw notFound('No such connected account.', 'account_not_found');
      try {
        return { data: await listCardholders(app, account) };
      } catch (error) {
        if (isNotOnAccount(error)) throw notFound('No such connected account.', 'account_not_found');
        throw error;
      }
    },
  );
};

export default cardholders;
