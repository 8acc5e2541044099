// How the components write amounts, dates, statuses and names. Currency rules and interval names
// come from shared/spending-windows.ts, as the dashboard and the emulator use them.
import { isZeroDecimal, LIMIT_INTERVALS } from '../../../../shared/spending-windows.ts';
import { h, uid } from '../shared/dom.ts';
import type { Card, SpendingLimit } from './types.ts';

export const STATUS_LABELS: Record<string, string> = { active: 'Active', inactive: 'Inactive', canceled: 'Canceled' };
export const TYPE_LABELS: Record<string, string> = { virtual: 'Virtual', physical: 'Physical' };
export { LIMIT_INTERVALS };

export function formatAmount(amount: number, currency: string | undefined, locale: string | undefined): string {
  const code = (currency || 'usd').toLowerCase();
  const major = isZeroDecimal(code) ? amount : amount / 100;
  try {
    return new Intl.NumberFormat(locale, { style: 'currency', currency: code.toUpperCase() }).format(major);
  } catch {
    return `${major} ${code.toUpperCase()}`;
  }
}

/** "12.50" → 1250 (usd), "500" → 500 (jpy); null for anything that is not a non-negative number. */
export function toMinorUnits(text: string, currency: string): number | null {
  const value = Number(String(text).trim());
  if (!Number.isFinite(value) || value < 0) return null;
  return isZeroDecimal(currency) ? Math.round(value) : Math.round(value * 100);
}

export function toMajorUnits(amount: number, currency: string): string {
  return isZeroDecimal(currency) ? String(amount) : (amount / 100).toFixed(2);
}

export function formatDate(unixSeconds: number, locale: string | undefined): string {
  try {
    return new Intl.DateTimeFormat(locale, { year: 'numeric', month: 'short', day: 'numeric' }).format(
      new Date(unixSeconds * 1000),
    );
  } catch {
    return new Date(unixSeconds * 1000).toISOString().slice(0, 10);
  }
}

export function humanize(text: string | null | undefined): string {
  const s = String(text || '').replace(/_/g, ' ');
  return s.charAt(0).toUpperCase() + s.slice(1);
}

export function statusLabel(status: string): string {
  return STATUS_LABELS[status] ?? humanize(status);
}

export function typeLabel(type: string): string {
  return TYPE_LABELS[type] ?? humanize(type);
}

export function cardholderId(card: Card): string | null {
  const holder = card.cardholder;
  return holder && typeof holder === 'object' ? holder.id : holder;
}

export function cardholderName(card: Card): string {
  const holder = card.cardholder;
  if (holder && typeof holder === 'object') return holder.name || holder.id;
  return holder || 'Unknown cardholder';
}

export function describeLimit(limit: SpendingLimit, currency: string | undefined, locale: string | undefined): string {
  const interval = LIMIT_INTERVALS.find(([value]) => value === limit.interval);
  const text = `${formatAmount(limit.amount, currency, locale)} ${interval ? interval[1].toLowerCase() : humanize(limit.interval)}`;
  return limit.categories?.length ? `${text} on ${limit.categories.map(humanize).join(', ')}` : text;
}

/** A form control with its own <label for>, so the label's text is exactly its name. */
export function labelled(text: string, control: HTMLElement): HTMLDivElement {
  if (!control.id) control.id = uid('field');
  return h('div', { class: 'field' }, h('label', { for: control.id }, text), control);
}

export function parseCategories(text: string): string[] {
  return String(text || '')
    .split(/[\s,]+/)
    .map((s) => s.trim())
    .filter(Boolean);
}
