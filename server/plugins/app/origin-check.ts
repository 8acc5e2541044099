import fp from 'fastify-plugin';
import { forbidden } from '../../errors.ts';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/**
 * CSRF defence on top of the SameSite=Strict cookie: a state-changing request must come from
 * our own page, i.e. carry `Origin: PUBLIC_URL`, or no Origin but `Sec-Fetch-Site: same-origin`
 * (docs/architecture.md). Stripe's webhooks are signed instead and are not browser requests.
 */
export default fp(async (app) => {
  const expected = app.config.publicUrl;
  app.addHook('onRequest', async (request) => {
    if (SAFE_METHODS.has(request.method) || request.url.startsWith('/webhooks/')) return;
    const origin = request.headers.origin;
    if (origin !== undefined ? origin === expected : request.headers['sec-fetch-site'] === 'same-origin') return;
    throw forbidden('This request must come from the dashboard page itself.', 'csrf_rejected');
  });
}, { name: 'origin-check', dependencies: ['config'] });
