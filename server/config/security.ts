// Sessions, second factor, reveals, sign-in methods and the audit chain's anchor key.
import type { Config, Mode } from '../config.ts';
import { ConfigError, read, trueOrFalse, wholeNumber, type Env } from './read.ts';

export function sessionSecretFrom(env: Env, mode: Mode): string | undefined {
  const sessionSecret = read(env, 'SESSION_SECRET');
  if (sessionSecret !== undefined && sessionSecret.length < 32) {
    throw new ConfigError('SESSION_SECRET', 'must be at least 32 characters');
  }
  if (mode === 'stripe' && sessionSecret === undefined) {
    throw new ConfigError('SESSION_SECRET', 'is required in stripe mode (at least 32 characters)');
  }
  return sessionSecret;
}

/** REVEAL_DISPLAY_TIMEOUT_SECONDS and STEP_UP_MAX_AGE_SECONDS: seconds, at most an hour. */
export function secondsFrom(
  env: Env,
  name: 'REVEAL_DISPLAY_TIMEOUT_SECONDS' | 'STEP_UP_MAX_AGE_SECONDS',
): number | undefined {
  return wholeNumber(env, name, { min: 1, max: 3600, what: 'a whole number of seconds' });
}

export function requireSecondFactorFrom(env: Env): boolean {
  return trueOrFalse(env, 'REQUIRE_SECOND_FACTOR') === true;
}

/** PASSWORD_SIGN_IN=false leaves single sign-on only, so it needs single sign-on configured. */
export function passwordSignInFrom(env: Env, oidc: Config['oidc']): boolean {
  const passwordSignIn = trueOrFalse(env, 'PASSWORD_SIGN_IN');
  if (passwordSignIn === false && !oidc)
    throw new ConfigError('PASSWORD_SIGN_IN', 'false needs single sign-on (OIDC_ISSUER…), or nobody could sign in');
  return passwordSignIn !== false;
}

export function auditAnchorKeyFrom(env: Env): string | undefined {
  const key = read(env, 'AUDIT_ANCHOR_KEY');
  if (key !== undefined && key.length < 32) throw new ConfigError('AUDIT_ANCHOR_KEY', 'must be at least 32 characters');
  return key;
}
