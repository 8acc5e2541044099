// The audit trail's kinds (server/db/audit-trail.ts, docs/decisions/090-audit-trail.md) in words,
// and a one-line summary of what a row's details say.
import type { AuditRow } from '../../../../../shared/api.ts';
import { formatMoney } from '../../../../../shared/spending-windows.ts';

/** Kinds offered by the filter, in the order a reader thinks of them. */
export const AUDIT_KINDS: ReadonlyArray<{ value: string; label: string }> = [
  { value: 'reveal', label: 'Card details revealed' },
  { value: 'component_key', label: 'Card component key' },
  { value: 'card', label: 'Any card change' },
  { value: 'card.issued', label: 'Card issued' },
  { value: 'card.status_changed', label: 'Card status changed' },
  { value: 'card.spending_controls_changed', label: 'Spending controls changed' },
  { value: 'card.pin_set', label: 'PIN set' },
  { value: 'cardholder', label: 'Cardholder created or changed' },
  { value: 'account_session', label: 'Embedded components opened' },
  { value: 'sign_in', label: 'Sign-in' },
  { value: 'sign_out', label: 'Sign-out' },
  { value: 'user', label: 'User administration' },
];

const LABELS: Record<string, string> = {
  ...Object.fromEntries(AUDIT_KINDS.map((k) => [k.value, k.label])),
  'reveal.key_refused': 'Reveal refused by Stripe',
  'component_key.key_refused': 'Component key refused by Stripe',
  'cardholder.created': 'Cardholder created',
  'cardholder.updated': 'Cardholder changed',
  'account_session.created': 'Embedded components opened',
  'user.added': 'User added',
  'user.disabled': 'User disabled',
};

export function kindLabel(kind: string): string {
  return LABELS[kind] ?? kind;
}

const STATUS_WORDS: Record<string, string> = { active: 'Active', inactive: 'Inactive', canceled: 'Canceled' };
const statusWord = (s: unknown) => (typeof s === 'string' ? (STATUS_WORDS[s] ?? s) : '—');

interface Limit {
  amount: number;
  interval: string;
  categories?: string[];
}
interface Controls {
  spending_limits?: Limit[];
  spending_limits_currency?: string | null;
  allowed_categories?: string[] | null;
  blocked_categories?: string[] | null;
}

function limitsText(controls: Controls | undefined, currency: string): string {
  const limits = controls?.spending_limits ?? [];
  if (limits.length === 0) return 'no limits';
  return limits
    .map((l) => `${formatMoney(l.amount, controls?.spending_limits_currency ?? currency)} ${l.interval.replace('_', ' ')}${l.categories?.length ? ` (${l.categories.join(', ')})` : ''}`)
    .join(', ');
}

function categoriesText(controls: Controls | undefined): string {
  if (controls?.allowed_categories?.length) return `only ${controls.allowed_categories.join(', ')}`;
  if (controls?.blocked_categories?.length) return `not ${controls.blocked_categories.join(', ')}`;
  return '';
}

/** One line: what changed, before → after, why. */
export function summary(row: AuditRow): string {
  const d = row.details as Record<string, unknown>;
  const via = d.via === 'embedded_component' ? ' (in the embedded component)' : d.via === 'outside_dashboard' ? ' (outside the dashboard)' : '';
  switch (row.kind) {
    case 'card.status_changed': {
      const why = d.reason === 'reported_lost' ? ', reported lost' : typeof d.reason === 'string' ? `, ${d.reason}` : '';
      return `${statusWord(d.before)} → ${statusWord(d.after)}${why}${typeof d.note === 'string' ? `: “${d.note}”` : ''}${via}`;
    }
    case 'card.spending_controls_changed': {
      const before = d.before as Controls | undefined;
      const after = d.after as Controls | undefined;
      const currency = 'usd';
      const parts = [`Limits: ${limitsText(before, currency)} → ${limitsText(after, currency)}`];
      const cb = categoriesText(before);
      const ca = categoriesText(after);
      if (cb !== ca) parts.push(`Categories: ${cb || 'any'} → ${ca || 'any'}`);
      return `${parts.join('; ')}${via}`;
    }
    case 'card.issued':
      return `${String(d.type ?? '')} card${d.last4 ? ` ending ${String(d.last4)}` : ''}, ${statusWord(d.status)}${via}`;
    case 'cardholder.created':
    case 'cardholder.updated':
      return `${typeof d.name === 'string' ? d.name : ''}${via}`;
    case 'user.added':
      return `${row.subject ?? ''} as ${String(d.role ?? '')}`;
    case 'user.disabled':
      return row.subject ?? '';
    default:
      return row.reason ?? '';
  }
}
