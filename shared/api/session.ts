// Session and identity: signing in (POST /api/session), GET /api/session, GET /api/me.
import { Type, type Static } from 'typebox';
import { Role } from './common.ts';
import type { StepUpPolicy } from '../policy.ts';
import { Permissions } from './permissions.ts';
import type { Plain, SameType } from './same-type.ts';

export const LoginBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
  },
  { additionalProperties: false },
);
export type LoginBody = Static<typeof LoginBody>;

export const User = Type.Object({ id: Type.String(), email: Type.String(), role: Role });
export type User = Static<typeof User>;

export const SecondFactorMethod = Type.Union([
  Type.Literal('totp'),
  Type.Literal('webauthn'),
  Type.Literal('recovery_code'),
]);
export type SecondFactorMethodName = Static<typeof SecondFactorMethod>;

/**
 * Signed in (`user`; with `secondFactorEnrollmentRequired` when the role must enrol a second
 * factor before anything else), or the password was right and the second factor comes next
 * (`POST /api/step-up` with one of `methods`).
 */
export const LoginResponse = Type.Union([
  Type.Object({ user: User, secondFactorEnrollmentRequired: Type.Optional(Type.Literal(true)) }),
  Type.Object({ secondFactorRequired: Type.Literal(true), methods: Type.Array(SecondFactorMethod) }),
]);
export type LoginResponse = Static<typeof LoginResponse>;

/**
 * GET /api/session: whether this browser is signed in, answered 200 to anyone, so that the
 * client learns it without a refused request (GET /api/me answers 401 when signed out).
 * `secondFactorRequired`: the password was right, the second factor is still due.
 */
export const SessionStatus = Type.Union([
  Type.Object({ signedIn: Type.Literal(false) }, { additionalProperties: false }),
  Type.Object({ signedIn: Type.Literal(true), secondFactorRequired: Type.Boolean() }, { additionalProperties: false }),
]);
export type SessionStatus = Static<typeof SessionStatus>;

export const MeResponse = Type.Object({
  user: User,
  /** `'all'` for roles that reach every account (browsing or by lookup); else the member accounts. */
  accounts: Type.Union([Type.Literal('all'), Type.Array(Type.String())]),
  accountScope: Type.Union([Type.Literal('all'), Type.Literal('memberships'), Type.Literal('lookup')]),
  permissions: Permissions,
  secondFactor: Type.Object({
    /** Methods the user can check with (factor kinds, and recovery codes while some remain). */
    enrolled: Type.Array(SecondFactorMethod),
    /** When the last check stops counting for step-up actions (ISO time), or null. */
    freshUntil: Type.Union([Type.String(), Type.Null()]),
    /**
     * When the password's proof stops counting (ISO time), or null: the sign-in or the password
     * typed again (POST /api/security/reauthenticate). A user with no factor needs it to enrol
     * the first or link single sign-on (403 `reauthentication_required`).
     */
    passwordFreshUntil: Type.Union([Type.String(), Type.Null()]),
    /** `sign-in`: the check is still due; `enrolment`: the role requires a factor and there is none. */
    pending: Type.Union([Type.Literal('sign-in'), Type.Literal('enrolment'), Type.Null()]),
    /** Whether this user's role (or the deployment) requires a second factor. */
    required: Type.Boolean(),
    stepUpMaxAgeSeconds: Type.Integer(),
    /** Actions of this role that need a fresh check (shared/policy.ts). */
    stepUp: Type.Object({
      reveal: Type.Boolean(),
      setPin: Type.Boolean(),
      administerUsers: Type.Boolean(),
      componentNumbers: Type.Boolean(),
      replaceCards: Type.Boolean(),
    }),
  }),
});
export type MeResponse = Static<typeof MeResponse>;

// `secondFactor.stepUp` is shared/policy.ts's StepUpPolicy written out: tsc fails if they drift.
const _stepUpMatchesPolicy: SameType<Plain<MeResponse['secondFactor']['stepUp']>, Plain<StepUpPolicy>> = true;
void _stepUpMatchesPolicy;
