import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type Stripe from 'stripe';
import { AccountsQuery, AccountsResponse, ErrorBody } from '../../../shared/api.ts';
import { indexedCardCounts } from '../../db/card-index.ts';
import { connectedAccounts, matchesAccountQuery, toAccountSummary } from '../../domain/accounts.ts';
import { canBrowse, scopeFor } from '../../domain/access.ts';

const accounts: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/accounts',
    { schema: { querystring: AccountsQuery, response: { 200: AccountsResponse, 400: ErrorBody } } },
    async (request) => {
      const scope = await scopeFor(app.db, request.user!);
      const q = request.query.q?.trim();
      // Lookup roles reach any account, but only by searching for it.
      if (!canBrowse(scope) && !q) return { data: [] };

      // From the mirror (no Stripe call) once the backfill has listed the accounts.
      let visible: Stripe.Account[] = await connectedAccounts(app, scope.kind === 'memberships' ? scope.memberships : undefined);
      if (q) visible = visible.filter((a) => matchesAccountQuery(a, q));
      // Accounts whose card index backfill has completed are counted in one query; the others
      // (before their first backfill) by listing their cards on Stripe.
      const counts = await indexedCardCounts(app.db, visible.map((a) => a.id));
      return { data: await Promise.all(visible.map((a) => toAccountSummary(app.stripe, a, counts.get(a.id)))) };
    },
  );
};

export default accounts;
