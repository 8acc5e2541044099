// How specific a card lookup must be for roles whose account scope is `lookup` (support agents):
// they find one card (or one cardholder's few) at a time and never browse. The numbers are data in
// shared/policy.ts (LOOKUP_RULES); the reasons are in docs/decisions/030-support-agent-scope.md.
// Shared so that the browser says "not specific enough" before asking, with the server's words;
// the server still refuses such a lookup (server/domain/lookup-query.ts).
import { LOOKUP_RULES } from './policy.ts';

/** The filters of a card lookup (GET /api/cards without its paging parameters). */
export interface LookupFilters {
  status?: 'active' | 'inactive' | 'canceled' | undefined;
  type?: 'virtual' | 'physical' | undefined;
  last4?: string | undefined;
  cardholder?: string | undefined;
  q?: string | undefined;
}

export interface SpecificLookup {
  filters: LookupFilters;
  /** A full email address: only cards whose cardholder has exactly this email match. */
  exactEmail?: string;
}

/** The refusal of a lookup that is not specific enough: the server's 400 and the browser's message. */
export const LOOKUP_TOO_BROAD = {
  code: 'lookup_too_broad',
  field: 'q',
  message: `Not specific enough to find one card. Use the card id (ic_…), the cardholder's full email, the last four digits with part of the name (e.g. "4242 Smith"), or at least ${LOOKUP_RULES.minTextLength} letters of the name.`,
} as const;

const FULL_EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
const LAST4_FIRST = /^(\d{4})\s+(.+)$/;
const LAST4_LAST = /^(.+?)\s+(\d{4})$/;

/** Letters and digits: `@@@@`, `.com` or `----` say nothing about whom to find. */
function significant(text: string): number {
  return (text.match(/[\p{L}\p{N}]/gu) ?? []).length;
}

/** The filters of a lookup specific enough for a `lookup` scope, or null when it is too broad (LOOKUP_TOO_BROAD). */
export function specificLookup(query: LookupFilters): SpecificLookup | null {
  const { status, type } = query;
  const base = { ...(status ? { status } : {}), ...(type ? { type } : {}) };
  const q = query.q?.trim() ?? '';
  const holder = query.cardholder?.trim() ?? '';
  if (q.startsWith('ic_')) return { filters: { ...base, q } };
  if (holder.startsWith('ich_') && !q)
    return { filters: { ...base, cardholder: holder, ...(query.last4 ? { last4: query.last4 } : {}) } };

  let last4 = query.last4;
  let text = q;
  const first = LAST4_FIRST.exec(q);
  const last = first ? null : LAST4_LAST.exec(q);
  if (first) [last4, text] = [first[1], first[2]!];
  else if (last) [last4, text] = [last[2], last[1]!];
  else if (/^\d{4}$/.test(q)) [last4, text] = [q, ''];
  // Two different last fours: nothing can match (the card index sees the contradiction).
  if (query.last4 && last4 !== query.last4) return { filters: { ...base, last4: query.last4, q: last4! } };
  if (!text) text = holder;
  text = text.trim();

  if (FULL_EMAIL.test(text))
    return { filters: { ...base, ...(last4 ? { last4 } : {}), q: text }, exactEmail: text.toLowerCase() };
  if (last4 && significant(text) >= LOOKUP_RULES.minTextWithLast4) return { filters: { ...base, last4, q: text } };
  // Part of a name alone: long enough, and not part of an email (no domain-wide lookups).
  if (!last4 && !text.includes('@') && significant(text) >= LOOKUP_RULES.minTextLength)
    return { filters: { ...base, q: text } };
  return null;
}
