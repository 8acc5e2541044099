// Enforces the layout's import boundaries (docs/architecture.md): client/ and server/ import
// shared/, never each other; shared/ imports neither; only server/main.ts (the one place that
// chooses the mode) imports the emulator. Exits non-zero naming each offending import.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const forbidden = {
  client: ['server', 'emulator'],
  shared: ['server', 'client', 'emulator'],
  server: ['client', 'emulator'],
  emulator: ['server', 'client'],
};
const allowed = new Set(['server/main.ts']);
const importPattern = /(?:import|export)\s[^'"]*?from\s*['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/g;

function* files(dir) {
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* files(path);
    else if (/\.(ts|tsx|mts)$/.test(entry)) yield path;
  }
}

const problems = [];
for (const [area, banned] of Object.entries(forbidden)) {
  let areaFiles;
  try { areaFiles = [...files(join(root, area))]; } catch { continue; }
  for (const file of areaFiles) {
    const rel = relative(root, file);
    if (allowed.has(rel)) continue;
    for (const match of readFileSync(file, 'utf8').matchAll(importPattern)) {
      const spec = match[1] ?? match[2];
      if (!spec?.startsWith('.')) continue;
      const target = relative(root, resolve(dirname(file), spec)).split('/')[0];
      if (banned.includes(target)) problems.push(`${rel} imports ${spec} (${area}/ may not import ${target}/)`);
    }
  }
}
if (problems.length) {
  console.error(problems.join('\n'));
  process.exit(1);
}
console.log('import boundaries: ok');
