// When the Security page asks for the owner's check before enrolling a factor or linking single
// sign-on, instead of sending a request the server would refuse (403 step_up_required /
// reauthentication_required, which the browser logs as a console error): from /api/me.
import { describe, expect, it } from 'vitest';
import { ownerCheckDue } from '../../client/src/components/step-up/step-up-due.ts';
import type { MeResponse } from '../../shared/api.ts';
import { POLICY } from '../../shared/policy.ts';

const NOW = Date.parse('2026-11-29T02:00:00Z');
const at = (ms: number) => new Date(NOW + ms).toISOString();
const me = (
  enrolled: MeResponse['secondFactor']['enrolled'],
  freshUntil: string | null,
  passwordFreshUntil: string | null,
): Pick<MeResponse, 'secondFactor'> => ({
  secondFactor: {
    enrolled,
    freshUntil,
    passwordFreshUntil,
    pending: null,
    required: false,
    stepUpMaxAgeSeconds: 300,
    stepUp: { ...POLICY.account_user.secondFactor.stepUp },
  },
});

describe('ownerCheckDue', () => {
  it('without a factor: the password, once its proof has run out or never was, and nothing while it is fresh', () => {
    expect(ownerCheckDue(me([], null, at(1000)), NOW)).toBeNull();
    expect(ownerCheckDue(me([], null, at(0)), NOW)).toBe('password');
    expect(ownerCheckDue(me([], null, at(-1000)), NOW)).toBe('password');
    expect(ownerCheckDue(me([], null, null), NOW)).toBe('password');
  });

  it('with a factor: a fresh check of it, however recent the password (the password alone must not swap a factor)', () => {
    expect(ownerCheckDue(me(['totp'], null, at(60_000)), NOW)).toBe('step-up');
    expect(ownerCheckDue(me(['webauthn', 'recovery_code'], at(-1), at(60_000)), NOW)).toBe('step-up');
    expect(ownerCheckDue(me(['totp'], at(1000), null), NOW)).toBeNull();
  });

  it('reads the browser clock by default', () => {
    expect(ownerCheckDue(me([], null, new Date(Date.now() + 60_000).toISOString()))).toBeNull();
    expect(ownerCheckDue(me([], null, new Date(Date.now() - 1).toISOString()))).toBe('password');
  });

  it('without /api/me (not loaded) the page sends and lets the server decide', () => {
    expect(ownerCheckDue(undefined, NOW)).toBeNull();
  });
});
