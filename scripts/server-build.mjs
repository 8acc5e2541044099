// Compiles the server, shared/ and the emulator to dist/ with tsc (tsconfig.build.json) and
// copies the files they read at run time (SQL migrations, the emulator's browser scripts) beside
// the compiled code. `npm start` runs dist/server/main.js only while it is newer than every
// source it came from; otherwise it runs the sources through tsx.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { newestMtime } from './newest-mtime.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
export const serverEntry = join(root, 'dist/server/main.js');
const stamp = join(root, 'dist/server/.built');
const sources = ['server', 'shared', 'emulator', 'tsconfig.json', 'tsconfig.build.json', 'package-lock.json'];
const assets = [
  ['server/db/migrations', 'dist/server/db/migrations'],
  ['emulator/api/sdk-params.json', 'dist/emulator/api/sdk-params.json'],
];

export function serverIsStale() {
  if (!existsSync(stamp) || !existsSync(serverEntry)) return true;
  const builtAt = statSync(stamp).mtimeMs;
  return sources.some((source) => newestMtime(join(root, source)) > builtAt);
}

export function buildServer({ quiet = false } = {}) {
  if (!quiet) console.log('Compiling the server (dist/server, dist/shared, dist/emulator)…');
  for (const dir of ['dist/server', 'dist/shared', 'dist/emulator'])
    rmSync(join(root, dir), { recursive: true, force: true });
  const tsc = join(root, 'node_modules/typescript-7/bin/tsc');
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { cwd: root, stdio: 'inherit' });
  for (const [from, to] of assets) cpSync(join(root, from), join(root, to), { recursive: true });
  // The emulator's browser stand-ins, bundled from their TypeScript sources (emulator/browser/build.ts).
  execFileSync(
    process.execPath,
    ['--import', 'tsx', join(root, 'emulator/browser/build.ts'), join(root, 'dist/emulator/browser/public')],
    { cwd: root, stdio: 'inherit' },
  );
  // Written last: a build that failed half way leaves no stamp, so start falls back to tsx.
  writeFileSync(stamp, `${new Date().toISOString()}\n`);
}
