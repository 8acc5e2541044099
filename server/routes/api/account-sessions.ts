import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AccountSessionBody, AccountSessionResponse, ErrorBody } from '../../../shared/api.ts';
import { policyFor, type AccountSessionComponents } from '../../../shared/policy.ts';
import { canReachAccount, scopeFor } from '../../domain/access.ts';
import { auditAction } from '../../domain/audit.ts';
import { recordAccountSession } from '../../db/reveal-audit.ts';
import { isNotOnAccount, stripeFailure } from '../../domain/stripe-errors.ts';
import { forbidden, notFound } from '../../errors.ts';

/** Each enabled component's features, as the Account Session asked Stripe for them. */
function componentFeatures(components: AccountSessionComponents): Record<string, Record<string, boolean>> {
  return Object.fromEntries(
    (Object.entries(components) as [string, { enabled: boolean; features: Record<string, boolean> }][])
      .filter(([, component]) => component.enabled)
      .map(([name, component]) => [name, { ...component.features }]),
  );
}

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
      // The components and their features come from the policy only (derived from the role's
      // permissions, shared/policy.ts): Stripe then enforces them inside the embedded components.
      // A role without embedded components is refused by the route guard already.
      const components = policyFor(user.role).accountSession;
      if (!components) throw forbidden('Your role does not use the embedded components.', 'not_permitted');
      const { account } = request.body;
      const scope = await scopeFor(app.db, user);
      if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');

      let session;
      try {
        session = await app.stripe.accountSessions.create({ account, components });
      } catch (error) {
        if (isNotOnAccount(error) || stripeFailure(error)?.field === 'account') {
          throw notFound('No such connected account.', 'account_not_found');
        }
        throw error;
      }
      // The components' keys are made only for accounts this app session opened them on
      // (docs/decisions/062): recorded before the client secret leaves, so the first card the
      // components load finds it.
      await recordAccountSession(app.db, user.sessionId, account);
      // Who had the embedded components open on this account, and each component's features (the
      // card page's single card and the account page's cards list differ: decision 158): changes
      // made inside them reach us only as Stripe events, attributed through this row
      // (server/domain/component-changes.ts). Never the client secret.
      await auditAction(app.db, request, {
        kind: 'account_session.created',
        accountId: account,
        details: { expires_at: session.expires_at, components: componentFeatures(components) },
      });
      // The client secret is a credential for this account: never cached anywhere.
      reply.header('cache-control', 'no-store');
      return { client_secret: session.client_secret, expires_at: session.expires_at };
    },
  );
};

export default accountSessions;
