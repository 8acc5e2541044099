import fp from 'fastify-plugin';
import { StreamAccessWatch } from '../../domain/stream-access.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Open event streams by session, re-checked until their access ends (server/domain/stream-access.ts). */
    streamAccess: StreamAccessWatch;
  }
}

/**
 * Requests after which an open stream's access may have ended on this instance: sign-out,
 * security changes (password, sessions), user administration, and a single sign-on callback
 * (a GET that maps claims to role and memberships). Their success re-checks every open stream at
 * once, so a sign-out here ends its streams without waiting for the periodic check (which covers
 * changes made through other instances and the console).
 */
const ACCESS_CHANGING = /^\/api\/(sessions?|security|users|invitations|me)(\/|\?|$)/;
const ACCESS_CHANGING_GET = /^\/api\/oidc\/callback(\?|$)/;

export default fp(
  async (app) => {
    const watch = new StreamAccessWatch(app.db, (error) =>
      app.log.warn({ err: error }, 'event stream access check failed; ending its streams'),
    );
    app.decorate('streamAccess', watch);
    app.addHook('onResponse', async (request, reply) => {
      if (reply.statusCode >= 400 || watch.size() === 0) return;
      const reading = request.method === 'GET' || request.method === 'HEAD';
      if (reading ? ACCESS_CHANGING_GET.test(request.url) : ACCESS_CHANGING.test(request.url)) void watch.checkAll();
    });
  },
  { name: 'stream-access', dependencies: ['db'] },
);
