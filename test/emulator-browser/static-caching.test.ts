// How the emulator serves its browser files, as the reveal's speed depends on it: frame pages
// cached briefly and run in a process of their own (Origin-Agent-Cluster), the scripts they name
// carrying a content hash and cached for good, a changed script getting a new URL, and the
// loaders at fixed URLs revalidated.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import { writeBrowserFiles } from '../../emulator/browser/build.ts';

let emulator: EmulatorApp;
let baseUrl: string;
let root: string;

beforeAll(async () => {
  // The built browser files in a directory of their own (as `npm run build` writes them), so that
  // the test can change one.
  root = mkdtempSync(join(tmpdir(), 'emulator-static-'));
  await writeBrowserFiles(root);
  emulator = await buildEmulator({ seed: false, logger: false, browserRoot: root });
  baseUrl = await emulator.listen({ port: 0, host: '127.0.0.1' });
});

afterAll(async () => {
  await emulator?.close();
});

/** The script URLs a frame page names. */
function scriptSources(html: string): string[] {
  return [...html.matchAll(/<script src="([^"]+)"/g)].map((m) => m[1]!);
}

test('a frame page is cached briefly, isolated by origin, and names its scripts by content hash', async () => {
  const page = await fetch(`${baseUrl}/_emulator/frames/issuing-element.html`);
  expect(page.status).toBe(200);
  expect(page.headers.get('content-type')).toMatch(/^text\/html/);
  expect(page.headers.get('cache-control')).toBe('public, max-age=60');
  expect(page.headers.get('origin-agent-cluster')).toBe('?1');
  const html = await page.text();
  const scripts = scriptSources(html);
  expect(scripts).toEqual([expect.stringMatching(/^issuing-element\.js\?v=[0-9a-f]{16}$/)]);

  // Revalidation: the same page for the same ETag is a 304.
  const etag = page.headers.get('etag')!;
  expect(etag).toBeTruthy();
  expect(
    (await fetch(`${baseUrl}/_emulator/frames/issuing-element.html`, { headers: { 'if-none-match': etag } })).status,
  ).toBe(304);

  // The hashed URL is immutable; the bare or an outdated one revalidates.
  for (const src of scripts) {
    const script = await fetch(`${baseUrl}/_emulator/frames/${src}`);
    expect(script.status).toBe(200);
    expect(script.headers.get('content-type')).toMatch(/javascript/);
    expect(script.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  }
  const bare = await fetch(`${baseUrl}/_emulator/frames/issuing-element.js`);
  expect(bare.headers.get('cache-control')).toBe('no-cache');
  const outdated = await fetch(`${baseUrl}/_emulator/frames/issuing-element.js?v=0000000000000000`);
  expect(outdated.headers.get('cache-control')).toBe('no-cache');
});

test('a changed script gets a new URL in the pages that name it', async () => {
  const before = scriptSources(await (await fetch(`${baseUrl}/_emulator/frames/controller.html`)).text());
  const unchangedPage = scriptSources(await (await fetch(`${baseUrl}/_emulator/frames/three-ds.html`)).text());
  const file = join(root, 'frames/controller.js');
  writeFileSync(file, `${readFileSync(file, 'utf8')}\n// changed\n`);
  const after = scriptSources(await (await fetch(`${baseUrl}/_emulator/frames/controller.html`)).text());
  expect(after[0]).not.toBe(before[0]);
  expect(scriptSources(await (await fetch(`${baseUrl}/_emulator/frames/three-ds.html`)).text())).toEqual(unchangedPage); // its script did not change
  expect((await fetch(`${baseUrl}/_emulator/frames/${after[0]}`)).headers.get('cache-control')).toBe(
    'public, max-age=31536000, immutable',
  );
  expect((await fetch(`${baseUrl}/_emulator/frames/${before[0]}`)).headers.get('cache-control')).toBe('no-cache');
});

test('the loaders, named at fixed URLs by the app, are revalidated; pages outside the folder are not served', async () => {
  for (const path of ['/v3/stripe.js', '/v1.0/connect.js']) {
    const res = await fetch(`${baseUrl}${path}`);
    expect(res.status).toBe(200);
    expect(res.headers.get('cache-control')).toBe('no-cache');
    const etag = res.headers.get('etag')!;
    expect((await fetch(`${baseUrl}${path}`, { headers: { 'if-none-match': etag } })).status).toBe(304);
  }
  expect((await fetch(`${baseUrl}/_emulator/frames/..%2F..%2Fnot-a-frame.html`)).status).toBe(404);
  expect((await fetch(`${baseUrl}/_emulator/frames/missing.html`)).status).toBe(404);
});

test('without a browserRoot the emulator bundles the TypeScript stand-ins itself, so a clean clone needs no build step', async () => {
  const fresh = await buildEmulator({ seed: false, logger: false });
  try {
    const url = await fresh.listen({ port: 0, host: '127.0.0.1' });
    const connect = await fetch(`${url}/v1.0/connect.js`);
    expect(connect.status).toBe(200);
    const text = await connect.text();
    // Bundled (an IIFE defining the components), not TypeScript source.
    expect(text).toContain('stripe-connect-issuing-cards-list');
    expect(text).not.toMatch(/^import /m);
    const page = await (await fetch(`${url}/_emulator/frames/card-details.html`)).text();
    const [script] = scriptSources(page);
    expect((await fetch(`${url}/_emulator/frames/${script}`)).status).toBe(200);
  } finally {
    await fresh.close();
  }
});
