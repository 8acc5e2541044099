// The browser stand-ins (emulator/browser: TypeScript modules bundled by esbuild, and the frame
// pages) served at the paths the official loaders and the app's page use (docs/architecture.md):
// connect.js, stripe.js and the iframe pages. CORS is open (set for the whole emulator in app.ts).
// A file that does not exist is a 404, never a crash.
//
// Where the files come from: built in memory at start from emulator/browser/src when the sources
// are there (a clone: `npm start` and the tests need no build step); else the directory
// `npm run build` wrote them to (dist/emulator/browser/public); or a directory of built files
// given by the caller (`browserRoot`).
//
// Caching, as Stripe's own assets are cached: the loader scripts live at fixed URLs the page names,
// so browsers revalidate them; a frame page is cached briefly (a page that mounts several Issuing
// Elements loads the same page several times), and the scripts it names carry a content hash
// (`?v=…`), so they are cached for good and a changed script gets a new URL.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, statSync } from 'node:fs';
import { posix, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { BROWSER_SOURCE_DIR, buildBrowserFiles } from '../browser/build.ts';

/** Where `npm run build` puts the built files beside the compiled emulator (and where the static pages live in a clone). */
export const BROWSER_PUBLIC_DIR = fileURLToPath(new URL('../browser/public/', import.meta.url));

export const LOADER_CACHE_CONTROL = 'no-cache';
export const FRAME_PAGE_CACHE_CONTROL = 'public, max-age=60';
export const VERSIONED_ASSET_CACHE_CONTROL = 'public, max-age=31536000, immutable';

interface BrowserFile {
  version: string;
  body: Buffer;
}

/** The browser files by path relative to their root (`connect.js`, `frames/card-details.html`). */
interface BrowserFiles {
  read(path: string): BrowserFile | null;
}

function contentVersion(body: Buffer): string {
  return createHash('sha256').update(body).digest('hex').slice(0, 16);
}

/** `a/../../b` and absolute paths lead outside the root: no file. */
function safeRelative(path: string): string | null {
  const normal = posix.normalize(path);
  return normal.startsWith('..') || normal.startsWith('/') || normal.includes('\0') ? null : normal;
}

/** Files built in memory; their versions computed once. */
class MemoryFiles implements BrowserFiles {
  private readonly files = new Map<string, BrowserFile>();

  constructor(files: Map<string, Buffer>) {
    for (const [path, body] of files) this.files.set(path, { version: contentVersion(body), body });
  }

  read(path: string): BrowserFile | null {
    const safe = safeRelative(path);
    return safe === null ? null : (this.files.get(safe) ?? null);
  }
}

/** Files in a directory, their hashes recomputed only when a file's mtime changes. */
class DiskFiles implements BrowserFiles {
  private readonly known = new Map<string, { mtimeMs: number; size: number } & BrowserFile>();

  constructor(private readonly root: string) {}

  read(path: string): BrowserFile | null {
    const safe = safeRelative(path);
    if (safe === null) return null;
    const file = resolve(this.root, safe);
    if (!file.startsWith(resolve(this.root) + sep)) return null;
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
    const entry = { mtimeMs: stat.mtimeMs, size: stat.size, version: contentVersion(body), body };
    this.known.set(file, entry);
    return entry;
  }
}

// One build per process, shared by every emulator it starts (tests start many).
let memoryBuild: Promise<MemoryFiles> | null = null;

async function defaultFiles(): Promise<BrowserFiles> {
  if (!existsSync(BROWSER_SOURCE_DIR)) return new DiskFiles(BROWSER_PUBLIC_DIR);
  memoryBuild ??= buildBrowserFiles().then((files) => new MemoryFiles(files));
  return memoryBuild;
}

/** `<script src="name.js">` of a frame page → `name.js?v=<hash>`, for scripts beside the page. */
function versionScripts(html: string, files: BrowserFiles): string {
  return html.replace(/(<script\s+src=")([\w.-]+\.js)(")/g, (whole, open: string, name: string, close: string) => {
    const script = files.read(`frames/${name}`);
    return script ? `${open}${name}?v=${script.version}${close}` : whole;
  });
}

function contentType(path: string): string {
  if (path.endsWith('.js')) return 'application/javascript; charset=utf-8';
  if (path.endsWith('.html')) return 'text/html; charset=utf-8';
  if (path.endsWith('.css')) return 'text/css; charset=utf-8';
  return 'application/octet-stream';
}

export async function registerBrowserStatic(app: FastifyInstance, root?: string): Promise<void> {
  const files = root ? new DiskFiles(root) : await defaultFiles();

  const send = (request: FastifyRequest, reply: FastifyReply, path: string, cacheControl: string) => {
    const file = files.read(path);
    if (!file) return reply.callNotFound();
    const etag = `"${file.version}"`;
    reply.header('cache-control', cacheControl).header('etag', etag);
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type(contentType(path)).send(file.body);
  };

  const sendFramePage = (request: FastifyRequest, reply: FastifyReply, rest: string) => {
    const page = files.read(`frames/${rest}`);
    if (!page) return reply.callNotFound();
    const html = versionScripts(page.body.toString('utf8'), files);
    const etag = `"${createHash('sha256').update(html).digest('hex').slice(0, 24)}"`;
    // An origin-keyed agent cluster: Chromium then runs the emulator's frames in a process of
    // their own, as it runs Stripe's (a different site). Otherwise, the app and the emulator both
    // being on localhost, the frames would share, and hold up, the app page's main thread.
    reply.header('cache-control', FRAME_PAGE_CACHE_CONTROL).header('etag', etag).header('origin-agent-cluster', '?1');
    if (request.headers['if-none-match'] === etag) return reply.code(304).send();
    return reply.type('text/html; charset=utf-8').send(html);
  };

  // The app's page names the loaders at fixed URLs: revalidate (ETag) on every load.
  app.get('/v1.0/connect.js', (request, reply) => send(request, reply, 'connect.js', LOADER_CACHE_CONTROL));
  for (const path of ['/v3', '/v3/', '/v3/stripe.js'])
    app.get(path, (request, reply) => send(request, reply, 'stripe.js', LOADER_CACHE_CONTROL));
  app.get('/_emulator/frames/*', (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    if (rest.endsWith('.html')) return sendFramePage(request, reply, rest);
    // A script named with the hash of its current content never changes; anything else revalidates.
    const wanted = (request.query as { v?: unknown }).v;
    const current = typeof wanted === 'string' ? files.read(`frames/${rest}`) : null;
    const fresh = current !== null && current.version === wanted;
    return send(request, reply, `frames/${rest}`, fresh ? VERSIONED_ASSET_CACHE_CONTROL : 'no-cache');
  });
}
