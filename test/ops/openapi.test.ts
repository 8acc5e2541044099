// The OpenAPI document at /docs describes every route of shared/route-table.ts from the routes'
// own schemas, and the Swagger UI page loads under the app's CSP.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { ROUTES } from '../../shared/route-table.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
type Operation = {
  security?: unknown[];
  requestBody?: { content: Record<string, { schema: { properties?: Record<string, unknown> } }> };
  responses: Record<string, unknown>;
};
let spec: { openapi: string; paths: Record<string, Record<string, Operation>> };

beforeAll(async () => {
  t = await buildTestApp();
  const res = await t.inject({ method: 'GET', url: '/docs/json' });
  expect(res.statusCode).toBe(200);
  spec = res.json();
});
afterAll(() => t?.close());

const openApiPath = (path: string) => path.replace(/:(\w+)/g, '{$1}');

test('every route of the route table is documented, and nothing else', () => {
  expect(spec.openapi).toMatch(/^3\./);
  const documented = Object.entries(spec.paths).flatMap(([path, ops]) =>
    Object.keys(ops).map((m) => `${m.toUpperCase()} ${path}`),
  );
  const expected = ROUTES.map((r) => `${r.method} ${openApiPath(r.path)}`);
  expect(documented.sort()).toEqual([...expected].sort());
});

test('operations carry their schemas and who may call them', () => {
  const keys = spec.paths['/api/ephemeral-keys']!.post!;
  expect(Object.keys(keys.requestBody!.content['application/json']!.schema.properties!)).toEqual(
    expect.arrayContaining(['card_id', 'nonce']),
  );
  expect(Object.keys(keys.responses)).toEqual(expect.arrayContaining(['200', '403', '429']));
  expect(keys.security).toEqual([{ session: [] }]);
  expect(spec.paths['/healthz']!.get!.security).toEqual([]);
});

test("the Swagger UI page is served, public, with the app's CSP", async () => {
  const page = await t.inject({ method: 'GET', url: '/docs/' });
  expect(page.statusCode).toBe(200);
  expect(page.headers['content-type']).toMatch(/text\/html/);
  expect(page.body).toContain('swagger-ui');
  expect(String(page.headers['content-security-policy'])).toContain("script-src 'self'");
  const script = await t.inject({ method: 'GET', url: '/docs/static/swagger-initializer.js' });
  expect(script.statusCode).toBe(200);
});
