// Client bundle sizes from dist/client, gzipped as a server would send them: the first page
// (index.html, its eager scripts and styles, plus the sign-in route's chunk, which is what a
// visitor's first load runs) and, per lazily loaded route, what that route adds on top.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { ROOT } from './processes.ts';
import type { BenchSection } from './section.ts';

// Vite names files `name-XXXXXXXX.ext`, the hash 8 characters of [A-Za-z0-9_-].
const HASHED_JS = /-[\w-]{8}\.js$/;
const HASHED_CSS = /-[\w-]{8}\.css$/;
const chunkName = (file: string) => file.replace(HASHED_JS, '');
const gz = (buf: Buffer) => gzipSync(buf, { level: 9 }).length;
const kb = (bytes: number) => Math.round(bytes / 102.4) / 10;

export interface BundleReport {
  firstPage: { gzipKb: number; files: string[] };
  shell: { gzipKb: number };
  routes: Array<{ chunk: string; addsGzipKb: number; files: number }>;
  totalGzipKb: number;
}

export function bundleSizes(clientDir: string): BundleReport {
  const assets = join(clientDir, 'assets');
  if (!existsSync(join(clientDir, 'index.html'))) throw new Error('dist/client is not built');
  const html = readFileSync(join(clientDir, 'index.html'), 'utf8');
  const size = new Map<string, number>();
  const sizeOf = (file: string) => {
    if (!size.has(file))
      size.set(file, gz(readFileSync(file === 'index.html' ? join(clientDir, file) : join(assets, file))));
    return size.get(file)!;
  };
  const staticImports = (file: string) =>
    [...readFileSync(join(assets, file), 'utf8').matchAll(/(?:from|import)\s*["`]\.\/([\w.-]+\.js)["`]/g)].map(
      (m) => m[1]!,
    );
  const closure = (start: string, into = new Set<string>()) => {
    if (into.has(start)) return into;
    into.add(start);
    for (const dep of staticImports(start)) closure(dep, into);
    return into;
  };
  const cssOf = (chunk: string) => {
    const base = chunkName(chunk);
    return readdirSync(assets).filter((f) => f.endsWith('.css') && f.replace(HASHED_CSS, '') === base);
  };

  const linked = [...html.matchAll(/(?:src|href)="\/assets\/([\w.-]+\.(?:js|css))"/g)].map((m) => m[1]!);
  const shell = new Set<string>();
  for (const file of linked) {
    if (file.endsWith('.js')) closure(file, shell);
    else shell.add(file);
  }
  const entry = linked.find((f) => f.endsWith('.js'))!;
  // Route chunks are the dynamic imports of the entry (`import("./x.js")`).
  const entrySource = readFileSync(join(assets, entry), 'utf8');
  const dynamic = [
    ...new Set([...entrySource.matchAll(/import\(\s*["`]\.\/([\w.-]+\.js)["`]\s*\)/g)].map((m) => m[1]!)),
  ];
  const lazy = dynamic;

  const adds = (chunk: string) => {
    const files = [...closure(chunk)].filter((f) => !shell.has(f));
    files.push(...cssOf(chunk).filter((f) => !shell.has(f)));
    return files;
  };
  const sum = (files: Iterable<string>) => [...files].reduce((n, f) => n + sizeOf(f), 0);

  const login = lazy.find((f) => f.startsWith('login-'));
  const firstFiles = ['index.html', ...shell, ...(login ? adds(login) : [])];
  return {
    firstPage: { gzipKb: kb(sum(firstFiles)), files: firstFiles },
    shell: { gzipKb: kb(sum(['index.html', ...shell])) },
    routes: lazy
      .map((chunk) => {
        const files = adds(chunk);
        return { chunk: chunkName(chunk), addsGzipKb: kb(sum(files)), files: files.length };
      })
      .sort((a, b) => b.addsGzipKb - a.addsGzipKb),
    totalGzipKb: kb(sum(readdirSync(assets).filter((f) => /\.(js|css)$/.test(f)))),
  };
}

/** Section `bundle` of `npm run bench` (bench/lib/section.ts): the built client's sizes. */
export const bundleSection: BenchSection = {
  name: 'bundle',
  description: 'gzipped sizes of the built client: the first page and what each route adds',
  async run() {
    const bundle = bundleSizes(join(ROOT, 'dist/client'));
    return {
      figures: {
        bundle: {
          firstPageGzipKb: bundle.firstPage.gzipKb,
          shellGzipKb: bundle.shell.gzipKb,
          totalGzipKb: bundle.totalGzipKb,
          firstPageFiles: bundle.firstPage.files,
          routes: bundle.routes,
        },
      },
      targets: [
        {
          name: 'first page, gzipped',
          target: '< 125 KB',
          value: bundle.firstPage.gzipKb,
          met: bundle.firstPage.gzipKb < 125,
        },
      ],
    };
  },
};
