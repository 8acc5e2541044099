// The policy and the route table as data, and the guarantee that no route ships without a rule.
import { describe, expect, test } from 'vitest';
import { COMPONENT_FEATURE_NEEDS, ROLES, can, policyFor } from '../../shared/policy.ts';
import { ROUTES } from '../../shared/route-table.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('Account Session components per role', () => {
  test('roles with embedded components get both Issuing components enabled, with Stripe user authentication kept on', () => {
    for (const role of ROLES.filter((r) => policyFor(r).permissions.useEmbeddedComponents)) {
      const components = policyFor(role).accountSession!;
      expect(Object.keys(components).sort()).toEqual(['issuing_card', 'issuing_cards_list']);
      expect(components.issuing_card.enabled).toBe(true);
      expect(components.issuing_cards_list.enabled).toBe(true);
      expect(components.issuing_cards_list.features.disable_stripe_user_authentication).toBe(false);
    }
  });

  test.each([
    [
      'platform_admin',
      {
        card_management: true,
        card_spend_dispute_management: true,
        cardholder_management: true,
        spend_control_management: true,
      },
    ],
    // Account users freeze and unfreeze but never cancel: Stripe's card_management would let them cancel.
    [
      'account_user',
      {
        card_management: false,
        card_spend_dispute_management: false,
        cardholder_management: false,
        spend_control_management: true,
      },
    ],
  ] as const)('%s features', (role, features) => {
    // The card page's status panel is the one set of status controls: the single-card component has none.
    expect(policyFor(role).accountSession!.issuing_card.features).toEqual({ ...features, card_management: false });
    expect(policyFor(role).accountSession!.issuing_cards_list.features).toEqual({
      ...features,
      disable_stripe_user_authentication: false,
    });
  });

  test('support agents get no Account Session at all', () => {
    expect(policyFor('support_agent').accountSession).toBeNull();
  });

  test('no role gets a component feature that exercises a permission the policy withholds from it', () => {
    for (const role of ROLES) {
      const session = policyFor(role).accountSession;
      if (!session) continue;
      for (const component of [session.issuing_card, session.issuing_cards_list]) {
        for (const [feature, needs] of Object.entries(COMPONENT_FEATURE_NEEDS)) {
          const on = component.features[feature as keyof typeof COMPONENT_FEATURE_NEEDS];
          // On only where every permission it exercises is held (a feature may be off for other reasons).
          if (on)
            expect(
              needs.every((p) => can(role, p)),
              `${role} ${feature}`,
            ).toBe(true);
        }
      }
    }
  });
});

describe('permissions', () => {
  test.each([
    ['platform_admin', 'readAudit', true],
    ['account_user', 'readAudit', false],
    ['support_agent', 'readAudit', false],
    ['platform_admin', 'issueCards', true],
    ['account_user', 'issueCards', false],
    ['account_user', 'setPin', true],
    ['support_agent', 'updateCardStatus', false],
    ['account_user', 'updateCardStatus', true],
    ['account_user', 'cancelCards', false],
    ['platform_admin', 'cancelCards', true],
    ['support_agent', 'useEmbeddedComponents', false],
    ['support_agent', 'freezeLostCards', true],
    ['support_agent', 'reveal', true],
  ] as const)('%s %s = %s', (role, permission, expected) => {
    expect(can(role, permission)).toBe(expected);
  });

  test('support agents must give a reason; account users reveal only virtual cards', () => {
    expect(policyFor('support_agent').permissions.reveal.reasonRequired).toBe(true);
    expect(policyFor('platform_admin').permissions.reveal.reasonRequired).toBe(false);
    expect(policyFor('account_user').permissions.reveal.cardTypes).toEqual(['virtual']);
  });
});

describe('route table', () => {
  test('every route the app serves is in the table, and every table entry is served', async () => {
    const t = await buildTestApp();
    try {
      for (const route of ROUTES) {
        expect(t.app.hasRoute({ method: route.method, url: route.path }), `${route.method} ${route.path}`).toBe(true);
      }
    } finally {
      await t.close();
    }
  });

  test('registering an API route without a rule stops the app', async () => {
    const app = await buildApp(loadConfig({ PGLITE_DIR: 'memory://', LOG_LEVEL: 'silent' }));
    try {
      await expect(
        (async () => {
          app.get('/api/unlisted', async () => ({}));
          await app.ready();
        })(),
      ).rejects.toThrow(/GET \/api\/unlisted has no rule in shared\/route-table.ts/);
    } finally {
      await app.close();
    }
  });
});
