// Serving the built client: long-lived hashed assets, the SPA fallback, the emulator's script
// tags before the app bundle, and a clear 503 when nothing is built.
import { mkdtemp, mkdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

const INDEX = `<!doctype html>
<html><head><meta charset="utf-8"><title>Dashboard</title>
<script type="module" crossorigin src="/assets/index-abc123.js"></script>
</head><body><div id="root"></div></body></html>`;

let dir: string;
let t: TestApp;

beforeAll(async () => {
  dir = await mkdtemp(path.join(tmpdir(), 'client-'));
  await mkdir(path.join(dir, 'assets'));
  await writeFile(path.join(dir, 'index.html'), INDEX);
  await writeFile(path.join(dir, 'assets', 'index-abc123.js'), 'console.log("app")');
  await writeFile(path.join(dir, 'favicon.svg'), '<svg/>');
  t = await buildTestApp({ EMULATOR_PUBLIC_URL: 'http://emu.test:4242' }, { clientDir: dir });
});
afterAll(async () => {
  await t.close();
  await rm(dir, { recursive: true, force: true });
});

describe('built client', () => {
  test('hashed assets are cached for a year, immutable', async () => {
    const res = await t.inject({ method: 'GET', url: '/assets/index-abc123.js' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['cache-control']).toBe('public, max-age=31536000, immutable');
    expect(res.headers['content-type']).toMatch(/javascript/);
  });

  test('a missing asset is a 404, not the page', async () => {
    expect((await t.inject({ method: 'GET', url: '/assets/missing.js' })).statusCode).toBe(404);
  });

  test.each(['/', '/accounts/acct_123', '/cards/ic_1?x=1'])('%s serves index.html, not cached', async (url) => {
    const res = await t.inject({ method: 'GET', url });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/text\/html/);
    expect(res.headers['cache-control']).toBe('no-cache');
    expect(res.body).toContain('<div id="root">');
  });

  test("in emulator mode the emulator's connect.js and stripe.js load in <head> before the app bundle", async () => {
    const html = (await t.inject({ method: 'GET', url: '/' })).body;
    const connect = html.indexOf('<script src="http://emu.test:4242/v1.0/connect.js"></script>');
    const stripe = html.indexOf('<script src="http://emu.test:4242/v3/stripe.js"></script>');
    const app = html.indexOf('<script type="module"');
    expect(connect).toBeGreaterThan(-1);
    expect(stripe).toBeGreaterThan(connect);
    expect(app).toBeGreaterThan(stripe);
    expect(html.indexOf('</head>')).toBeGreaterThan(app);
  });

  test('path traversal does not leave the client directory', async () => {
    const res = await t.inject({ method: 'GET', url: '/..%2f..%2f..%2fetc%2fpasswd' });
    expect(res.body).not.toContain('root:');
  });

  test('API paths never fall back to the page', async () => {
    const res = await t.inject({ method: 'GET', url: '/api/not-a-route' });
    expect(res.statusCode).toBe(404);
    expect(res.json().error.code).toBe('not_found');
  });
});

test('stripe mode serves the page without emulator scripts', async () => {
  const s = await buildTestApp(
    { STRIPE_SECRET_KEY: 'sk_test_x', STRIPE_PUBLISHABLE_KEY: 'pk_test_x', SESSION_SECRET: 'k'.repeat(32) },
    { clientDir: dir },
  );
  try {
    const html = (await s.inject({ method: 'GET', url: '/' })).body;
    expect(html).toBe(INDEX);
  } finally {
    await s.close();
  }
});

test('without a build, the page answers 503 saying to run npm run build', async () => {
  const s = await buildTestApp({}, { clientDir: path.join(tmpdir(), 'no-such-client-dir') });
  try {
    const res = await s.inject({ method: 'GET', url: '/' });
    expect(res.statusCode).toBe(503);
    expect(res.body).toContain('npm run build');
    expect((await s.inject({ method: 'GET', url: '/healthz' })).statusCode).toBe(200);
  } finally {
    await s.close();
  }
});
