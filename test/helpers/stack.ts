// Both servers on ephemeral ports, as `npm start` runs them: the Stripe emulator and the app
// (in-memory PGlite, demo users seeded). Each test file starts its own stack.
import { freePort } from './ports.ts';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { Database } from '../../server/db/database.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, seedDemoUsers } from '../../server/db/demo-users.ts';
import { addConfirmedTotp, listFactors } from '../../server/db/second-factors.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import { verifyPassword } from '../../server/domain/password.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import { createStripeClient, type StripeClientOptions } from '../../server/plugins/app/stripe.ts';

export interface StackOptions {
  /** Extra environment for the app's config (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** Where the built client lives (default dist/client). */
  clientDir?: string;
  /** A database for the app instead of a fresh in-memory one (the caller closes it). */
  db?: Database;
  /** Options for the app's Stripe client (e.g. a shorter timeout). */
  stripe?: StripeClientOptions;
  /**
   * The emulator delivers its events to the app's /webhooks/stripe signed with this secret,
   * which is also the app's STRIPE_WEBHOOK_SECRET. Without it nothing is delivered.
   */
  webhookSecret?: string;
  /** Keep the emulator's logs too (emulatorLogs()); by default it logs nothing. */
  captureEmulatorLogs?: boolean;
  /**
   * The app's host name in its public URL (default 127.0.0.1). Passkeys need a domain:
   * WebAuthn refuses an IP address as relying party id, so their tests use `localhost`.
   */
  appHost?: 'localhost' | '127.0.0.1';
  /**
   * Stripe's test-mode rate limits in the emulator (on by default in the emulator itself, as on
   * Stripe). Off in these stacks unless a test asks: the suites build their data with the SDK as
   * fast as a loop can and probe every route in bursts, which is the tests' pace, not a user's.
   * How the app meets Stripe's 429 is proven with them on: test/server/stripe-errors.test.ts,
   * test/server/stripe-budget.test.ts, test/e2e/component-keys.test.ts, test/emulator/rate-limits.test.ts.
   */
  stripeRateLimits?: boolean;
}

export interface Stack {
  appUrl: string;
  emulatorUrl: string;
  app: FastifyInstance;
  emulator: EmulatorApp;
  /** The official SDK on the emulator, with the platform's secret key. */
  stripe: Stripe;
  config: Config;
  /**
   * A `cid_session=…` cookie for a demo user (or any user with that password), without the login
   * route: as after a complete sign-in, i.e. with the second factor checked just now when the
   * user has one (so step-up actions pass for the next few minutes).
   */
  loginCookie(email: string, password?: string): Promise<string>;
  /** Enrols a user in TOTP with this secret (default the demo one), as the Security page would. */
  enrolTotp(email: string, secret?: string): Promise<void>;
  /** Everything the app has logged so far, one JSON line per entry. */
  logs(): string;
  /** Everything the emulator has logged so far (empty unless captureEmulatorLogs). */
  emulatorLogs(): string;
  close(): Promise<void>;
}

export { freePort } from './ports.ts';

/**
 * Starts both servers. Their URLs must be known before they listen (the app's config names
 * both origins), so each takes a port that was free a moment ago; another test file may grab
 * it in between, so a start that loses that race is retried on new ports.
 */
export async function startStack(opts: StackOptions = {}): Promise<Stack> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await startStackOnce(opts);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EADDRINUSE' || attempt >= 5) throw error;
    }
  }
}

function lineSink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
}

async function startStackOnce(opts: StackOptions): Promise<Stack> {
  const [emulatorPort, appPort] = [await freePort(), await freePort()];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const appUrl = `http://${opts.appHost ?? '127.0.0.1'}:${appPort}`;

  const emulatorLines: string[] = [];
  const emulator = await buildEmulator({
    publicUrl: emulatorUrl,
    logger: opts.captureEmulatorLogs ? { level: 'info', stream: lineSink(emulatorLines) } : false,
    ...(opts.stripeRateLimits ? {} : { rateLimits: false as const }),
    // Events, and the real-time authorization endpoint of the Issuing settings, both to the app's route.
    ...(opts.webhookSecret
      ? {
          webhookUrl: `${appUrl}/webhooks/stripe`,
          webhookSecret: opts.webhookSecret,
          authorizationWebhookUrl: `${appUrl}/webhooks/stripe`,
        }
      : {}),
  });
  try {
    await emulator.listen({ port: emulatorPort, host: '127.0.0.1' });
    return await startAppBeside(opts, emulator, emulatorLines, { appPort, appUrl, emulatorPort, emulatorUrl });
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

interface Ports {
  appPort: number;
  appUrl: string;
  emulatorPort: number;
  emulatorUrl: string;
}

async function startAppBeside(
  opts: StackOptions,
  emulator: EmulatorApp,
  emulatorLines: string[],
  ports: Ports,
): Promise<Stack> {
  const { appPort, appUrl, emulatorPort, emulatorUrl } = ports;
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(appPort),
    PUBLIC_URL: appUrl,
    EMULATOR_PORT: String(emulatorPort),
    EMULATOR_PUBLIC_URL: emulatorUrl,
    PGLITE_DIR: 'memory://',
    LOG_LEVEL: 'info',
    // The app paces its Stripe calls to the limits of the Stripe it talks to (decision 131): not
    // while the emulator's are off, Stripe's test-mode 25/s when they are on.
    ...(opts.stripeRateLimits ? {} : { STRIPE_MAX_RPS: 'off' }),
    ...(opts.webhookSecret ? { STRIPE_WEBHOOK_SECRET: opts.webhookSecret } : {}),
    ...opts.env,
  });

  const logLines: string[] = [];
  const app = await buildApp(config, {
    logStream: lineSink(logLines),
    stripe: createStripeClient(config, opts.stripe),
    ...(opts.clientDir ? { clientDir: opts.clientDir } : {}),
    ...(opts.db ? { db: opts.db } : {}),
  });
  try {
    await app.ready();
    await seedDemoUsers(app);
    await app.listen({ port: appPort, host: '127.0.0.1' });
  } catch (error) {
    await app.close();
    throw error;
  }

  return {
    appUrl,
    emulatorUrl,
    app,
    emulator,
    stripe: createStripeClient(config),
    config,
    // A fixture sign-in: checks the password like the login route but creates the session
    // directly, so tests are not throttled by the login rate limit (10 a minute per user).
    async loginCookie(email, password = DEMO_PASSWORD) {
      const user = await findUserByEmail(app.db, email);
      if (!user || !(await verifyPassword(password, user.password_hash)))
        throw new Error(`no user ${email} with that password`);
      const factor = (await listFactors(app.db, user.id))[0];
      const { token } = await app.sessions.issue(
        user.id,
        factor
          ? { state: 'complete', verifiedAt: Math.floor(app.now() / 1000), method: factor.kind }
          : { state: 'complete', verifiedAt: null, method: null },
      );
      return `${SESSION_COOKIE}=${token}`;
    },
    async enrolTotp(email, secret = DEMO_TOTP_SECRET) {
      const user = await findUserByEmail(app.db, email);
      if (!user) throw new Error(`no user ${email}`);
      await addConfirmedTotp(app.db, user.id, secret, 'Test authenticator');
    },
    logs: () => logLines.join(''),
    emulatorLogs: () => emulatorLines.join(''),
    async close() {
      await app.close();
      await emulator.close();
    },
  };
}

export type DemoCookies = Record<'admin' | 'account' | 'support', string>;

/**
 * Sessions of the three demo users, and the seeded accounts the suites reason about: the
 * account user's own (the oldest, listed last) and another one it is not a member of.
 */
export async function demoSessions(
  stack: Stack,
): Promise<{ cookies: DemoCookies; ownAccount: string; otherAccount: string }> {
  const cookies = {
    admin: await stack.loginCookie('admin@example.com'),
    account: await stack.loginCookie('account@example.com'),
    support: await stack.loginCookie('support@example.com'),
  };
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  return { cookies, ownAccount: accounts.at(-1)!.id, otherAccount: accounts[0]!.id };
}
