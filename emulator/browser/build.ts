// Builds the browser stand-ins: the TypeScript modules under src/ bundled by esbuild (one IIFE
// script per entry, browser target) to the URLs the official loaders and the frame pages name,
// plus the static frame pages of public/. The emulator builds them in memory at start
// (api/browser-static.ts); `npm run build` writes them beside the compiled emulator
// (`tsx emulator/browser/build.ts <dir>`), for a deployment without the sources.
import { existsSync, mkdirSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const here = dirname(fileURLToPath(import.meta.url));
export const BROWSER_SOURCE_DIR = join(here, 'src');
export const BROWSER_STATIC_DIR = join(here, 'public');

/** Served path (under the browser root) → entry module. */
export const BROWSER_ENTRIES: Readonly<Record<string, string>> = {
  'connect.js': 'connect/index.ts',
  'stripe.js': 'stripe/index.ts',
  'frames/card-details.js': 'frames/card-details.ts',
  'frames/controller.js': 'frames/controller.ts',
  'frames/issuing-element.js': 'frames/issuing-element.ts',
  'frames/payment-element.js': 'frames/payment-element.ts',
  'frames/three-ds.js': 'frames/three-ds.ts',
};

/** Every file of the browser root: bundled scripts and the static pages, by relative path. */
export async function buildBrowserFiles(): Promise<Map<string, Buffer>> {
  const { build } = await import('esbuild');
  const files = new Map<string, Buffer>();
  for (const file of walk(BROWSER_STATIC_DIR))
    files.set(relative(BROWSER_STATIC_DIR, file).split('\\').join('/'), readFileSync(file));
  const result = await build({
    entryPoints: Object.entries(BROWSER_ENTRIES).map(([out, entry]) => ({
      in: join(BROWSER_SOURCE_DIR, entry),
      out: out.replace(/\.js$/, ''),
    })),
    outdir: '/virtual',
    bundle: true,
    write: false,
    format: 'iife',
    platform: 'browser',
    target: ['chrome120', 'firefox120', 'safari17'],
    charset: 'utf8',
    legalComments: 'none',
    logLevel: 'silent',
  });
  for (const output of result.outputFiles)
    files.set(relative('/virtual', output.path).split('\\').join('/'), Buffer.from(output.contents));
  return files;
}

function* walk(dir: string): Generator<string> {
  if (!existsSync(dir)) return;
  for (const entry of readdirSync(dir)) {
    const path = join(dir, entry);
    if (statSync(path).isDirectory()) yield* walk(path);
    else yield path;
  }
}

/** Writes the built files under `dir`. */
export async function writeBrowserFiles(dir: string): Promise<void> {
  for (const [path, body] of await buildBrowserFiles()) {
    const target = join(dir, path);
    mkdirSync(dirname(target), { recursive: true });
    writeFileSync(target, body);
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const dir = process.argv[2];
  if (!dir) {
    console.error('usage: tsx emulator/browser/build.ts <output directory>');
    process.exit(2);
  }
  await writeBrowserFiles(dir);
}
