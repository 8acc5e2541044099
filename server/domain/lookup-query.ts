// The server's side of the lookup rule for `lookup`-scope roles (support agents): the rule itself
// is shared with the browser (shared/lookup-query.ts), which checks before asking; the server
// refuses a lookup that is not specific enough all the same (decision 030).
import { LOOKUP_TOO_BROAD, specificLookup as specificOrNull, type SpecificLookup } from '../../shared/lookup-query.ts';
import { badRequest, type HttpError } from '../errors.ts';
import type { CardFilters } from './cards.ts';

export type { SpecificLookup };

export function tooBroad(): HttpError {
  return badRequest(LOOKUP_TOO_BROAD.message, LOOKUP_TOO_BROAD.field, LOOKUP_TOO_BROAD.code);
}

/** The filters of a lookup specific enough for a `lookup` scope, or throws 400 `lookup_too_broad` naming `q`. */
export function specificLookup(query: CardFilters): SpecificLookup & { filters: CardFilters } {
  const lookup = specificOrNull(query);
  if (!lookup) throw tooBroad();
  // The whole email: that cardholder's cards only, so another address containing this one
  // ("ann@…" in "joann@…") neither answers nor makes the lookup too broad; the card index
  // finds it by equality (migration 120).
  return lookup.exactEmail ? { ...lookup, filters: { ...lookup.filters, cardholderEmail: lookup.exactEmail } } : lookup;
}
