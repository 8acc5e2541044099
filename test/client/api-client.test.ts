// The client's fetch wrapper against a real HTTP server: what a page shows when the app
// server answers with an error, and when a session has ended.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import {
  ApiError,
  api,
  buildUrl,
  errorMessage,
  onUnauthorized,
  setApiBaseUrl,
} from '../../client/src/lib/api-client.ts';
import { ephemeralKeyFetcher } from '../../client/src/features/connect/api/create-ephemeral-key.ts';

type Handler = (req: IncomingMessage, body: string, res: ServerResponse) => void;
const routes = new Map<string, Handler>();
const seen: { method: string; url: string; body: string; contentType?: string }[] = [];
let server: Server;

function json(res: ServerResponse, status: number, payload: unknown) {
  res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(payload));
}

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      seen.push({ method: req.method ?? '', url: req.url ?? '', body, contentType: req.headers['content-type'] });
      const path = new URL(req.url ?? '/', 'http://x').pathname;
      const handler = routes.get(`${req.method} ${path}`);
      if (handler) handler(req, body, res);
      else json(res, 404, { error: { code: 'not_found', message: 'No such route' } });
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  setApiBaseUrl(`http://127.0.0.1:${(server.address() as AddressInfo).port}`);
});

afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

afterEach(() => {
  routes.clear();
  seen.length = 0;
  onUnauthorized(undefined);
});

describe('api client', () => {
  it('returns the parsed JSON of a success', async () => {
    routes.set('GET /api/accounts', (_req, _body, res) => json(res, 200, { data: [{ id: 'acct_1' }] }));
    await expect(api.get('/api/accounts')).resolves.toEqual({ data: [{ id: 'acct_1' }] });
  });

  it("turns the server's error body into an ApiError with code, message and field", async () => {
    routes.set('POST /api/ephemeral-keys', (_req, _body, res) =>
      json(res, 400, { error: { code: 'invalid_request', message: 'A reason is required', field: 'reason' } }),
    );
    const error = await api.post('/api/ephemeral-keys', { card_id: 'ic_1' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ApiError);
    expect(error).toMatchObject({
      status: 400,
      code: 'invalid_request',
      message: 'A reason is required',
      field: 'reason',
    });
  });

  it('sends JSON bodies and leaves empty query values out of the URL', async () => {
    routes.set('POST /api/session', (_req, _body, res) => json(res, 200, { user: { id: 'u1' } }));
    await api.post('/api/session', { email: 'a@example.com', password: 'x' });
    expect(seen[0]).toMatchObject({
      body: '{"email":"a@example.com","password":"x"}',
      contentType: 'application/json',
    });
    expect(buildUrl('/api/cards', { account: 'acct_1', q: '', last4: undefined, limit: 20 })).toMatch(
      /\/api\/cards\?account=acct_1&limit=20$/,
    );
  });

  it('gives a readable message when the answer is not our JSON (a proxy error page)', async () => {
    routes.set('GET /api/me', (_req, _body, res) =>
      res.writeHead(502, { 'content-type': 'text/html' }).end('<h1>Bad gateway</h1>'),
    );
    const error = await api.get('/api/me').catch((e: unknown) => e);
    expect(error).toMatchObject({ status: 502, message: 'The server had a problem. Try again in a moment.' });
  });

  it('reports an unreachable server as a network error', async () => {
    const closed = createServer();
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve));
    const port = (closed.address() as AddressInfo).port;
    await new Promise<void>((resolve) => closed.close(() => resolve()));
    const previous = buildUrl('');
    setApiBaseUrl(`http://127.0.0.1:${port}`);
    try {
      const error = await api.get('/api/me').catch((e: unknown) => e);
      expect(error).toMatchObject({ status: 0, code: 'network_error' });
      expect(errorMessage(error)).toMatch(/Could not reach the server/);
    } finally {
      setApiBaseUrl(previous);
    }
  });

  it('returns nothing for 204 (sign out)', async () => {
    routes.set('DELETE /api/session', (_req, _body, res) => res.writeHead(204).end());
    await expect(api.delete('/api/session')).resolves.toBeUndefined();
  });

  it('sends the user to sign in on a 401, except for the login request itself', async () => {
    let redirects = 0;
    onUnauthorized(() => redirects++);
    routes.set('GET /api/cards', (_req, _body, res) =>
      json(res, 401, { error: { code: 'unauthenticated', message: 'Sign in' } }),
    );
    routes.set('POST /api/session', (_req, _body, res) =>
      json(res, 401, { error: { code: 'invalid_credentials', message: 'Wrong email or password' } }),
    );
    await expect(api.get('/api/cards')).rejects.toMatchObject({ status: 401 });
    expect(redirects).toBe(1);
    await expect(api.post('/api/session', {}, { redirectOnUnauthorized: false })).rejects.toMatchObject({
      code: 'invalid_credentials',
      message: 'Wrong email or password',
    });
    expect(redirects).toBe(1);
  });
});

describe("Connect's fetchEphemeralKey callback", () => {
  it('asks the app server for a component key for that card and nonce and hands back what Connect expects', async () => {
    routes.set('POST /api/ephemeral-keys', (_req, body, res) => {
      const { card_id, nonce } = JSON.parse(body) as { card_id: string; nonce: string };
      json(res, 200, { ephemeralKeySecret: 'ek_test_secret', expires: 1, issuingCard: card_id, nonce });
    });
    const result = await ephemeralKeyFetcher('issuing_card')({ issuingCard: 'ic_123', nonce: 'ephkn_pub_abc' });
    // Named as the component's key: Connect fetches it as the card loads, nobody asked to reveal (docs/decisions/060).
    expect(JSON.parse(seen[0]!.body)).toEqual({ card_id: 'ic_123', nonce: 'ephkn_pub_abc', component: 'issuing_card' });
    expect(result).toEqual({ issuingCard: 'ic_123', nonce: 'ephkn_pub_abc', ephemeralKeySecret: 'ek_test_secret' });
  });

  it('sends the account the page shows, so the server needs no lookup', async () => {
    routes.set('POST /api/ephemeral-keys', (_req, _body, res) =>
      json(res, 200, { ephemeralKeySecret: 'ek_test_x', expires: 1, issuingCard: 'ic_1', nonce: 'ephkn_pub_1' }),
    );
    await ephemeralKeyFetcher('issuing_cards_list', 'acct_1')({ issuingCard: 'ic_1', nonce: 'ephkn_pub_1' });
    expect(JSON.parse(seen[0]!.body)).toEqual({
      card_id: 'ic_1',
      nonce: 'ephkn_pub_1',
      component: 'issuing_cards_list',
      account: 'acct_1',
    });
  });

  it('tells the page why a key was refused, and that the next one came', async () => {
    let refuse = true;
    routes.set('POST /api/ephemeral-keys', (_req, _body, res) =>
      refuse
        ? json(res, 403, {
            error: {
              code: 'issuing_elements_not_enabled',
              message: 'Issuing Elements are not enabled for connected accounts.',
            },
          })
        : json(res, 200, { ephemeralKeySecret: 'ek_test_x', expires: 1, issuingCard: 'ic_1', nonce: 'ephkn_pub_1' }),
    );
    const results: unknown[] = [];
    const fetcher = ephemeralKeyFetcher('issuing_card', 'acct_1', (error) => results.push(error));
    await expect(fetcher({ issuingCard: 'ic_1', nonce: 'ephkn_pub_1' })).rejects.toMatchObject({
      code: 'issuing_elements_not_enabled',
    });
    refuse = false;
    await fetcher({ issuingCard: 'ic_1', nonce: 'ephkn_pub_2' });
    expect(results).toHaveLength(2);
    expect(results[0]).toMatchObject({ status: 403, code: 'issuing_elements_not_enabled' });
    expect(results[1]).toBeNull();
  });
});
