// Environment -> typed, validated Config, read once at start. A bad value stops the process
// with a message naming the variable (docs/architecture.md, "Processes, ports, environment").
// Behaviour switches on these settings only, never on NODE_ENV.
//
// The readers, one per section, are in ./config/: read.ts (one variable: trimming, numbers,
// origins, ConfigError), server.ts, stripe.ts, database.ts, emulator.ts, security.ts, sso.ts,
// mirror.ts. This file puts their answers together.
import { anchorFileFrom } from './domain/audit-anchor.ts';
import { databaseFrom } from './config/database.ts';
import { emulatorFrom } from './config/emulator.ts';
import { mirrorFrom } from './config/mirror.ts';
import { read, type Env } from './config/read.ts';
import {
  auditAnchorKeyFrom,
  passwordSignInFrom,
  requireSecondFactorFrom,
  secondsFrom,
  sessionSecretFrom,
} from './config/security.ts';
import { serverFrom, trustProxyFrom } from './config/server.ts';
import { oidcFrom } from './config/sso.ts';
import { stripeKeysFrom, stripePacingFrom } from './config/stripe.ts';
import { STRIPE_API_VERSION } from '../shared/stripe-api-version.ts';

export { ConfigError } from './config/read.ts';
export { databaseFrom } from './config/database.ts';

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

export function loadConfig(env: Env = process.env): Config {
  // Read in this order: with several bad variables, the first one read is the one reported.
  const server = serverFrom(env);
  const keys = stripeKeysFrom(env);
  const database = databaseFrom(env);
  const sessionSecret = sessionSecretFrom(env, keys.mode);
  const emulator = emulatorFrom(env, keys.mode, server.host);
  const trustProxy = trustProxyFrom(env);
  const revealDisplayTimeoutSeconds = secondsFrom(env, 'REVEAL_DISPLAY_TIMEOUT_SECONDS');
  const mirror = mirrorFrom(env);
  const stepUpMaxAgeSeconds = secondsFrom(env, 'STEP_UP_MAX_AGE_SECONDS');
  const pacing = stripePacingFrom(env, keys.secretKey);
  const requiredForAll = requireSecondFactorFrom(env);
  const oidc = oidcFrom(env);
  const passwordSignIn = passwordSignInFrom(env, oidc);
  const auditAnchorKey = auditAnchorKeyFrom(env);

  return {
    mode: keys.mode,
    ...server,
    database,
    sessionSecret,
    stripe: {
      secretKey: keys.secretKey ?? EMULATOR_SECRET_KEY,
      publishableKey: keys.publishableKey ?? EMULATOR_PUBLISHABLE_KEY,
      webhookSecret: keys.webhookSecret,
      ...(keys.authorizationWebhookSecret !== undefined
        ? { authorizationWebhookSecret: keys.authorizationWebhookSecret }
        : {}),
      apiVersion: STRIPE_API_VERSION,
      ...pacing,
    },
    emulator,
    revealDisplayTimeoutSeconds,
    mirror,
    trustProxy,
    secondFactor: { stepUpMaxAgeSeconds, requiredForAll },
    oidc,
    passwordSignIn,
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
