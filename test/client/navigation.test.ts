// Where each role lands and what its navigation offers, from the policy and /api/me.
import { describe, expect, it } from 'vitest';
import { cardLinks, homeFor, issuingUi, navItems } from '../../client/src/app/nav.ts';
import { paths, safeRedirectTarget } from '../../client/src/lib/paths.ts';
import { toAuditFilters } from '../../client/src/features/audit/lib/audit-filters.ts';
import type { MeResponse } from '../../shared/api.ts';
import { POLICY, type Role } from '../../shared/policy.ts';

function me(role: Role, accounts: MeResponse['accounts']): MeResponse {
  return {
    user: { id: `usr_${role}`, email: `${role}@example.com`, role },
    accounts,
    accountScope: POLICY[role].accountScope,
    permissions: structuredClone(POLICY[role].permissions) as MeResponse['permissions'],
    secondFactor: {
      enrolled: [],
      freshUntil: null,
      passwordFreshUntil: null,
      pending: null,
      required: POLICY[role].secondFactor.required,
      stepUpMaxAgeSeconds: 300,
      stepUp: { ...POLICY[role].secondFactor.stepUp },
    },
  };
}

describe('navigation by role', () => {
  it.each([
    [
      'platform_admin',
      'all',
      ['Overview', 'Accounts', 'Find a card', 'Test purchase', 'Audit log', 'Users'],
      paths.overview.href(),
    ],
    [
      'account_user',
      ['acct_a', 'acct_b'],
      ['Overview', 'Accounts', 'Set a PIN', 'Test purchase'],
      paths.overview.href(),
    ],
    [
      'account_user',
      ['acct_only'],
      ['Overview', 'Accounts', 'Set a PIN', 'Test purchase'],
      paths.account.href('acct_only'),
    ],
    ['support_agent', 'all', ['Find a card'], paths.cardLookup.href()],
  ] as const)('%s with accounts %j sees %j and lands on %s', (role, accounts, labels, home) => {
    const user = me(role, accounts as MeResponse['accounts']);
    expect(navItems(user).map((item) => item.label)).toEqual(labels);
    expect(homeFor(user)).toBe(home);
  });

  it('gives support agents no card switching and no reason-less reveal in the embedded components', () => {
    expect(issuingUi(me('support_agent', 'all'))).toEqual({
      showSpendControls: false,
      cardSwitching: false,
      canRevealInComponents: false,
    });
    expect(issuingUi(me('account_user', ['acct_a']))).toMatchObject({
      showSpendControls: true,
      canRevealInComponents: true,
    });
  });
});

describe('links from a card page', () => {
  const card = (type: 'virtual' | 'physical', status = 'active') => ({ id: 'ic_1', account: 'acct_a', type, status });
  const labels = (role: Role, c: ReturnType<typeof card>) => cardLinks(me(role, 'all'), c).map((link) => link.label);

  it('offers the reveal view to roles that must give a reason, the PIN page to roles that set PINs', () => {
    expect(cardLinks(me('support_agent', 'all'), card('physical'))).toEqual([
      { label: 'Reveal card details', href: paths.cardReveal.href('acct_a', 'ic_1') },
    ]);
    expect(cardLinks(me('account_user', ['acct_a']), card('virtual', 'inactive'))).toEqual([
      { label: 'Set PIN', href: paths.setPin.href('ic_1') },
    ]);
    // The admin reveals in the embedded component and sets no PINs.
    expect(labels('platform_admin', card('virtual'))).toEqual([]);
  });

  it('offers nothing for a canceled card, nor a reveal of a card type the role may not reveal', () => {
    expect(labels('support_agent', card('virtual', 'canceled'))).toEqual([]);
    expect(labels('account_user', card('physical', 'canceled'))).toEqual([]);
    const virtualOnly = me('support_agent', 'all');
    virtualOnly.permissions.reveal.cardTypes = ['virtual'];
    expect(cardLinks(virtualOnly, card('physical'))).toEqual([]);
  });
});

describe('return after sign-in', () => {
  it.each([
    ['/accounts/acct_1?x=1', '/accounts/acct_1?x=1'],
    ['https://evil.example/', '/'],
    ['//evil.example/path', '/'],
    ['/\\evil.example', '/'],
    ['/login?redirectTo=/login', '/'],
    [null, '/'],
  ])('%s -> %s', (input, expected) => {
    expect(safeRedirectTarget(input)).toBe(expected);
  });

  it('encodes ids in links so an odd id cannot change the route', () => {
    expect(paths.card.href('acct_1', 'ic_1/../x')).toBe('/accounts/acct_1/cards/ic_1%2F..%2Fx');
  });
});

describe('audit date filters', () => {
  it('makes "To" include the whole last day and leaves empty fields out', () => {
    const filters = toAuditFilters({
      kind: '',
      account: '',
      card: '',
      user: 'admin@example.com',
      fromDate: '2026-05-01',
      toDate: '2026-05-03',
    });
    expect(filters).toEqual({
      user: 'admin@example.com',
      from: new Date(2026, 4, 1).toISOString(),
      to: new Date(2026, 4, 4).toISOString(),
    });
    expect(toAuditFilters({ kind: '', account: '', card: '', user: '', fromDate: 'not a day', toDate: '' })).toEqual(
      {},
    );
  });

  it('passes kind, account and card on', () => {
    expect(
      toAuditFilters({
        kind: 'card.status_changed',
        account: 'acct_1',
        card: 'ic_1',
        user: '',
        fromDate: '',
        toDate: '',
      }),
    ).toEqual({
      kind: 'card.status_changed',
      account: 'acct_1',
      card: 'ic_1',
    });
  });
});
