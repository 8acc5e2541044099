// `npm run build`: the client (Vite, into dist/client) and the server (tsc, into dist/server).
import { forceClientBuild } from './client-build.mjs';
import { buildServer } from './server-build.mjs';

await forceClientBuild();
buildServer();
console.log('Built dist/client and dist/server. `npm start` runs the compiled server.');
