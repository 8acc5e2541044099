// `npm start`: builds the client if needed, then runs the server (TypeScript through tsx) in
// this process. With no Stripe keys set the server also starts the Stripe emulator.
import { register } from 'tsx/esm/api';
import { ensureClientBuilt } from './client-build.mjs';

await ensureClientBuilt();
register();
await import('../server/main.ts');
