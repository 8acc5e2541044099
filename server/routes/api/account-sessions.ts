import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AccountSessionBody, AccountSessionResponse, ErrorBody } from '../../../shared/api.ts';
import { policyFor } from '../../../shared/policy.ts';
import { canReachAccount, scopeFor } from '../../domain/access.ts';
import { isNotOnAccount, stripeFailure } from '../../domain/stripe-errors.ts';
import { forbidden, notFound } from '../../errors.ts';

const accountSessions: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/account-sessions',
    {
      schema: {
        body: AccountSessionBody,
        response: { 200: AccountSessionResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      const user = request.user!;
      const { account } = request.body;
      const scope = await scopeFor(app.db, user);
      if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');

      // The components and their features come from the policy only: Stripe then enforces them
      // inside the embedded components.
      const components = policyFor(user.role).accountSession;
      let session;
      try {
        session = await app.stripe.accountSessions.create({ account, components });
      } catch (error) {
        if (isNotOnAccount(error) || stripeFailure(error)?.field === 'account') {
          throw notFound('No such connected account.', 'account_not_found');
        }
        throw error;
      }
      // The client secret is a credential for this account: never cached anywhere.
      reply.header('cache-control', 'no-store');
      return { client_secret: session.client_secret, expires_at: session.expires_at };
    },
  );
};

export default accountSessions;
