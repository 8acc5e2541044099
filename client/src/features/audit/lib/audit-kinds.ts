// The audit trail's kinds (server/db/audit-trail.ts, docs/decisions/090-audit-trail.md) in words,
// and a one-line summary of what a row's details say.
import type { AuditRow } from '@shared/api.ts';
import { formatMoney } from '@shared/spending-windows.ts';

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
  { value: 'account_link', label: 'Sent to Stripe’s onboarding' },
  { value: 'sign_in', label: 'Sign-in' },
  { value: 'sign_out', label: 'Sign-out' },
  { value: 'second_factor', label: 'Second factors' },
  { value: 'sessions', label: 'Sessions ended' },
  { value: 'user', label: 'Users and passwords' },
];

const LABELS: Record<string, string> = {
  ...Object.fromEntries(AUDIT_KINDS.map((k) => [k.value, k.label])),
  'reveal.key_refused': 'Reveal refused by Stripe',
  'component_key.key_refused': 'Component key refused by Stripe',
  'cardholder.created': 'Cardholder created',
  'cardholder.updated': 'Cardholder changed',
  'account_session.created': 'Embedded components opened',
  'account_link.created': 'Sent to Stripe’s onboarding',
  'second_factor.enrolled': 'Second factor added',
  'second_factor.removed': 'Second factor removed',
  'second_factor.recovery_codes_renewed': 'Recovery codes renewed',
  'second_factor.verified': 'Second factor checked',
  'sessions.revoked': 'Signed out everywhere else',
  'user.added': 'User added',
  'user.invited': 'User invited',
  'user.updated': 'User changed',
  'user.disabled': 'User disabled',
  'user.second_factor_reset': 'Second factors reset by an administrator',
  'user.password_changed': 'Password changed',
  'user.reauthenticated': 'Password confirmed',
  'user.sso_linked': 'Single sign-on linked',
  'user.sso_unlinked': 'Single sign-on link undone',
};

/**
 * What a row records, in words. A granted component key is a key that can show the card's number,
 * CVC and expiry in Stripe's frame (`shows_numbers`, migration 141): named as such, not as a
 * component's housekeeping (issue 17.2).
 */
export function kindLabel(kind: string, details?: Record<string, unknown>): string {
  if (kind === 'component_key' && details?.shows_numbers === true) return 'Component key: can show card numbers';
  return LABELS[kind] ?? kind;
}

const METHOD_WORDS: Record<string, string> = {
  totp: 'authenticator code',
  webauthn: 'passkey',
  recovery_code: 'recovery code',
};
const COMPONENT_WORDS: Record<string, string> = { issuing_card: 'the card view', issuing_cards_list: 'the cards list' };

/** For a reveal or component key: where it came from and the second-factor check behind it. */
function secretAccessText(row: AuditRow, d: Record<string, unknown>): string {
  const parts: string[] = [];
  if (d.shows_numbers === true) parts.push('Number, CVC and expiry can be shown');
  if (typeof d.component === 'string') parts.push(`in ${COMPONENT_WORDS[d.component] ?? d.component}`);
  let text = parts.join(' ');
  if (typeof d.second_factor_method === 'string')
    text += `${text ? '; ' : ''}second factor checked: ${METHOD_WORDS[d.second_factor_method] ?? d.second_factor_method}`;
  return row.reason ? (text ? `${row.reason} (${text})` : row.reason) : text;
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
    .map(
      (l) =>
        `${formatMoney(l.amount, controls?.spending_limits_currency ?? currency)} ${l.interval.replace('_', ' ')}${l.categories?.length ? ` (${l.categories.join(', ')})` : ''}`,
    )
    .join(', ');
}

function categoriesText(controls: Controls | undefined): string {
  if (controls?.allowed_categories?.length) return `only ${controls.allowed_categories.join(', ')}`;
  if (controls?.blocked_categories?.length) return `not ${controls.blocked_categories.join(', ')}`;
  return '';
}

/** One line: what changed, before → after, why. */

/** A detail field as text: audit details are JSON, so a string or a number; anything else shows as nothing. */
function shown(value: unknown): string {
  return typeof value === 'string' || typeof value === 'number' ? String(value) : '';
}
export function summary(row: AuditRow): string {
  const d = row.details;
  const via =
    d.via === 'embedded_component'
      ? ' (in the embedded component)'
      : d.via === 'outside_dashboard'
        ? ' (outside the dashboard)'
        : '';
  switch (row.kind) {
    case 'card.status_changed': {
      const why =
        d.reason === 'reported_lost' ? ', reported lost' : typeof d.reason === 'string' ? `, ${d.reason}` : '';
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
      return `${shown(d.type)} card${d.last4 ? ` ending ${shown(d.last4)}` : ''}, ${statusWord(d.status)}${via}`;
    case 'cardholder.created':
    case 'cardholder.updated':
      return `${typeof d.name === 'string' ? d.name : ''}${via}`;
    case 'user.added':
      return `${row.subject ?? ''} as ${shown(d.role)}`;
    case 'user.disabled':
      return row.subject ?? '';
    case 'reveal':
    case 'component_key':
      return secretAccessText(row, d);
    default:
      return row.reason ?? '';
  }
}
