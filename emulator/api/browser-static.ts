// The browser stand-ins (emulator/browser/public, built by the browser work) served at the paths
// the official loaders and the app's page use (docs/architecture.md): connect.js, stripe.js and the
// iframe pages. CORS is open (set for the whole emulator in app.ts). A file that does not exist
// yet is a 404, never a crash.
//
// Caching, as Stripe's own assets are cached: the loader scripts live at fixed URLs the page names,
// so browsers revalidate them; a frame page is cached briefly (a page that mounts several Issuing
// Elements loads the same page several times), and the scripts it names carry a content hash
// (`?v=…`), so they are cached for good and a changed script gets a new URL.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { join, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';

export const BROWSER_PUBLIC_DIR = fileURLToPath(new URL('../browser/public/', import.meta.url));

export const LOADER_CACHE_CONTROL = 'no-cache';
export const FRAME_PAGE_CACHE_CONTROL = 'public, max-age=60';
export const VERSIONED_ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

/** Content hashes of files, recomputed only when a file's mtime changes (the scripts change while developing). */
class ContentVersions {
  private readonly known = new Map<string, { mtimeMs: number; size: number; version: string; body: Buffer }>();

  read(file: string): { version: string; body: Buffer } | null {
    let stat;
    try {
      stat = statSync(file);
    } catch {
      return null;
    }
    if (!stat.isFile()) return null;
    const cached = this.known.get(file);
    if (cached && cached.mtimeMs === stat.mtimeMs && cached.size === stat.size) return cached;
    const body = readFileSync(file);
    const entry = { mtimeMs: stat.mtimeMs, size: stat.size, version: createHash('sha256').update(body).digest('hex').slice(0, 16), body };
    this.known.set(file, entry);
    return entry;
  }
}

/** `<script src="name.js">` of a frame page → `name.js?v=<hash>`, for scripts beside the page. */
function versionScripts(html: string, dir: string, versions: ContentVersions): string {
  return html.replace(/(<script\s+src=")([\w.-]+\.js)(")/g, (whole, open: string, name: string, close: string) => {
    const script = versions.read(join(dir, name));
    return script ? `${open}${name}?v=${script.version}${close}` : whole;
  });
}

export async function registerBrowserStatic(app: FastifyInstance, root = BROWSER_PUBLIC_DIR): Promise<void> {
  // `serve: false`: only the routes below expose files; @fastify/static supplies content types,
  // ETags and path-traversal protection.
  await app.register(fastifyStatic, { root, serve: false });
  const framesDir = resolve(root, 'frames');
  const versions = new ContentVersions();

  const send = (reply: FastifyReply, file: string, cacheControl: string) =>
    reply.header('cache-control', cacheControl).sendFile(file, root, { cacheControl: false });
  const sendLoader = async (reply: FastifyReply, file: string) => {
    if (!existsSync(join(root, file))) return reply.callNotFound();
    // The app's page names these at fixed URLs: revalidate (ETag) on every load.
    return send(reply, file, LOADER_CACHE_CONTROL);
  };

  const sendFramePage = (request: FastifyRequest, reply: FastifyReply, rest: string) => {
    const file = resolve(framesDir, rest);
    const page = file.startsWith(framesDir + sep) ? versions.read(file) : null;
    if (!page) return reply.callNotFound();
    const html = versionScripts(page.body.toString('utf8'), framesDir, versions);
    const etag = `"${createHash('sha256').update(html).digest('hex').slice(0, 24)}"`;
    // An origin-keyed agent cluster: Chromium then runs the emulator's frames in a process of
    // their own, as it runs Stripe's (a different site). Otherwise, the app and the emulator both
    // being on localhost, the frames would share, and hold up, the app page's main thread.
    reply.header('cache-control', FRAME_PAGE_CACHE_CONTROL).header('etag', etag).header('origin-agent-cluster', '?1');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(html);
  };

  app.get('/v1.0/connect.js', (_request, reply) => sendLoader(reply, 'connect.js'));
  app.get('/v3', (_request, reply) => sendLoader(reply, 'stripe.js'));
  app.get('/v3/', (_request, reply) => sendLoader(reply, 'stripe.js'));
  app.get('/v3/stripe.js', (_request, reply) => sendLoader(reply, 'stripe.js'));
  app.get('/_emulator/frames/*', (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    if (rest.endsWith('.html')) return sendFramePage(request, reply, rest);
    // A script named with the hash of its current content never changes; anything else revalidates.
    const wanted = (request.query as { v?: unknown }).v;
    const file = resolve(framesDir, rest);
    const current = typeof wanted === 'string' && file.startsWith(framesDir + sep) ? versions.read(file) : null;
    const fresh = current !== null && current.version === wanted;
    return send(reply, `frames/${rest}`, fresh ? VERSIONED_ASSET_CACHE_CONTROL : 'no-cache');
  });
}
