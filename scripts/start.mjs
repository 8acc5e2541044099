// `npm start`: builds the client if needed, then runs the server: the compiled one
// (dist/server/main.js, from `npm run build`) while it is newer than its sources, else the
// TypeScript sources through tsx. With no Stripe keys set the server also starts the emulator.
import { pathToFileURL } from 'node:url';
import { ensureClientBuilt } from './client-build.mjs';
import { serverEntry, serverIsStale } from './server-build.mjs';

await ensureClientBuilt();
if (serverIsStale()) {
  console.log(
    'Running the server from its TypeScript sources (tsx): dist/server is missing or older than them (npm run build).',
  );
  const { register } = await import('tsx/esm/api');
  register();
  await import('../server/main.ts');
} else {
  console.log('Running the compiled server (dist/server).');
  await import(pathToFileURL(serverEntry).href);
}
