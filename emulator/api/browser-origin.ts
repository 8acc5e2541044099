// Secret keys stay on servers. Stripe documents secret API keys as server-only credentials
// ("Unlike publishable keys, which are safe to include in webpages and apps, secret keys must
// stay in your server environment", https://docs.stripe.com/keys-best-practices) and gives the
// browser publishable keys, ephemeral keys and client secrets instead. The emulator accepts ANY
// `sk_test_…` (it has no real secret to check), so without this rule every web page the user
// visits could call it with a made-up secret key and read every demo card's number.
//
// Whether api.stripe.com itself refuses a secret key sent from a web page is not documented
// (searched: Stripe docs, SDK sources and issues; not found). The emulator therefore refuses
// such requests outright, before they run, and without CORS permission, so a page can neither
// act with a secret key nor read the answer. Server-side callers (the SDK) send no `Origin`;
// browsers send one on every cross-origin request (and on same-origin POSTs), and the
// `Sec-Fetch-Site` header of fetch metadata where they send no Origin.
// The fault-injection controls (/_emulator/faults) are for tests on this machine: not for pages either.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { extractKey } from './auth.ts';
import { StripeApiError } from './errors.ts';

/** Whether the request was made by a web page (a browser's fetch, XHR or form), not a server. */
export function fromWebPage(request: FastifyRequest): boolean {
  const site = request.headers['sec-fetch-site'];
  return request.headers.origin !== undefined || site === 'cross-site' || site === 'same-site';
}

function usesSecretKey(request: FastifyRequest): boolean {
  const key = extractKey(request.headers.authorization);
  return key !== undefined && /^(sk|rk)_/.test(key);
}

/** Registers the rule; after the CORS plugin, whose permission header it takes back. */
export function refuseSecretKeysFromWebPages(app: FastifyInstance): void {
  app.addHook('onRequest', async (request, reply) => {
    if (request.method === 'OPTIONS' || !fromWebPage(request)) return;
    const control = request.url === '/_emulator/faults' || request.url.startsWith('/_emulator/faults?');
    if (!usesSecretKey(request) && !control) return;
    reply.removeHeader('access-control-allow-origin');
    reply.removeHeader('access-control-expose-headers');
    throw new StripeApiError(
      403,
      control
        ? "The emulator's fault controls cannot be used from a web page."
        : 'Secret API keys cannot be used from a web page: use your publishable key in the browser and keep secret keys on your server (https://docs.stripe.com/keys-best-practices).',
      { idempotent: false },
    );
  });
}
