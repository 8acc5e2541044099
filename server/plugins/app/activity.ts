import fp from 'fastify-plugin';
import { feedHubFromDatabase } from '../../domain/activity-fanout.ts';
import { ActivityHub } from '../../domain/activity-hub.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Live card activity (server-sent events), fed by verified webhook events of every instance. */
    activity: ActivityHub;
  }
}

// The hub hears the database's activity channel, so an event recorded by any instance reaches the
// streams open on this one (server/domain/activity-fanout.ts).
export default fp(
  async (app) => {
    const hub = new ActivityHub();
    const unlisten = await feedHubFromDatabase(app.db, hub, {
      onError: (error) =>
        app.log.warn(
          { reason: error.message },
          'live activity: the database listener lost its connection; reconnecting',
        ),
      onReconnect: () =>
        app.log.info('live activity: the database listener is back (activity in the gap was not announced)'),
      onIgnored: () => app.log.warn('live activity: a notification that is not card activity was ignored'),
    });
    app.decorate('activity', hub);
    app.addHook('onClose', async () => unlisten());
  },
  { name: 'activity', dependencies: ['db'] },
);
