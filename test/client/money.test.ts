// Money is written one way across the dashboard: as Stripe's embedded components write it.
import { describe, expect, it } from 'vitest';
import { formatMoney } from '../../shared/spending-windows.ts';
import { summary } from '../../client/src/features/audit/lib/audit-kinds.ts';
import type { AuditRow } from '../../shared/api.ts';

describe('formatMoney', () => {
  it('uses the currency style of Intl, in the smallest unit Stripe counts', () => {
    expect(formatMoney(5000, 'usd')).toBe('$50.00');
    expect(formatMoney(123456, 'eur')).toBe('€1,234.56');
    expect(formatMoney(500, 'jpy')).toBe('¥500');
    expect(formatMoney(5000, 'gbp')).toBe('£50.00');
  });
});

describe('audit summaries', () => {
  const row = (kind: string, details: Record<string, unknown>): AuditRow => ({
    id: 'aud_1',
    seq: 1,
    created_at: new Date(0).toISOString(),
    kind,
    user_id: null,
    email: null,
    role: null,
    card_id: null,
    account_id: null,
    account_name: null,
    cardholder_id: null,
    subject: null,
    reason: null,
    outcome: null,
    deny_reason: null,
    ip: null,
    user_agent: null,
    ephemeral_key_id: null,
    details,
    hash: 'h',
  });

  it('say a limit change before and after, in money', () => {
    expect(
      summary(
        row('card.spending_controls_changed', {
          before: { spending_limits: [{ amount: 50000, interval: 'daily', categories: [] }] },
          after: { spending_limits: [{ amount: 2500, interval: 'per_authorization', categories: [] }] },
          via: 'embedded_component',
        }),
      ),
    ).toBe('Limits: $500.00 daily → $25.00 per authorization (in the embedded component)');
  });

  it('say a status change in Stripe’s words, with the report', () => {
    expect(
      summary(
        row('card.status_changed', { before: 'active', after: 'inactive', reason: 'reported_lost', note: 'SUP-7' }),
      ),
    ).toBe('Active → Inactive, reported lost: “SUP-7”');
  });
});
