import type { FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import type { Config } from '../../config.ts';
import { forbidden } from '../../errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const LOOPBACK = ['localhost', '127.0.0.1', '[::1]'];

/**
 * The origins the dashboard page may be opened on: PUBLIC_URL; each of ALLOWED_ORIGINS; and, when
 * PUBLIC_URL names this machine (localhost, 127.0.0.1, [::1]), every spelling of it with the same
 * scheme and port: a newcomer who types http://127.0.0.1:3000 gets the same page as one on
 * http://localhost:3000, and no other site can be reached under those names.
 */
export function trustedOrigins(config: Pick<Config, 'publicUrl' | 'allowedOrigins'>): Set<string> {
  const origins = new Set([config.publicUrl, ...config.allowedOrigins]);
  const url = new URL(config.publicUrl);
  if (LOOPBACK.includes(url.hostname)) {
    for (const host of LOOPBACK) origins.add(`${url.protocol}//${host}${url.port ? `:${url.port}` : ''}`);
  }
  return origins;
}

/**
 * The origin the request was made to, when that is safe to trust: the Host header is exactly the
 * address this server listens on (HOST:PORT, a literal address rather than a wildcard). A page
 * served under another name pointing here (DNS rebinding) carries that name in Host, not this.
 */
function listeningOrigin(config: Pick<Config, 'host' | 'port'>, request: FastifyRequest): string | undefined {
  if (config.host === '0.0.0.0' || config.host === '::') return undefined;
  const bound = config.host.includes(':') ? `[${config.host}]:${config.port}` : `${config.host}:${config.port}`;
  return request.headers.host === bound ? `http://${bound}` : undefined;
}

/**
 * CSRF defence on top of the SameSite=Strict cookie: a state-changing request must come from
 * our own page, i.e. carry an `Origin` the page may be opened on (trustedOrigins, or the address
 * the server listens on), or no Origin but `Sec-Fetch-Site: same-origin` (docs/architecture.md).
 * The refusal says which address to use. Stripe's webhooks are signed instead and are not
 * browser requests.
 */
export default fp(
  async (app) => {
    const trusted = trustedOrigins(app.config);
    app.addHook('onRequest', async (request) => {
      if (SAFE_METHODS.has(request.method) || request.url.startsWith('/webhooks/')) return;
      const origin = request.headers.origin;
      if (
        origin === undefined
          ? request.headers['sec-fetch-site'] === 'same-origin'
          : trusted.has(origin) || origin === listeningOrigin(app.config, request)
      )
        return;
      throw forbidden(
        `This request must come from the dashboard page itself. Open the dashboard at ${app.config.publicUrl} and try again.`,
        'csrf_rejected',
      );
    });
  },
  { name: 'origin-check', dependencies: ['config'] },
);
