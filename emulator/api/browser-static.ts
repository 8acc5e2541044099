// The browser stand-ins (emulator/browser/public, built by the browser work) served at the paths
// the official loaders and the app's page use (docs/architecture.md): connect.js, stripe.js and the
// iframe pages. CORS is open (set for the whole emulator in app.ts). A file that does not exist
// yet is a 404, never a crash.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance, FastifyReply } from 'fastify';

export const BROWSER_PUBLIC_DIR = fileURLToPath(new URL('../browser/public/', import.meta.url));

export async function registerBrowserStatic(app: FastifyInstance, root = BROWSER_PUBLIC_DIR): Promise<void> {
  // `serve: false`: only the routes below expose files; @fastify/static supplies content types,
  // ETags and path-traversal protection.
  await app.register(fastifyStatic, { root, serve: false });

  const send = (reply: FastifyReply, file: string) => {
    // The emulator's scripts change while developing; make browsers revalidate.
    return reply.header('cache-control', 'no-cache').sendFile(file, root);
  };
  const sendIfExists = async (reply: FastifyReply, file: string) => {
    if (!existsSync(join(root, file))) return reply.callNotFound();
    return send(reply, file);
  };

  app.get('/v1.0/connect.js', (_request, reply) => sendIfExists(reply, 'connect.js'));
  app.get('/v3', (_request, reply) => sendIfExists(reply, 'stripe.js'));
  app.get('/v3/', (_request, reply) => sendIfExists(reply, 'stripe.js'));
  app.get('/v3/stripe.js', (_request, reply) => sendIfExists(reply, 'stripe.js'));
  app.get('/_emulator/frames/*', (request, reply) => {
    const rest = (request.params as { '*': string })['*'];
    return send(reply, `frames/${rest}`);
  });
}
