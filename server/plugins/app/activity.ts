import fp from 'fastify-plugin';
import { ActivityHub } from '../../domain/activity-hub.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Live card activity (server-sent events), fed by verified webhook events. */
    activity: ActivityHub;
  }
}

export default fp(async (app) => {
  app.decorate('activity', new ActivityHub());
}, { name: 'activity' });
