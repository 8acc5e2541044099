// Environment -> typed, validated Config, read once at start. A bad value stops the process
// with a message naming the variable (docs/architecture.md, "Processes, ports, environment").
// Behaviour switches on these settings only, never on NODE_ENV.
import Stripe from 'stripe';
import { anchorFileFrom } from './domain/audit-anchor.ts';

export type Mode = 'emulator' | 'stripe';

export interface Config {
  mode: Mode;
  host: string;
  port: number;
  /** The app's origin as the browser sees it; the CSRF Origin check compares against it. */
  publicUrl: string;
  /** ALLOWED_ORIGINS: further origins the dashboard page may be opened on (CSRF Origin check). */
  allowedOrigins: string[];
  /** Cookies get `Secure` unless the public URL is plain http. */
  secureCookies: boolean;
  logLevel: string;
  database: { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };
  /** Undefined in emulator mode when SESSION_SECRET is unset: generated and kept in the database. */
  sessionSecret: string | undefined;
  stripe: {
    secretKey: string;
    publishableKey: string;
    webhookSecret: string | undefined;
    /**
     * The signing secret of the real-time authorization endpoint of Stripe's Issuing settings
     * (STRIPE_AUTHORIZATION_WEBHOOK_SECRET), when Stripe gives it one of its own; else the webhook secret serves.
     */
    authorizationWebhookSecret?: string | undefined;
    /** The API version the SDK pins; reported to the browser. */
    apiVersion: string;
    /**
     * Stripe requests the deployment sends per second at most, all its instances together through
     * the database (STRIPE_MAX_RPS; default 80 % of Stripe's documented global limit for the key's
     * mode: 80 live, 20 test and the emulator; undefined = not paced: `STRIPE_MAX_RPS=off`, or the
     * emulator's limits switched off). Decisions 131, 149.
     */
    maxRequestsPerSecond: number | undefined;
    /**
     * Stripe requests the deployment sends per second to one endpoint at most
     * (STRIPE_MAX_RPS_PER_ENDPOINT; default Stripe's 25; undefined when pacing is off). Decision 149.
     */
    maxRequestsPerSecondPerEndpoint: number | undefined;
  };
  /** Present in emulator mode only. */
  emulator:
    | {
        port: number;
        /** Where the server-side SDK reaches the emulator. */
        apiHost: string;
        /** The emulator's origin as the browser sees it (scripts, iframes, CSP). */
        publicUrl: string;
        /**
         * EMULATOR_API_URL set: the emulator runs in a process of its own (`npm run emulator`, a
         * compose service), shared by several app instances; the app does not start one.
         */
        external: boolean;
      }
    | undefined;
  /**
   * REVEAL_DISPLAY_TIMEOUT_SECONDS: replaces every role's `reveal.displayTimeoutSeconds` from
   * shared/policy.ts (demos and end-to-end tests that must not wait half a minute). Unset: the policy's.
   */
  revealDisplayTimeoutSeconds?: number | undefined;
  /**
   * TRUST_PROXY: which peers' X-Forwarded-For to believe (a reverse proxy in front of several
   * instances), as Fastify's `trustProxy` takes it: addresses, CIDRs or `loopback`/`uniquelocal`,
   * comma-separated. Unset: none (the peer's address is the client's).
   */
  trustProxy?: string | undefined;
  /** Single sign-on (docs/decisions/102-oidc-sign-in.md); undefined without OIDC_ISSUER. */
  oidc?:
    | {
        issuer: string;
        clientId: string;
        clientSecret: string;
        scopes: string;
        /** Claim listing the user's groups, and the groups that make each staff role. */
        groupsClaim: string;
        adminGroups: string[];
        supportGroups: string[];
        /** Claim listing `acct_…` ids: the connected accounts of an account user. */
        accountsClaim: string;
      }
    | undefined;
  /** PASSWORD_SIGN_IN=false: only single sign-on (POST /api/session answers 403). */
  passwordSignIn?: boolean;
  /**
   * The audit chain's anchor (docs/decisions/091-audit-chain-anchor.md): AUDIT_ANCHOR_FILE, where
   * signed checkpoints of the chain's head are appended (null: the log only), and AUDIT_ANCHOR_KEY,
   * the secret they are signed with (unset: derived from the session secret).
   */
  auditAnchor?: { file: string | null; key: string | undefined };
  /**
   * The mirror (docs/decisions/148-mirror.md): MIRROR_RECONCILE_SECONDS, how often the reconciler
   * reads Stripe's events (default 300); MIRROR_RECONCILE_ACCOUNTS, accounts per pass (default
   * 500: at least one Stripe call each); MIRROR_STALE_SECONDS, past which a page says how old its
   * data is (default 600).
   */
  mirror?: { reconcileSeconds: number; accountsPerPass: number; staleSeconds: number };
  /** Second factor (docs/decisions/100-second-factor-and-step-up.md). */
  secondFactor?: {
    /** STEP_UP_MAX_AGE_SECONDS: replaces the policy's `SECOND_FACTOR.stepUpMaxAgeSeconds`. */
    stepUpMaxAgeSeconds?: number | undefined;
    /** REQUIRE_SECOND_FACTOR=true: every role must enrol, not only those the policy names. */
    requiredForAll?: boolean | undefined;
  };
}

/** Stripe's Issuing PIN encryption key (docs.stripe.com/issuing/cards/pin-management). */
export const STRIPE_ISSUING_KEY_URL = 'https://issuing-key.stripe.com/v1/keys';

/** Placeholder keys for the emulator, which accepts any `sk_test_…` / `pk_test_…`. */
export const EMULATOR_SECRET_KEY = 'sk_test_emulator_platform';
export const EMULATOR_PUBLISHABLE_KEY = 'pk_test_emulator_platform';

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Env = Record<string, string | undefined>;

function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

function port(env: Env, name: string, fallback: number): number {
  const raw = read(env, name);
  if (raw === undefined) return fallback;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value > 65535) throw new ConfigError(name, `must be a port number (0-65535), got "${raw}"`);
  return value;
}

function origin(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  // Only the origin matters (Origin header, CSP); a trailing path would never match.
  return url.origin;
}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function loadConfig(env: Env = process.env): Config {
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const appPort = port(env, 'PORT', 3000);
  const publicUrl = origin(env, 'PUBLIC_URL', `http://localhost:${appPort}`);

  const allowedOrigins = (read(env, 'ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o, i) => {
      const parsed = origin({ [`ALLOWED_ORIGINS[${i}]`]: o }, `ALLOWED_ORIGINS[${i}]`, o);
      // An origin is scheme, host and port: anything more would never match an Origin header.
      const url = new URL(o);
      if (url.pathname !== '/' || url.search || url.hash) throw new ConfigError('ALLOWED_ORIGINS', `"${o}" is not an origin (scheme://host[:port], nothing after it)`);
      return parsed;
    });

  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  const secretKey = read(env, 'STRIPE_SECRET_KEY');
  const publishableKey = read(env, 'STRIPE_PUBLISHABLE_KEY');
  if ((secretKey === undefined) !== (publishableKey === undefined)) {
    const missing = secretKey === undefined ? 'STRIPE_SECRET_KEY' : 'STRIPE_PUBLISHABLE_KEY';
    throw new ConfigError(missing, 'set both STRIPE_SECRET_KEY and STRIPE_PUBLISHABLE_KEY (stripe mode) or neither (emulator mode)');
  }
  const mode: Mode = secretKey === undefined ? 'emulator' : 'stripe';
  if (secretKey !== undefined && !/^(sk|rk)_(test|live)_\w+$/.test(secretKey)) {
    throw new ConfigError('STRIPE_SECRET_KEY', 'must be a Stripe secret or restricted key (sk_… / rk_…)');
  }
  if (publishableKey !== undefined && !/^pk_(test|live)_\w+$/.test(publishableKey)) {
    throw new ConfigError('STRIPE_PUBLISHABLE_KEY', 'must be a Stripe publishable key (pk_…)');
  }

  const webhookSecret = read(env, 'STRIPE_WEBHOOK_SECRET');
  if (webhookSecret !== undefined && !webhookSecret.startsWith('whsec_')) {
    throw new ConfigError('STRIPE_WEBHOOK_SECRET', 'must start with whsec_');
  }

  const authorizationWebhookSecret = read(env, 'STRIPE_AUTHORIZATION_WEBHOOK_SECRET');
  if (authorizationWebhookSecret !== undefined && !authorizationWebhookSecret.startsWith('whsec_')) {
    throw new ConfigError('STRIPE_AUTHORIZATION_WEBHOOK_SECRET', 'must start with whsec_');
  }

  const databaseUrl = read(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  const database: Config['database'] =
    databaseUrl !== undefined ? { kind: 'postgres', url: databaseUrl } : { kind: 'pglite', dir: read(env, 'PGLITE_DIR') ?? 'data/pglite' };

  const sessionSecret = read(env, 'SESSION_SECRET');
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters');
  }
  if (mode === 'stripe' && sessionSecret === undefined) {
    throw new ConfigError('SESSION_SECRET', 'is required in stripe mode (at least 32 characters)');
  }

  let emulator: Config['emulator'];
  if (mode === 'emulator') {
    const emulatorPort = port(env, 'EMULATOR_PORT', 12111);
    const apiUrl = read(env, 'EMULATOR_API_URL');
    if (apiUrl !== undefined) {
      const url = new URL(origin(env, 'EMULATOR_API_URL', apiUrl));
      if (url.protocol !== 'http:') throw new ConfigError('EMULATOR_API_URL', `must be an http:// URL (the emulator serves plain HTTP), got "${apiUrl}"`);
      emulator = {
        port: Number(url.port || 80),
        apiHost: url.hostname,
        publicUrl: origin(env, 'EMULATOR_PUBLIC_URL', url.origin),
        external: true,
      };
    } else {
      emulator = {
        port: emulatorPort,
        // A wildcard bind address is not something to connect to; the emulator runs beside us.
        apiHost: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
        publicUrl: origin(env, 'EMULATOR_PUBLIC_URL', `http://localhost:${emulatorPort}`),
        external: false,
      };
    }
  }

  const trustProxyRaw = read(env, 'TRUST_PROXY');
  if (trustProxyRaw !== undefined && !/^[\w.:/]+(\s*,\s*[\w.:/]+)*$/.test(trustProxyRaw)) {
    throw new ConfigError('TRUST_PROXY', `must be comma-separated addresses/CIDRs (loopback, uniquelocal, 10.0.0.0/8…), got "${trustProxyRaw}"`);
  }
  const trustProxy = trustProxyRaw;

  const revealTimeoutRaw = read(env, 'REVEAL_DISPLAY_TIMEOUT_SECONDS');
  let revealDisplayTimeoutSeconds: number | undefined;
  if (revealTimeoutRaw !== undefined) {
    revealDisplayTimeoutSeconds = Number(revealTimeoutRaw);
    if (!/^\d+$/.test(revealTimeoutRaw) || revealDisplayTimeoutSeconds < 1 || revealDisplayTimeoutSeconds > 3600) {
      throw new ConfigError('REVEAL_DISPLAY_TIMEOUT_SECONDS', `must be a whole number of seconds (1-3600), got "${revealTimeoutRaw}"`);
    }
  }

  const wholeNumber = (name: string, fallback: number, min: number, max: number): number => {
    const raw = read(env, name);
    if (raw === undefined) return fallback;
    const value = Number(raw);
    if (!/^\d+$/.test(raw) || value < min || value > max) throw new ConfigError(name, `must be a whole number (${min}-${max}), got "${raw}"`);
    return value;
  };
  const mirror = {
    reconcileSeconds: wholeNumber('MIRROR_RECONCILE_SECONDS', 300, 1, 86_400),
    accountsPerPass: wholeNumber('MIRROR_RECONCILE_ACCOUNTS', 500, 1, 100_000),
    staleSeconds: wholeNumber('MIRROR_STALE_SECONDS', 600, 1, 86_400 * 30),
  };

  const stepUpRaw = read(env, 'STEP_UP_MAX_AGE_SECONDS');
  let stepUpMaxAgeSeconds: number | undefined;
  if (stepUpRaw !== undefined) {
    stepUpMaxAgeSeconds = Number(stepUpRaw);
    if (!/^\d+$/.test(stepUpRaw) || stepUpMaxAgeSeconds < 1 || stepUpMaxAgeSeconds > 3600) {
      throw new ConfigError('STEP_UP_MAX_AGE_SECONDS', `must be a whole number of seconds (1-3600), got "${stepUpRaw}"`);
    }
  }
  // Stripe's global rate limit per account: 100 requests/s live, 25 in test mode
  // (https://docs.stripe.com/rate-limits), of which the app takes 80 %: the browsers' own calls
  // to Stripe (Stripe.js nonces, the embedded components) count against the same account in the
  // emulator and may on Stripe. One budget for the deployment: the instances share it through the
  // database (decisions 131, 149).
  // In emulator mode with the emulator's limits switched off (EMULATOR_RATE_LIMITS=off, the
  // benchmark's load tests) there is nothing to pace to.
  const maxRpsRaw = read(env, 'STRIPE_MAX_RPS');
  let maxRequestsPerSecond: number | undefined = secretKey !== undefined && /^(sk|rk)_live_/.test(secretKey) ? 80 : 20;
  if (secretKey === undefined && read(env, 'EMULATOR_RATE_LIMITS') === 'off') maxRequestsPerSecond = undefined;
  if (maxRpsRaw === 'off') {
    maxRequestsPerSecond = undefined;
  } else if (maxRpsRaw !== undefined) {
    maxRequestsPerSecond = Number(maxRpsRaw);
    if (!/^\d+$/.test(maxRpsRaw) || maxRequestsPerSecond < 1 || maxRequestsPerSecond > 10_000) {
      throw new ConfigError('STRIPE_MAX_RPS', `must be a whole number of Stripe requests per second (1-10000) or off, got "${maxRpsRaw}"`);
    }
  }
  // Stripe's "Individual API endpoints (unless otherwise noted): 25 requests per second" (the same
  // page), for the deployment; only while there is pacing at all.
  const perEndpointRaw = read(env, 'STRIPE_MAX_RPS_PER_ENDPOINT');
  let maxRequestsPerSecondPerEndpoint: number | undefined = maxRequestsPerSecond === undefined ? undefined : 25;
  if (perEndpointRaw === 'off') {
    maxRequestsPerSecondPerEndpoint = undefined;
  } else if (perEndpointRaw !== undefined) {
    maxRequestsPerSecondPerEndpoint = Number(perEndpointRaw);
    if (!/^\d+$/.test(perEndpointRaw) || maxRequestsPerSecondPerEndpoint < 1 || maxRequestsPerSecondPerEndpoint > 10_000) {
      throw new ConfigError('STRIPE_MAX_RPS_PER_ENDPOINT', `must be a whole number of Stripe requests per second (1-10000) or off, got "${perEndpointRaw}"`);
    }
  }
  const requireRaw = read(env, 'REQUIRE_SECOND_FACTOR');
  if (requireRaw !== undefined && requireRaw !== 'true' && requireRaw !== 'false') {
    throw new ConfigError('REQUIRE_SECOND_FACTOR', `must be true or false, got "${requireRaw}"`);
  }

  const oidcIssuer = read(env, 'OIDC_ISSUER');
  const oidcClientId = read(env, 'OIDC_CLIENT_ID');
  const oidcClientSecret = read(env, 'OIDC_CLIENT_SECRET');
  let oidc: Config['oidc'];
  if (oidcIssuer !== undefined || oidcClientId !== undefined || oidcClientSecret !== undefined) {
    for (const [name, value] of [['OIDC_ISSUER', oidcIssuer], ['OIDC_CLIENT_ID', oidcClientId], ['OIDC_CLIENT_SECRET', oidcClientSecret]] as const) {
      if (value === undefined) throw new ConfigError(name, 'set OIDC_ISSUER, OIDC_CLIENT_ID and OIDC_CLIENT_SECRET together (single sign-on), or none');
    }
    let issuerUrl: URL;
    try {
      issuerUrl = new URL(oidcIssuer!);
    } catch {
      throw new ConfigError('OIDC_ISSUER', `must be the identity provider's issuer URL, got "${oidcIssuer}"`);
    }
    const loopback = ['localhost', '127.0.0.1', '[::1]'].includes(issuerUrl.hostname);
    if (issuerUrl.protocol !== 'https:' && !(issuerUrl.protocol === 'http:' && loopback)) {
      throw new ConfigError('OIDC_ISSUER', 'must be https:// (plain http only on this machine, for tests)');
    }
    const list = (name: string, fallback: string) => (read(env, name) ?? fallback).split(',').map((g) => g.trim()).filter(Boolean);
    oidc = {
      issuer: oidcIssuer!,
      clientId: oidcClientId!,
      clientSecret: oidcClientSecret!,
      scopes: read(env, 'OIDC_SCOPES') ?? 'openid email profile',
      groupsClaim: read(env, 'OIDC_GROUPS_CLAIM') ?? 'groups',
      adminGroups: list('OIDC_ADMIN_GROUPS', 'dashboard-admins'),
      supportGroups: list('OIDC_SUPPORT_GROUPS', 'dashboard-support'),
      accountsClaim: read(env, 'OIDC_ACCOUNTS_CLAIM') ?? 'connected_accounts',
    };
  }
  const passwordRaw = read(env, 'PASSWORD_SIGN_IN');
  if (passwordRaw !== undefined && passwordRaw !== 'true' && passwordRaw !== 'false') {
    throw new ConfigError('PASSWORD_SIGN_IN', `must be true or false, got "${passwordRaw}"`);
  }
  if (passwordRaw === 'false' && !oidc) throw new ConfigError('PASSWORD_SIGN_IN', 'false needs single sign-on (OIDC_ISSUER…), or nobody could sign in');
  const auditAnchorKey = read(env, 'AUDIT_ANCHOR_KEY');
  if (auditAnchorKey !== undefined && auditAnchorKey.length < 32) throw new ConfigError('AUDIT_ANCHOR_KEY', 'must be at least 32 characters');

  return {
    mode,
    host,
    port: appPort,
    publicUrl,
    allowedOrigins,
    secureCookies: !publicUrl.startsWith('http://'),
    logLevel,
    database,
    sessionSecret,
    stripe: {
      secretKey: secretKey ?? EMULATOR_SECRET_KEY,
      publishableKey: publishableKey ?? EMULATOR_PUBLISHABLE_KEY,
      webhookSecret,
      ...(authorizationWebhookSecret !== undefined ? { authorizationWebhookSecret } : {}),
      apiVersion: Stripe.API_VERSION,
      maxRequestsPerSecond,
      maxRequestsPerSecondPerEndpoint,
    },
    emulator,
    revealDisplayTimeoutSeconds,
    mirror,
    trustProxy,
    secondFactor: { stepUpMaxAgeSeconds, requiredForAll: requireRaw === 'true' },
    oidc,
    passwordSignIn: passwordRaw !== 'false',
    auditAnchor: { file: anchorFileFrom(read(env, 'AUDIT_ANCHOR_FILE'), database), key: auditAnchorKey },
  };
}

/**
 * Everything the browser may learn about the configuration, and nothing else: this object is
 * the whole body of GET /api/config.
 */
export function browserConfig(config: Config): {
  mode: Mode;
  publishableKey: string;
  apiVersion: string;
  emulatorUrl?: string;
  issuingKeyUrl: string;
  signIn: { password: boolean; sso: boolean };
} {
  return {
    signIn: { password: config.passwordSignIn !== false, sso: config.oidc !== undefined },
    mode: config.mode,
    publishableKey: config.stripe.publishableKey,
    apiVersion: config.stripe.apiVersion,
    ...(config.emulator ? { emulatorUrl: config.emulator.publicUrl } : {}),
    // The emulator serves a stand-in for Stripe's key endpoint (docs/architecture.md).
    issuingKeyUrl: config.emulator ? `${config.emulator.publicUrl}/issuing-key/v1/keys` : STRIPE_ISSUING_KEY_URL,
  };
}
