import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody } from '../../../shared/api.ts';
import { OverviewQuery, OverviewResponse } from '../../../shared/overview.ts';
import { canBrowse, scopeFor } from '../../domain/access.ts';
import { buildOverview } from '../../domain/overview.ts';
import { forbidden } from '../../errors.ts';

/** As GET /api/mirror/status when the config names none. */
const STALE_SECONDS = 600;

/**
 * GET /api/overview: spend, declines, limits nearly used, lost cards, accounts needing attention,
 * sensitive events, users without a second factor and the health of webhooks and the mirror, over
 * the accounts the user browses (server/domain/overview.ts). From the app's own data: no Stripe
 * call. Roles without `viewOverview` (lookup-only support agents) are refused by the route guard.
 */
const overview: FastifyPluginAsync = async (app) => {
  const upSince = new Date();
  app.get(
    '/overview',
    { schema: { querystring: OverviewQuery, response: { 200: OverviewResponse, 400: ErrorBody, 403: ErrorBody } } },
    async (request, reply) => {
      const scope = await scopeFor(app.db, request.user!);
      // Should a policy grant the overview to a lookup-only role, it still browses no account.
      if (!canBrowse(scope))
        throw forbidden(
          'The overview covers accounts your role does not browse: find a card instead.',
          'overview_not_for_role',
        );
      void reply.header('cache-control', 'no-store');
      return buildOverview({
        db: app.db,
        user: request.user!,
        scope,
        now: Math.floor(Date.now() / 1000),
        freshness: { staleSeconds: app.config.mirror?.staleSeconds ?? STALE_SECONDS, upSince },
      });
    },
  );
};

export default overview;
