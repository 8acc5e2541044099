// The stack the security suites run against: the emulator and the app on ephemeral ports, as
// `npm start` runs them, but with BOTH servers' logs captured (the suites scan them for secrets),
// the emulator delivering webhooks to the app with a known secret, and every secret the suites
// see (keys, client secrets, nonces, session tokens, card numbers) collected for that scan.
import { randomBytes } from 'node:crypto';
import { Writable } from 'node:stream';
import Stripe from 'stripe';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import type { Database } from '../../server/db/database.ts';
import { DEMO_PASSWORD, seedDemoUsers } from '../../server/db/demo-users.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import { createStripeClient, type StripeClientOptions } from '../../server/plugins/app/stripe.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import type { Role } from '../../shared/policy.ts';
import { freePort } from '../helpers/stack.ts';

export const EMAIL: Record<Role, string> = {
  platform_admin: 'admin@example.com',
  account_user: 'account@example.com',
  support_agent: 'support@example.com',
};

export interface SecurityStackOptions {
  /** Options for the app's Stripe client (shorter timeout for the fault suite). */
  stripe?: StripeClientOptions;
  /** A database for the app (the caller closes it); default a fresh in-memory PGlite. */
  db?: Database;
  env?: Record<string, string>;
  /** Let the emulator deliver events to the app's /webhooks/stripe. Default true. */
  deliverWebhooks?: boolean;
}

export interface SecurityStack {
  appUrl: string;
  emulatorUrl: string;
  app: Awaited<ReturnType<typeof buildApp>>;
  emulator: EmulatorApp;
  /** The official SDK on the emulator, with the platform's secret key (no retries). */
  stripe: Stripe;
  config: Config;
  webhookSecret: string;
  sessionSecret: string;
  /** A signed-in session cookie for a demo user, made without the (throttled) login route. */
  loginCookie(email: string): Promise<string>;
  /** Remembers a secret value; the log scan fails if it appears in any log line. */
  track(...values: (string | undefined | null)[]): void;
  /** Tracks the secret-looking values of a response body (key secrets, client secrets, nonces). */
  trackBody(body: string): void;
  appLogs(): string;
  emulatorLogs(): string;
  /** Every tracked secret (and every card number, CVC and PIN the emulator holds) found in the logs. */
  leakedSecrets(): string[];
  close(): Promise<void>;
}

function sink(lines: string[]): Writable {
  return new Writable({
    write(chunk, _encoding, callback) {
      lines.push(String(chunk));
      callback();
    },
  });
}

const SECRET_IN_BODY = /\b(?:ek_test_[A-Za-z0-9_]+|ephkn_[A-Za-z0-9_]+|[A-Za-z0-9]+_secret_[A-Za-z0-9_]+|emcs_[A-Za-z0-9_]+)/g;

export async function startSecurityStack(opts: SecurityStackOptions = {}): Promise<SecurityStack> {
  const [emulatorPort, appPort] = [await freePort(), await freePort()];
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const appUrl = `http://127.0.0.1:${appPort}`;
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const sessionSecret = randomBytes(32).toString('hex');

  const emulatorLines: string[] = [];
  const appLines: string[] = [];
  const emulator = await buildEmulator({
    publicUrl: emulatorUrl,
    logger: { level: 'info', stream: sink(emulatorLines) },
    ...((opts.deliverWebhooks ?? true) ? { webhookUrl: `${appUrl}/webhooks/stripe`, webhookSecret } : {}),
  });
  await emulator.listen({ port: emulatorPort, host: '127.0.0.1' });

  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(appPort),
    PUBLIC_URL: appUrl,
    EMULATOR_PORT: String(emulatorPort),
    EMULATOR_PUBLIC_URL: emulatorUrl,
    PGLITE_DIR: 'memory://',
    LOG_LEVEL: 'debug',
    STRIPE_WEBHOOK_SECRET: webhookSecret,
    SESSION_SECRET: sessionSecret,
    ...opts.env,
  });
  const app = await buildApp(config, {
    logStream: sink(appLines),
    stripe: createStripeClient(config, opts.stripe),
    ...(opts.db ? { db: opts.db } : {}),
  });
  await app.ready();
  await seedDemoUsers(app);
  await app.listen({ port: appPort, host: '127.0.0.1' });

  const tracked = new Set<string>([config.stripe.secretKey, webhookSecret, sessionSecret, DEMO_PASSWORD]);
  const track = (...values: (string | undefined | null)[]) => {
    for (const v of values) if (v && v.length >= 6) tracked.add(v);
  };

  const cardSecrets = (): string[] => {
    const out: string[] = [];
    for (const account of [emulator.store.platformAccountId, ...emulator.store.accounts.list().map((a) => a.id)]) {
      for (const secrets of emulator.store.accountData(account).cardSecrets.values()) out.push(secrets.number);
    }
    return out;
  };

  return {
    appUrl,
    emulatorUrl,
    app,
    emulator,
    stripe: new Stripe(config.stripe.secretKey, { host: '127.0.0.1', port: emulatorPort, protocol: 'http', maxNetworkRetries: 0 }),
    config,
    webhookSecret,
    sessionSecret,
    async loginCookie(email) {
      const user = await findUserByEmail(app.db, email);
      if (!user) throw new Error(`no user ${email}`);
      const { token } = await app.sessions.issue(user.id);
      track(token);
      return `${SESSION_COOKIE}=${token}`;
    },
    track,
    trackBody(body) {
      for (const match of body.match(SECRET_IN_BODY) ?? []) track(match);
    },
    appLogs: () => appLines.join(''),
    emulatorLogs: () => emulatorLines.join(''),
    leakedSecrets() {
      const logs = appLines.join('') + emulatorLines.join('');
      const found = [...tracked].filter((s) => logs.includes(s));
      // Card numbers: also in the grouped forms a log line might use.
      for (const number of cardSecrets()) {
        const forms = [number, number.replace(/(\d{4})(?=\d)/g, '$1 '), number.replace(/(\d{4})(?=\d)/g, '$1-')];
        if (forms.some((f) => logs.includes(f))) found.push(`card number ending ${number.slice(-4)}`);
      }
      return found;
    },
    async close() {
      await app.close();
      await emulator.close();
    },
  };
}

/** Prints one summary line the lead can quote (vitest shows console output of each file). */
export function summary(name: string, counts: Record<string, number | string>): void {
  const text = Object.entries(counts)
    .map(([k, v]) => `${k}=${v}`)
    .join(' ');
  console.log(`[security] ${name}: ${text}`);
}
