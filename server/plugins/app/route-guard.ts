import type { FastifyRequest, FastifySchema } from 'fastify';
import fp from 'fastify-plugin';
import { can } from '../../../shared/policy.ts';
import { findRoute, type RouteEntry } from '../../../shared/route-table.ts';
import { forbidden, unauthenticated } from '../../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * The validation schemas of every route in the table, by `METHOD /path`: the security tests
     * generate hostile input from them and check that every body refuses unknown fields.
     */
    routeSchemas: Map<string, FastifySchema | undefined>;
  }
  interface FastifyContextConfig {
    /** Set from shared/route-table.ts when the route is registered. */
    routeEntry?: RouteEntry;
    /** Pages and assets of the client (GET only), which need no rule. */
    clientAsset?: boolean;
    /** Required on routes marked `auditDenied`: records the guard's refusals. */
    onGuardDenied?: (request: FastifyRequest, denyReason: string) => Promise<void>;
  }
}

/**
 * The single guard of the API. Every route must appear in shared/route-table.ts: registering one
 * that does not stops the app at start. Each request is then checked against its rule before
 * validation, so an unauthorized caller learns nothing from validation errors.
 */
export default fp(
  async (app) => {
    const routeSchemas = new Map<string, FastifySchema | undefined>();
    app.decorate('routeSchemas', routeSchemas);
    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      for (const method of methods) {
        // Fastify answers HEAD for every GET route (exposeHeadRoutes) by running the GET's handler:
        // it is guarded by the GET's rule, never by none. Any other method (OPTIONS included)
        // needs its own entry in the table.
        const ruleMethod = method === 'HEAD' ? 'GET' : method;
        const entry = findRoute(ruleMethod, route.url);
        if (entry) {
          if (entry.auditDenied && typeof route.config?.onGuardDenied !== 'function') {
            throw new Error(`Route ${method} ${route.url} must audit refusals (config.onGuardDenied)`);
          }
          route.config = { ...(route.config ?? {}), routeEntry: entry };
          if (method !== 'HEAD') routeSchemas.set(`${method} ${route.url}`, route.schema);
          continue;
        }
        const isClientAsset =
          (method === 'GET' || method === 'HEAD') &&
          route.config?.clientAsset === true &&
          !route.url.startsWith('/api');
        if (!isClientAsset) {
          throw new Error(`Route ${method} ${route.url} has no rule in shared/route-table.ts`);
        }
      }
    });

    app.addHook('preValidation', async (request) => {
      const config = request.routeOptions.config;
      const entry = config.routeEntry;
      if (!entry) {
        // Pages and assets of the client, and the not-found answer, need no rule. Anything else
        // without one cannot have been registered (see onRoute above); refuse rather than trust.
        if (config.clientAsset === true || request.is404) return;
        throw forbidden('This route has no access rule.');
      }
      if (entry.rule === 'public') return;
      if (!request.user) throw unauthenticated();
      // A replaced session in its rotation grace serves requests in flight, not these (decision 146).
      if (entry.currentSessionOnly && request.user.retired)
        throw unauthenticated('This session was replaced: sign in again.');
      if (entry.rule === 'authenticated' || can(request.user.role, entry.rule)) return;
      const onDenied = config.onGuardDenied;
      if (entry.auditDenied && onDenied) await onDenied(request, `role_lacks_${entry.rule}`);
      throw forbidden('Your role does not allow this.');
    });
  },
  { name: 'route-guard', dependencies: ['auth'] },
);
