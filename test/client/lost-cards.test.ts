// A card frozen as reported lost (decision 164): its page no longer offers its details or a PIN,
// and it waits to be canceled and replaced, which ends once it is replaced or activated again.
import { describe, expect, it } from 'vitest';
import { cardLinks } from '../../client/src/app/nav.ts';
import type { MeResponse } from '../../shared/api.ts';
import { awaitingReplacement, frozenAsLost } from '../../shared/lost-cards.ts';
import { POLICY, type Role } from '../../shared/policy.ts';

function me(role: Role): MeResponse {
  return {
    user: { id: `usr_${role}`, email: `${role}@example.com`, role },
    accounts: 'all',
    accountScope: POLICY[role].accountScope,
    permissions: structuredClone(POLICY[role].permissions) as MeResponse['permissions'],
    secondFactor: {
      enrolled: ['totp'],
      freshUntil: null,
      passwordFreshUntil: null,
      pending: null,
      required: POLICY[role].secondFactor.required,
      stepUpMaxAgeSeconds: 300,
      stepUp: { ...POLICY[role].secondFactor.stepUp },
    },
  };
}

const REPORTED = '2026-11-29T02:00:00.000Z';
const card = (status: string, extra: Record<string, unknown> = {}) => ({
  id: 'ic_1',
  account: 'acct_a',
  type: 'physical',
  status,
  cancellation_reason: null as string | null,
  lost_reported_at: null as string | null,
  replaced_by: null as string | null,
  ...extra,
});
const labels = (role: Role, c: ReturnType<typeof card>) => cardLinks(me(role), c).map((link) => link.label);

describe('a card frozen as reported lost', () => {
  it('offers no "Reveal card details" nor "Set PIN", while a card merely frozen keeps them', () => {
    expect(labels('support_agent', card('inactive'))).toEqual(['Reveal card details']);
    expect(labels('account_user', card('inactive'))).toEqual(['Set PIN']);
    const lost = card('inactive', { lost_reported_at: REPORTED });
    expect(labels('support_agent', lost)).toEqual([]);
    expect(labels('account_user', lost)).toEqual([]);
  });

  it('waits for its replacement while frozen or canceled as lost, and no longer once replaced or active again', () => {
    expect(frozenAsLost(card('inactive', { lost_reported_at: REPORTED }))).toBe(true);
    expect(frozenAsLost(card('inactive'))).toBe(false);
    expect(awaitingReplacement(card('inactive', { lost_reported_at: REPORTED }))).toBe(true);
    expect(awaitingReplacement(card('canceled', { cancellation_reason: 'lost', lost_reported_at: REPORTED }))).toBe(
      true,
    );
    expect(awaitingReplacement(card('canceled', { cancellation_reason: 'stolen', lost_reported_at: REPORTED }))).toBe(
      false,
    );
    expect(awaitingReplacement(card('inactive', { lost_reported_at: REPORTED, replaced_by: 'ic_2' }))).toBe(false);
    expect(awaitingReplacement(card('active', { lost_reported_at: REPORTED }))).toBe(false);
    expect(awaitingReplacement(card('inactive'))).toBe(false);
  });
});
