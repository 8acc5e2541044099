import fp from 'fastify-plugin';

declare module 'fastify' {
  interface FastifyInstance {
    /**
     * Every method x URL the router answers, as Fastify registered it: the table's routes, the
     * HEAD route Fastify adds for each GET (exposeHeadRoutes), the client's pages and the docs.
     * The authorization matrix (test/security/authorization-matrix.test.ts) is generated from
     * this list, not from shared/route-table.ts, so that nothing the framework adds goes unprobed.
     */
    routeInventory: readonly { method: string; url: string }[];
  }
}

/** Registered before any other plugin, so that its onRoute hook sees every route. */
export default fp(
  async (app) => {
    const routes: { method: string; url: string }[] = [];
    app.decorate('routeInventory', routes);
    app.addHook('onRoute', (route) => {
      for (const method of [route.method].flat()) {
        routes.push({ method, url: route.url });
        // A plugin's `/` under a prefix is routed as `/prefix` and `/prefix/`; Fastify runs onRoute
        // for the first only (lib/route.js, prefixTrailingSlash 'both'), so the second is added here.
        const both = (route.prefixTrailingSlash ?? 'both') === 'both';
        if (both && route.prefix && route.routePath === '' && method !== 'HEAD')
          routes.push({ method, url: `${route.url}/` });
      }
    });
  },
  { name: 'route-inventory' },
);
