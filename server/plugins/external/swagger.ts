// The OpenAPI description of the app's own API, generated from the routes' TypeBox schemas by
// @fastify/swagger, and Swagger UI at /docs (the raw document at /docs/json and /docs/yaml).
// Two plugins because of the route guard (server/plugins/app/route-guard.ts):
// - `openApi` is registered before the guard and before any route: its onRoute hook collects
//   every route's schema and marks the documentation pages as public GET pages (like the
//   client's), so the guard, whose hook runs after it, lets them through;
// - `docsUi` (default) is registered with the routes, after the guard exists.
// Only routes listed in shared/route-table.ts are documented: the rest are pages and assets.
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import fp from 'fastify-plugin';
import { findRoute } from '../../../shared/route-table.ts';
import { SESSION_COOKIE } from '../../../shared/constants.ts';

export const DOCS_PREFIX = '/docs';

export const openApi = fp(
  async (app) => {
    app.addHook('onRoute', (route) => {
      const isDocs = route.url === DOCS_PREFIX || route.url.startsWith(`${DOCS_PREFIX}/`);
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (isDocs && methods.every((m) => m === 'GET' || m === 'HEAD')) {
        route.config = { ...(route.config ?? {}), clientAsset: true };
      }
    });

    await app.register(swagger, {
      openapi: {
        openapi: '3.0.3',
        info: {
          title: 'Connect Issuing Dashboard API',
          version: '1',
          description:
            "The app server's own HTTP API (not Stripe's). Sessions are a cookie set by POST /api/session; " +
            "state-changing requests must carry an Origin equal to the app's public URL. " +
            'Who may call what is decided by shared/route-table.ts and shared/policy.ts.',
        },
        components: {
          securitySchemes: { session: { type: 'apiKey', in: 'cookie', name: SESSION_COOKIE } },
        },
      },
      transform: ({ schema, url, route }) => {
        const methods = Array.isArray(route.method) ? route.method : [route.method];
        const entry = methods.map((m) => findRoute(m, route.url)).find((e) => e !== undefined);
        if (!entry) return { schema: { ...schema, hide: true }, url };
        const security = entry.rule === 'public' ? [] : [{ session: [] }];
        const rule =
          entry.rule === 'public'
            ? 'public'
            : entry.rule === 'authenticated'
              ? 'any signed-in user'
              : `permission ${entry.rule}`;
        return {
          schema: {
            ...schema,
            security,
            description: [schema?.description, `Access: ${rule}.`].filter(Boolean).join(' '),
          },
          url,
        };
      },
    });
  },
  { name: 'openapi', dependencies: ['config'] },
);

export default fp(
  async (app) => {
    await app.register(swaggerUi, { routePrefix: DOCS_PREFIX, staticCSP: false });
  },
  { name: 'docs-ui', dependencies: ['openapi', 'route-guard'] },
);
