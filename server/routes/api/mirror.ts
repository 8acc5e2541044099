import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody } from '../../../shared/api.ts';
import { MirrorStatusQuery, MirrorStatusResponse } from '../../../shared/mirror-api.ts';
import { mirrorStatus } from '../../db/mirror.ts';
import { mirrorFreshness } from '../../domain/mirror-freshness.ts';

/** Defaults when the config names none (as the mirror plugin's). */
const STALE_SECONDS = 600;

// GET /api/mirror/status: how fresh the pages' data is and whether Stripe answers, for the banner
// every signed-in page shows (decision 152). One row read, no Stripe call.
const mirrorStatusRoute: FastifyPluginAsync = async (app) => {
  const upSince = new Date();
  app.get(
    '/mirror/status',
    { schema: { querystring: MirrorStatusQuery, response: { 200: MirrorStatusResponse, 400: ErrorBody } } },
    async (_request, reply) => {
      void reply.header('cache-control', 'no-store');
      return mirrorFreshness(await mirrorStatus(app.db), {
        now: new Date(),
        staleSeconds: app.config.mirror?.staleSeconds ?? STALE_SECONDS,
        upSince,
      });
    },
  );
};

export default mirrorStatusRoute;
