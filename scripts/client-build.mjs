// Builds the client with Vite when dist/client is missing or older than its sources, so that
// `npm start` and the end-to-end tests always serve the client that matches the code.
import { existsSync, statSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './newest-mtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const builtIndex = join(root, 'dist/client/index.html');
const sources = ['client', 'shared', 'vite.config.ts', 'package-lock.json'];

export function clientIsStale() {
  if (!existsSync(builtIndex)) return true;
  const builtAt = statSync(builtIndex).mtimeMs;
  return sources.some((source) => newestMtime(join(root, source)) > builtAt);
}

export async function ensureClientBuilt({ quiet = false } = {}) {
  if (!clientIsStale()) return false;
  await forceClientBuild({ quiet });
  return true;
}

export async function forceClientBuild({ quiet = false } = {}) {
  if (!quiet) console.log('Building the client (dist/client)…');
  const { build } = await import('vite');
  // Always a production build, whoever calls: under vitest NODE_ENV is 'test', which would
  // make React's JSX plugin emit its development runtime into the bundle `npm start` serves.
  const callerNodeEnv = process.env.NODE_ENV;
  process.env.NODE_ENV = 'production';
  try {
    await build({ configFile: join(root, 'vite.config.ts'), mode: 'production', logLevel: quiet ? 'warn' : 'info' });
  } finally {
    if (callerNodeEnv === undefined) delete process.env.NODE_ENV;
    else process.env.NODE_ENV = callerNodeEnv;
  }
}
