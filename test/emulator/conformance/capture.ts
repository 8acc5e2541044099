// Records every request the official SDK sends and every response body it reads, by wrapping the
// SDK's own Node HTTP client (the `httpClient` option): what is checked is exactly what went over
// the wire, not what a test meant to send.
import { parse } from 'qs';
import Stripe from 'stripe';

export interface Exchange {
  method: string;
  /** Path without the query string. */
  path: string;
  /** Query (GET, DELETE) or form body (POST), parsed with bracket notation as Stripe reads it. */
  params: Record<string, unknown>;
  rawBody: string;
  headers: Record<string, string>;
  status?: number;
  response?: unknown;
}

// Stripe reads `a[0]=x&a[1]=y` as an array however long it is.
const parseForm = (text: string) =>
  parse(text, { depth: 20, arrayLimit: 1000, parameterLimit: 10_000, allowDots: false }) as Record<string, unknown>;

export function capturingClient(port: number, key = 'sk_test_conformance'): { stripe: Stripe; exchanges: Exchange[] } {
  const exchanges: Exchange[] = [];
  const base = Stripe.createNodeHttpClient();
  const client = Object.create(base) as typeof base;
  client.makeRequest = async (host, reqPort, path, method, headers, requestData, protocol, timeout) => {
    const [pathname = path, query = ''] = path.split('?');
    const rawBody = typeof requestData === 'string' ? requestData : '';
    const exchange: Exchange = {
      method,
      path: pathname,
      params: parseForm(method === 'POST' ? rawBody : query),
      rawBody,
      headers: Object.fromEntries(Object.entries(headers).map(([k, v]) => [k.toLowerCase(), String(v)])),
    };
    exchanges.push(exchange);
    const response = await base.makeRequest(host, reqPort, path, method, headers, requestData, protocol, timeout);
    exchange.status = response.getStatusCode();
    const toJSON = response.toJSON.bind(response);
    response.toJSON = async () => {
      const json = await toJSON();
      exchange.response = json;
      return json;
    };
    return response;
  };
  const stripe = new Stripe(key, {
    host: '127.0.0.1',
    port,
    protocol: 'http',
    maxNetworkRetries: 0,
    httpClient: client,
  });
  return { stripe, exchanges };
}
