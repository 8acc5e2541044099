import { existsSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import fp from 'fastify-plugin';
import { notFound } from '../../errors.ts';

/** The folder holding package.json above `from`: the same from the sources and from dist/server. */
function projectRoot(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) return from;
  }
}

export const DEFAULT_CLIENT_DIR = path.join(
  projectRoot(fileURLToPath(new URL('.', import.meta.url))),
  'dist',
  'client',
);

/**
 * In emulator mode the page loads the emulator's Connect.js and Stripe.js stand-ins before the
 * app's bundle, so that @stripe/connect-js and @stripe/stripe-js find `window.StripeConnect` and
 * `window.Stripe` already defined and use them (docs/architecture.md).
 */
export function injectEmulatorScripts(html: string, emulatorUrl: string): string {
  const tags =
    `<script src="${emulatorUrl}/v1.0/connect.js"></script>\n` +
    `    <script src="${emulatorUrl}/v3/stripe.js"></script>\n    `;
  const head = html.search(/<\/head>/i);
  const firstModule = html.search(/<script\b[^>]*type=["']?module/i);
  const at = firstModule !== -1 && (head === -1 || firstModule < head) ? firstModule : head;
  return at === -1 ? tags + html : html.slice(0, at) + tags + html.slice(at);
}

const NOT_BUILT = `<!doctype html><meta charset="utf-8"><title>Client not built</title>
<p>The dashboard's client has not been built. Run <code>npm run build</code>, then restart the server.</p>`;

/**
 * Serves the built client (dist/client): hashed assets cached for a year, any other GET outside
 * /api answered with index.html (the SPA's router takes it from there), never cached.
 */
export default fp<{ clientDir?: string }>(
  async (app, opts) => {
    const root = path.resolve(opts.clientDir ?? DEFAULT_CLIENT_DIR);
    const indexFile = path.join(root, 'index.html');
    const built = existsSync(indexFile);
    if (built) await app.register(fastifyStatic, { root, serve: false });

    let indexHtml: string | undefined;
    const page = () => {
      if (indexHtml === undefined) {
        const html = readFileSync(indexFile, 'utf8');
        indexHtml = app.config.emulator ? injectEmulatorScripts(html, app.config.emulator.publicUrl) : html;
      }
      return indexHtml;
    };

    app.get('/*', { config: { clientAsset: true } }, async (request, reply) => {
      const pathname = decodeURIComponent(request.url.split('?')[0] ?? '/');
      if (pathname === '/api' || pathname.startsWith('/api/') || pathname.startsWith('/webhooks/')) {
        throw notFound(`No route for GET ${pathname}.`);
      }
      if (!built)
        return reply.code(503).type('text/html; charset=utf-8').header('cache-control', 'no-store').send(NOT_BUILT);

      const file = path.resolve(root, `.${pathname}`);
      const inside = file.startsWith(root + path.sep);
      const isFile = inside && pathname !== '/index.html' && existsSync(file) && statSync(file).isFile();
      if (isFile) {
        // Vite puts content-hashed files under /assets/: they never change, so cache them for good.
        const cache = pathname.startsWith('/assets/') ? 'public, max-age=31536000, immutable' : 'no-cache';
        return reply.header('cache-control', cache).sendFile(path.relative(root, file), { cacheControl: false });
      }
      if (pathname.startsWith('/assets/')) throw notFound(`No asset ${pathname}.`);
      return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(page());
    });
  },
  { name: 'client', dependencies: ['config', 'route-guard'] },
);
