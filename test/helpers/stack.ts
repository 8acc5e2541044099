// Both servers on ephemeral ports, as `npm start` runs them: the Stripe emulator and the app
// (in-memory PGlite, demo users seeded). Each test file starts its own stack.
import { createServer } from 'node:net';
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { buildEmulator } from '../../emulator/app.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { Database } from '../../server/db/database.ts';
import { DEMO_PASSWORD, seedDemoUsers } from '../../server/db/demo-users.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import { verifyPassword } from '../../server/domain/password.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import { createStripeClient } from '../../server/plugins/app/stripe.ts';

export interface StackOptions {
  /** Extra environment for the app's config (e.g. LOG_LEVEL). */
  env?: Record<string, string>;
  /** Where the built client lives (default dist/client). */
  clientDir?: string;
  /** A database for the app instead of a fresh in-memory one (the caller closes it). */
  db?: Database;
}

export interface Stack {
  appUrl: string;
  emulatorUrl: string;
  app: FastifyInstance;
  emulator: FastifyInstance;
  /** The official SDK on the emulator, with the platform's secret key. */
  stripe: Stripe;
  config: Config;
  /** A `cid_session=…` cookie for a demo user (or any user with that password), without the login route. */
  loginCookie(email: string, password?: string): Promise<string>;
  /** Everything the app has logged so far, one JSON line per entry. */
  logs(): string;
  close(): Promise<void>;
}

/** A port that was free a moment ago (the servers need to know their URLs before listening). */
export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() => (typeof address === 'object' && address ? resolve(address.port) : reject(new Error('no port'))));
    });
  });
}

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

async function startStackOnce(opts: StackOptions): Promise<Stack> {
  const emulatorPort = await freePort();
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;

  const emulator = await buildEmulator({ publicUrl: emulatorUrl, logger: false });
  try {
    await emulator.listen({ port: emulatorPort, host: '127.0.0.1' });
    return await startAppBeside(opts, emulator, emulatorUrl, emulatorPort);
  } catch (error) {
    await emulator.close();
    throw error;
  }
}

async function startAppBeside(opts: StackOptions, emulator: FastifyInstance, emulatorUrl: string, emulatorPort: number): Promise<Stack> {
  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;

  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(appPort),
    PUBLIC_URL: appUrl,
    EMULATOR_PORT: String(emulatorPort),
    EMULATOR_PUBLIC_URL: emulatorUrl,
    PGLITE_DIR: 'memory://',
    LOG_LEVEL: 'info',
    ...opts.env,
  });

  const logLines: string[] = [];
  const logStream = new Writable({
    write(chunk, _encoding, callback) {
      logLines.push(String(chunk));
      callback();
    },
  });

  const app = await buildApp(config, {
    logStream,
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
      if (!user || !(await verifyPassword(password, user.password_hash))) throw new Error(`no user ${email} with that password`);
      const { token } = await app.sessions.issue(user.id);
      return `${SESSION_COOKIE}=${token}`;
    },
    logs: () => logLines.join(''),
    async close() {
      await app.close();
      await emulator.close();
    },
  };
}
