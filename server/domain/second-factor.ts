// The second-factor check behind sign-in and step-up: which methods a user has, verifying a
// TOTP code, a recovery code or a passkey assertion, and throttling guesses
// (docs/decisions/100-second-factor-and-step-up.md).
import { createHash, randomBytes } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { AuthenticationResponseJSON } from '@simplewebauthn/server';
import {
  POLICY,
  SECOND_FACTOR,
  needsStepUp,
  type Role,
  type SecondFactorMethod,
  type StepUpAction,
} from '../../shared/policy.ts';
import type { Config } from '../config.ts';
import { clearAttempts, recentAttempts, recordFailures } from '../db/attempt-limit.ts';
import type { Queryable } from '../db/database.ts';
import {
  claimTotpStep,
  listFactors,
  replaceRecoveryCodes,
  totpFactors,
  unusedRecoveryCodes,
  useRecoveryCode,
} from '../db/second-factors.ts';
import { HttpError, badRequest } from '../errors.ts';
import { verifyAssertion } from './passkeys.ts';
import { matchTotpStep } from './totp.ts';

/** Methods the user can complete a check with: factor kinds, plus recovery codes while some remain. */
export async function enrolledMethods(db: Queryable, userId: string): Promise<SecondFactorMethod[]> {
  const kinds = new Set<SecondFactorMethod>((await listFactors(db, userId)).map((f) => f.kind));
  if (kinds.size > 0 && (await unusedRecoveryCodes(db, userId)) > 0) kinds.add('recovery_code');
  return (['totp', 'webauthn', 'recovery_code'] as const).filter((m) => kinds.has(m));
}

/** Whether this user must have a second factor (the role's policy, or the deployment's setting). */
export function secondFactorRequired(config: Config, role: Role): boolean {
  return config.secondFactor?.requiredForAll === true || POLICY[role].secondFactor.required;
}

export function stepUpMaxAgeSeconds(config: Config): number {
  return config.secondFactor?.stepUpMaxAgeSeconds ?? SECOND_FACTOR.stepUpMaxAgeSeconds;
}

/** When the session's last check stops counting as fresh (ms), or null without a check. */
export function freshUntilMs(config: Config, verifiedAt: number | null): number | null {
  return verifiedAt === null ? null : (verifiedAt + stepUpMaxAgeSeconds(config)) * 1000;
}

export class StepUpRequired extends HttpError {
  constructor() {
    super(
      403,
      'step_up_required',
      'Confirm it is you: enter a code from your authenticator app or use your passkey, then try again.',
    );
  }
}

/**
 * Refuses (403 `step_up_required`) when the role's policy asks for a fresh check before this
 * action and the session has none within the allowed age. Returns the method of the check that
 * counts (for the audit row), or null when the policy asks for none.
 */
export function requireStepUp(
  app: Pick<FastifyInstance, 'config' | 'now'>,
  request: FastifyRequest,
  action: StepUpAction,
): SecondFactorMethod | null {
  const user = request.user!;
  if (!needsStepUp(user.role, action)) return null;
  const { verifiedAt, method } = request.secondFactor;
  const until = freshUntilMs(app.config, verifiedAt);
  if (until === null || method === null || app.now() >= until) throw new StepUpRequired();
  return method;
}

// ---- recovery codes -----------------------------------------------------------------------

const CODE_ALPHABET = 'abcdefghjkmnpqrstuvwxyz23456789'; // no 0/o, 1/l/i

/** `xxxxx-xxxxx`: 10 characters from 31, about 49 bits each. */
function newRecoveryCode(): string {
  const bytes = randomBytes(10);
  const chars = [...bytes].map((b) => CODE_ALPHABET[b % CODE_ALPHABET.length]).join('');
  return `${chars.slice(0, 5)}-${chars.slice(5)}`;
}

/** Recovery codes are long random strings, so one SHA-256 is enough to keep them unreadable at rest. */
export function hashRecoveryCode(code: string): string {
  return createHash('sha256').update(code.trim().toLowerCase().replace(/[\s-]/g, '')).digest('hex');
}

/** New codes for the user (replacing any earlier ones); the plain codes are returned once. */
export async function issueRecoveryCodes(db: Queryable, userId: string): Promise<string[]> {
  const codes = Array.from({ length: SECOND_FACTOR.recoveryCodes }, newRecoveryCode);
  await replaceRecoveryCodes(db, userId, codes.map(hashRecoveryCode));
  return codes;
}

// ---- throttled verification -----------------------------------------------------------------

const failureKey = (userId: string) => `second-factor:${userId}`;

export type CheckInput =
  | { method: 'totp'; code: string }
  | { method: 'recovery_code'; code: string }
  | { method: 'webauthn'; response: AuthenticationResponseJSON };

/**
 * Verifies one second-factor attempt of the request's user. Past `SECOND_FACTOR.maxFailures`
 * failures in the window the attempt is refused (429) without being checked, so a six-digit code
 * cannot be guessed; each failure is counted, a success clears the count.
 */
/** 429 when the user has had too many failed checks lately (before anything is verified). */
export async function assertNotThrottled(db: Queryable, userId: string, reply: FastifyReply): Promise<void> {
  if (
    (await recentAttempts(db, failureKey(userId), SECOND_FACTOR.failureWindowSeconds)).count >=
    SECOND_FACTOR.maxFailures
  ) {
    reply.header('retry-after', String(SECOND_FACTOR.failureWindowSeconds));
    throw new HttpError(429, 'rate_limited', 'Too many wrong codes. Wait 15 minutes and try again.');
  }
}

/** Counts a failed check against the user, logs it (without the code), and throws it. */
export async function failCheck(
  db: Queryable,
  request: FastifyRequest,
  method: string,
  failure: HttpError,
): Promise<never> {
  await recordFailures(db, [failureKey(request.user!.id)]);
  request.log.info({ userId: request.user!.id, method, code: failure.code }, 'second-factor check failed');
  throw failure;
}

export async function clearFailures(db: Queryable, userId: string): Promise<void> {
  await clearAttempts(db, failureKey(userId));
}

export async function verifySecondFactor(
  app: Pick<FastifyInstance, 'db' | 'config' | 'now'>,
  request: FastifyRequest,
  reply: FastifyReply,
  input: CheckInput,
): Promise<SecondFactorMethod> {
  const user = request.user!;
  await assertNotThrottled(app.db, user.id, reply);
  let failure: HttpError | null = null;
  if (input.method === 'totp') {
    const factors = await totpFactors(app.db, user.id);
    if (factors.length === 0)
      failure = badRequest('You have no authenticator app set up.', 'method', 'method_not_enrolled');
    else {
      let matched = false;
      let accepted = false;
      for (const factor of factors) {
        const step = matchTotpStep(factor.totp_secret!, input.code.trim(), app.now());
        if (step === null) continue;
        matched = true;
        if (await claimTotpStep(app.db, factor.id, step, false)) {
          accepted = true;
          break;
        }
      }
      if (!accepted) {
        failure = matched
          ? badRequest('This code was used already. Wait for the next one.', 'code', 'code_reused')
          : badRequest('That code is not right. Check your authenticator app and try again.', 'code', 'invalid_code');
      }
    }
  } else if (input.method === 'recovery_code') {
    if (!(await useRecoveryCode(app.db, user.id, hashRecoveryCode(input.code)))) {
      failure = badRequest('That recovery code is not right, or was used already.', 'code', 'invalid_code');
    }
  } else if (!(await verifyAssertion(app.db, app.config, { id: user.id, sessionId: user.sessionId }, input.response))) {
    failure = badRequest('The passkey could not be verified. Try again.', 'response', 'invalid_passkey');
  }

  if (failure) await failCheck(app.db, request, input.method, failure);
  await clearFailures(app.db, user.id);
  request.log.info({ userId: user.id, method: input.method }, 'second-factor check passed');
  return input.method;
}
