import type { FastifyPluginAsync } from 'fastify';
import { HealthResponse, ReadyResponse } from '../../shared/api.ts';
import { databaseAnswers } from '../db/health.ts';

const health: FastifyPluginAsync = async (app) => {
  app.get('/healthz', { schema: { response: { 200: HealthResponse } } }, async () => ({ ok: true as const }));

  // Ready = the database answers and Stripe (or the emulator) is reachable with our key.
  app.get('/readyz', { schema: { response: { 200: ReadyResponse, 503: ReadyResponse } } }, async (request, reply) => {
    const [database, stripe] = await Promise.all([
      databaseAnswers(app.db),
      app.stripe.accounts.list({ limit: 1 }, { maxNetworkRetries: 0, timeout: 5000 }).then(
        () => true,
        (err: unknown) => {
          request.log.warn({ err }, 'stripe not reachable');
          return false;
        },
      ),
    ]);
    const ok = database && stripe;
    return reply.code(ok ? 200 : 503).send({ ok, checks: { database, stripe } });
  });
};

export default health;
