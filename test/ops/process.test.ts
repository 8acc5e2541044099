// `npm start` as a deployment runs it: a child process on the production build (compiled
// server, built client), emulator mode, watched from outside: readiness, JSON logs with request
// ids, cache headers of the built client, and a SIGTERM that lets the request in flight finish.
import { readdirSync } from 'node:fs';
import { request } from 'node:http';
import { join } from 'node:path';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { buildServer, serverIsStale } from '../../scripts/server-build.mjs';
import { spawnServer, type ServerProcess } from '../helpers/server-process.ts';

const root = join(import.meta.dirname, '..', '..');
let server: ServerProcess;

beforeAll(async () => {
  if (serverIsStale()) buildServer({ quiet: true });
  server = await spawnServer(['scripts/start.mjs'], {}, 30_000);
}, 90_000);

afterAll(() => {
  if (server.child.exitCode === null) server.child.kill('SIGKILL');
});

test('npm start runs the compiled server when dist/server is current', () => {
  expect(server.output()).toContain('Running the compiled server (dist/server).');
});

test('the built client: hashed assets cached for a year, the page never', async () => {
  const page = await fetch(`${server.appUrl}/cards`);
  expect(page.status).toBe(200);
  expect(page.headers.get('cache-control')).toBe('no-cache');
  const html = await page.text();
  const asset = html.match(/\/assets\/[\w.-]+\.js/)?.[0];
  expect(asset, 'the page references a hashed bundle').toBeTruthy();
  expect(readdirSync(join(root, 'dist/client/assets'))).toContain(asset!.slice('/assets/'.length));
  const res = await fetch(`${server.appUrl}${asset}`);
  expect(res.status).toBe(200);
  expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
  expect(res.headers.get('content-type')).toMatch(/javascript/);
});

test('logs are JSON lines with a request id on each request line', async () => {
  await fetch(`${server.appUrl}/healthz`);
  const entries = () =>
    server
      .output()
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { level: number; msg: string; reqId?: string; req?: { url: string } });
  await expect.poll(() => entries().find((e) => e.req?.url === '/healthz')?.reqId).toBeTruthy();
  const reqId = entries().find((e) => e.req?.url === '/healthz')!.reqId;
  await expect.poll(() => entries().some((e) => e.reqId === reqId && e.msg === 'request completed')).toBe(true);
});

/** A sign-in whose body arrives in two halves: `finish()` sends the second and resolves the response. */
function slowSignIn(): { finish(): Promise<{ status: number; body: string }> } {
  const body = JSON.stringify({ email: 'account@example.com', password: 'demo1234' });
  const req = request(`${server.appUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body), origin: server.appUrl },
  });
  const response = new Promise<{ status: number; body: string }>((resolve, reject) => {
    req.on('response', (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
    });
    req.on('error', reject);
  });
  req.write(body.slice(0, 10));
  return {
    finish() {
      req.end(body.slice(10));
      return response;
    },
  };
}

test('SIGTERM: the request in flight completes, then the process exits 0 and stops listening', async () => {
  const inFlight = slowSignIn();
  await new Promise((r) => setTimeout(r, 300));
  server.child.kill('SIGTERM');
  await expect.poll(() => server.output()).toMatch(/"signal":"SIGTERM".*"msg":"shutting down"/);
  // Closing: new connections are refused while the request in flight is still being received.
  await expect
    .poll(() =>
      fetch(`${server.appUrl}/healthz`).then(
        () => 'open',
        () => 'refused',
      ),
    )
    .toBe('refused');
  const res = await inFlight.finish();
  expect(res.status).toBe(200);
  expect(JSON.parse(res.body).user.email).toBe('account@example.com');
  expect(await server.exited).toBe(0);
}, 20_000);
