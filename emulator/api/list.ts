// Stripe's list object and cursor pagination (docs.stripe.com/api/pagination): newest first,
// `limit` 1–100 (default 10), `starting_after` / `ending_before` object ids, `has_more`.
import { exclusiveParameters, resourceMissing } from './errors.ts';
import type { Params } from './params.ts';

export interface ListObject<T> {
  object: 'list';
  url: string;
  has_more: boolean;
  data: T[];
}

export interface PageOptions {
  /** The object name used in "No such …" when a cursor is unknown, e.g. "issuing card". */
  objectName: string;
}

/**
 * `items` is the whole collection, newest first; `matches` filters it. Cursors are looked up in the
 * whole collection so that a cursor that no longer matches a filter still positions the page.
 */
export function paginate<T extends { id: string }>(
  items: readonly T[],
  matches: (item: T) => boolean,
  params: Params,
  url: string,
  options: PageOptions,
): ListObject<T> {
  const limit = (params.limit as number | undefined) ?? 10;
  const startingAfter = params.starting_after as string | undefined;
  const endingBefore = params.ending_before as string | undefined;
  if (startingAfter !== undefined && endingBefore !== undefined) {
    throw exclusiveParameters('starting_after', 'ending_before');
  }
  const cursorIndex = (id: string, param: string): number => {
    const index = items.findIndex((item) => item.id === id);
    if (index < 0) throw resourceMissing(options.objectName, id, param, 400);
    return index;
  };

  if (endingBefore !== undefined) {
    // The page just before the cursor: the `limit` newer items closest to it, still newest first.
    const newer = items.slice(0, cursorIndex(endingBefore, 'ending_before')).filter(matches);
    const data = newer.slice(Math.max(0, newer.length - limit));
    return { object: 'list', url, has_more: newer.length > limit, data };
  }
  const start = startingAfter === undefined ? 0 : cursorIndex(startingAfter, 'starting_after') + 1;
  const data: T[] = [];
  let hasMore = false;
  for (let i = start; i < items.length; i++) {
    const item = items[i] as T;
    if (!matches(item)) continue;
    if (data.length === limit) {
      hasMore = true;
      break;
    }
    data.push(item);
  }
  return { object: 'list', url, has_more: hasMore, data };
}
