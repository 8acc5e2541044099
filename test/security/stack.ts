// The stack the security suites run against: the emulator and the app on ephemeral ports, as
// `npm start` runs them, but with BOTH servers' logs captured (the suites scan them for secrets),
// the emulator delivering webhooks to the app with a known secret, and every secret the suites
// see (keys, client secrets, nonces, session tokens, card numbers) collected for that scan.
import { randomBytes } from 'node:crypto';
import Stripe from 'stripe';
import type { EmulatorApp } from '../../emulator/app.ts';
import type { buildApp } from '../../server/app.ts';
import type { Config } from '../../server/config.ts';
import type { Database } from '../../server/db/database.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { listFactors } from '../../server/db/second-factors.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import type { StripeClientOptions } from '../../server/plugins/app/stripe.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import type { Role } from '../../shared/policy.ts';
import { startStack } from '../helpers/stack.ts';

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

const SECRET_IN_BODY =
  /\b(?:ek_test_[A-Za-z0-9_]+|ephkn_[A-Za-z0-9_]+|[A-Za-z0-9]+_secret_[A-Za-z0-9_]+|emcs_[A-Za-z0-9_]+)/g;

export async function startSecurityStack(opts: SecurityStackOptions = {}): Promise<SecurityStack> {
  const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
  const sessionSecret = randomBytes(32).toString('hex');
  const stack = await startStack({
    captureEmulatorLogs: true,
    ...((opts.deliverWebhooks ?? true) ? { webhookSecret } : {}),
    ...(opts.stripe ? { stripe: opts.stripe } : {}),
    ...(opts.db ? { db: opts.db } : {}),
    env: { LOG_LEVEL: 'debug', STRIPE_WEBHOOK_SECRET: webhookSecret, SESSION_SECRET: sessionSecret, ...opts.env },
  });
  const { app, emulator, config } = stack;

  const tracked = new Set<string>([
    config.stripe.secretKey,
    webhookSecret,
    sessionSecret,
    DEMO_PASSWORD,
    DEMO_TOTP_SECRET,
  ]);
  // Every demo role with a second factor, so that step-up routes (setting a PIN) are reachable
  // as the policy allows; the demo account user has none by default.
  await stack.enrolTotp(EMAIL.account_user);
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
    ...stack,
    // Test-side calls never retry, so a fault aimed at the app's calls is not used up by the test's own.
    stripe: new Stripe(config.stripe.secretKey, {
      host: '127.0.0.1',
      port: config.emulator!.port,
      protocol: 'http',
      maxNetworkRetries: 0,
    }),
    webhookSecret,
    sessionSecret,
    // Any user, whatever its password (some suites create users of their own), without the
    // throttled route: as after a complete sign-in, the second factor (if any) checked just now.
    async loginCookie(email) {
      const user = await findUserByEmail(app.db, email);
      if (!user) throw new Error(`no user ${email}`);
      const factor = (await listFactors(app.db, user.id))[0];
      const { token } = await app.sessions.issue(
        user.id,
        factor
          ? { state: 'complete', verifiedAt: Math.floor(Date.now() / 1000), method: factor.kind }
          : { state: 'complete', verifiedAt: null, method: null },
      );
      track(token);
      return `${SESSION_COOKIE}=${token}`;
    },
    track,
    trackBody(body) {
      for (const match of body.match(SECRET_IN_BODY) ?? []) track(match);
    },
    appLogs: stack.logs,
    leakedSecrets() {
      const logs = stack.logs() + stack.emulatorLogs();
      const found = [...tracked].filter((s) => logs.includes(s));
      // Card numbers: also in the grouped forms a log line might use.
      for (const number of cardSecrets()) {
        const forms = [number, number.replace(/(\d{4})(?=\d)/g, '$1 '), number.replace(/(\d{4})(?=\d)/g, '$1-')];
        if (forms.some((f) => logs.includes(f))) found.push(`card number ending ${number.slice(-4)}`);
      }
      return found;
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
