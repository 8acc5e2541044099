// TOTP (RFC 6238) with otpauth: the secret, the URI an authenticator app reads, and which time
// step a code belongs to. Replay protection (a step accepted once is not accepted again) lives
// in the database (db/second-factors.ts claimTotpStep), so it holds across instances.
import { Secret, TOTP } from 'otpauth';
import { SECOND_FACTOR } from '../../shared/policy.ts';

const { algorithm, digits, periodSeconds, window } = SECOND_FACTOR.totp;

export const TOTP_ISSUER = 'Connect Issuing Dashboard';

function totpFor(secretBase32: string, label = 'user'): TOTP {
  return new TOTP({
    issuer: TOTP_ISSUER,
    label,
    algorithm,
    digits,
    period: periodSeconds,
    secret: Secret.fromBase32(secretBase32),
  });
}

/** A new random secret (160 bits, the size RFC 4226 recommends for SHA-1), base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** `otpauth://totp/…` for an authenticator app (Key Uri Format). */
export function totpUri(secretBase32: string, accountLabel: string): string {
  return totpFor(secretBase32, accountLabel).toString();
}

/** The time step of `code` within `window` steps of `nowMs`, or null when it matches none. */
export function matchTotpStep(secretBase32: string, code: string, nowMs: number): number | null {
  if (!new RegExp(`^\\d{${digits}}$`).test(code)) return null;
  const delta = totpFor(secretBase32).validate({ token: code, timestamp: nowMs, window });
  if (delta === null) return null;
  return Math.floor(nowMs / 1000 / periodSeconds) + delta;
}

/** The code for a time (tests, the demo). */
export function totpCode(secretBase32: string, nowMs: number): string {
  return totpFor(secretBase32).generate({ timestamp: nowMs });
}
