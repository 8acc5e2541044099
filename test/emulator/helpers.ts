// Starts the emulator on an ephemeral port and hands out SDK clients and a raw HTTP helper, so
// that tests drive it the way the app and the browser do: over real HTTP.
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { buildEmulator, type BuildEmulatorOptions, type EmulatorApp } from '../../emulator/app.ts';

export interface RawResponse {
  status: number;
  headers: Headers;
  body: any;
}

export interface TestEmulator {
  app: EmulatorApp;
  port: number;
  baseUrl: string;
  /** An SDK client for a key (default a platform secret key). */
  stripe(key?: string): Stripe;
  /** A raw request, for what the SDK cannot send (no key, JSON bodies, missing headers). */
  raw(
    method: string,
    path: string,
    options?: { key?: string | null; account?: string; body?: string; headers?: Record<string, string> },
  ): Promise<RawResponse>;
  close(): Promise<void>;
}

/**
 * The emulator suites drive the emulator as fast as a loop can, to check its behaviour, not the
 * pace of any client: Stripe's rate limits (on by default) are off here unless a test asks for
 * them (`rateLimits: {}`); test/emulator/rate-limits.test.ts checks them, and the app's suites
 * (test/helpers/stack.ts) run with them on.
 */
export async function startEmulator(options: BuildEmulatorOptions = {}): Promise<TestEmulator> {
  const app = await buildEmulator({ rateLimits: false, ...options });
  await app.listen({ port: 0, host: '127.0.0.1' });
  const port = (app.server.address() as AddressInfo).port;
  const baseUrl = `http://127.0.0.1:${port}`;
  return {
    app,
    port,
    baseUrl,
    stripe: (key = 'sk_test_emulator') =>
      new Stripe(key, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 }),
    raw: async (method, path, { key = 'sk_test_emulator', account, body, headers = {} } = {}) => {
      const response = await fetch(`${baseUrl}${path}`, {
        method,
        headers: {
          ...(key ? { authorization: `Bearer ${key}` } : {}),
          ...(account ? { 'stripe-account': account } : {}),
          ...(body !== undefined ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
          ...headers,
        },
        body,
      });
      const text = await response.text();
      let parsed: unknown = text;
      try {
        parsed = JSON.parse(text);
      } catch {
        // not JSON (scripts, pages)
      }
      return { status: response.status, headers: response.headers, body: parsed };
    },
    close: () => app.close(),
  };
}

/** The seeded connected accounts, oldest first (Acme Logistics, Bolt Couriers, Cobalt Studio). */
export async function seededAccounts(stripe: Stripe): Promise<Stripe.Account[]> {
  const list = await stripe.accounts.list({ limit: 100 });
  return [...list.data].reverse();
}

export { passesLuhn } from '../helpers/luhn.ts';

/** Runs `fn` expecting a Stripe error; returns it for assertions. */
export async function stripeError(fn: () => Promise<unknown>): Promise<Stripe.errors.StripeError> {
  try {
    await fn();
  } catch (error) {
    if (error instanceof Stripe.errors.StripeError) return error;
    throw error;
  }
  throw new Error('expected the call to fail with a Stripe error');
}
