// The policy and the route table as data, and the guarantee that no route ships without a rule.
import { describe, expect, test } from 'vitest';
import { ROLES, can, policyFor } from '../../shared/policy.ts';
import { ROUTES } from '../../shared/route-table.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig } from '../../server/config.ts';
import { buildTestApp } from '../helpers/app.ts';

describe('Account Session components per role', () => {
  test('every role gets both Issuing components enabled, with Stripe user authentication kept on', () => {
    for (const role of ROLES) {
      const components = policyFor(role).accountSession;
      expect(Object.keys(components).sort()).toEqual(['issuing_card', 'issuing_cards_list']);
      expect(components.issuing_card.enabled).toBe(true);
      expect(components.issuing_cards_list.enabled).toBe(true);
      expect(components.issuing_cards_list.features.disable_stripe_user_authentication).toBe(false);
    }
  });

  test.each([
    ['platform_admin', { card_management: true, card_spend_dispute_management: true, cardholder_management: true, spend_control_management: true }],
    ['account_user', { card_management: true, card_spend_dispute_management: false, cardholder_management: false, spend_control_management: true }],
    ['support_agent', { card_management: false, card_spend_dispute_management: false, cardholder_management: false, spend_control_management: false }],
  ] as const)('%s features', (role, features) => {
    // The card page's status panel is the one set of status controls: the single-card component has none.
    expect(policyFor(role).accountSession.issuing_card.features).toEqual({ ...features, card_management: false });
    expect(policyFor(role).accountSession.issuing_cards_list.features).toEqual({ ...features, disable_stripe_user_authentication: false });
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
