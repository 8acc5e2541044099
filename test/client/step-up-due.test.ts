// When a page asks for a fresh second-factor check before sending (instead of a request the
// server would refuse with 403 step_up_required): from /api/me's policy flags and freshUntil.
import { describe, expect, it } from 'vitest';
import { stepUpDue } from '../../client/src/components/step-up/step-up-due.ts';
import type { MeResponse } from '../../shared/api.ts';
import { POLICY, type Role } from '../../shared/policy.ts';

const NOW = Date.parse('2026-11-29T02:00:00Z');
const me = (
  role: Role,
  freshUntil: string | null,
  enrolled: MeResponse['secondFactor']['enrolled'] = ['totp'],
): Pick<MeResponse, 'secondFactor'> => ({
  secondFactor: {
    enrolled,
    freshUntil,
    passwordFreshUntil: null,
    pending: null,
    required: true,
    stepUpMaxAgeSeconds: 300,
    stepUp: { ...POLICY[role].secondFactor.stepUp },
  },
});

describe('stepUpDue', () => {
  it('a support agent reveals without asking while the check is fresh, and is asked once it is not (or never was)', () => {
    expect(stepUpDue(me('support_agent', new Date(NOW + 1000).toISOString()), 'reveal', NOW)).toBe(false);
    expect(stepUpDue(me('support_agent', new Date(NOW).toISOString()), 'reveal', NOW)).toBe(true);
    expect(stepUpDue(me('support_agent', null), 'reveal', NOW)).toBe(true);
  });

  // Issue 17.2 (docs/decisions/104): admins used to reveal through the components without one;
  // every card secret now needs a fresh check for staff roles.
  it('only for the actions the role must step up for (staff for every card secret, account users not for their own card numbers)', () => {
    expect(stepUpDue(me('platform_admin', null), 'reveal', NOW)).toBe(true);
    expect(stepUpDue(me('platform_admin', null), 'componentNumbers', NOW)).toBe(true);
    expect(stepUpDue(me('account_user', null, []), 'reveal', NOW)).toBe(false);
    expect(stepUpDue(me('account_user', null, []), 'componentNumbers', NOW)).toBe(false);
    expect(stepUpDue(me('platform_admin', null), 'administerUsers', NOW)).toBe(true);
    expect(stepUpDue(me('account_user', null, []), 'setPin', NOW)).toBe(true);
  });

  it('changing second factors needs one only once a factor exists (the first enrolment does not)', () => {
    expect(stepUpDue(me('account_user', null, []), 'changeFactors', NOW)).toBe(false);
    expect(stepUpDue(me('account_user', null, ['totp']), 'changeFactors', NOW)).toBe(true);
  });

  it('without /api/me (not loaded) the page sends and lets the server decide', () => {
    expect(stepUpDue(undefined, 'reveal', NOW)).toBe(false);
  });
});
