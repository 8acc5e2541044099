// A per-user bound on lookups of cards (and of accounts asked for by id, routes/api/accounts.ts)
// that turn out not to exist. A card id neither the hint nor the card index knows may still cost
// a Stripe call (a member's own account, a named account), and Stripe's rate limit is the whole
// platform's: without a bound one user asking for made-up ids could slow everyone else's card
// pages (issue 17, item 5). Past the bound the lookup is refused with 429 before the index or
// Stripe is asked.
//
// Kept in this instance's memory: the Stripe call budget it protects is per instance too
// (server/plugins/app/stripe-budget.ts), a miss writes nothing, and N instances allow at most
// N times the bound. The key space is signed-in users, so the map stays small.
import { tooManyRequests } from '../errors.ts';

/** Misses allowed per user in a rolling window, counting the lookups still in flight. */
export const CARD_MISSES = { perUser: 30, windowSeconds: 60 } as const;

export class CardMissLimit {
  /** When each of a user's misses in the window happened (ms), oldest first. */
  private readonly misses = new Map<string, number[]>();
  /** Lookups of a user still running: counted, so that 60 made-up ids sent at once are not all let through. */
  private readonly inFlight = new Map<string, number>();

  constructor(
    private readonly limit: number = CARD_MISSES.perUser,
    private readonly windowMs: number = CARD_MISSES.windowSeconds * 1000,
    private readonly now: () => number = Date.now,
  ) {}

  private recent(userId: string): number[] {
    const cutoff = this.now() - this.windowMs;
    const times = (this.misses.get(userId) ?? []).filter((t) => t > cutoff);
    if (times.length) this.misses.set(userId, times);
    else this.misses.delete(userId);
    return times;
  }

  /**
   * Runs a lookup for a user, unless the user's misses (and lookups in flight) have reached the
   * bound: then 429. `missed(result)` says whether the lookup found nothing.
   */
  async run<T>(userId: string, lookup: () => Promise<T>, missed: (result: T) => boolean): Promise<T> {
    const recent = this.recent(userId);
    const running = this.inFlight.get(userId) ?? 0;
    if (recent.length + running >= this.limit) {
      const wait = recent.length ? Math.max(1, Math.ceil((recent[0]! + this.windowMs - this.now()) / 1000)) : 1;
      throw tooManyRequests(
        `Too many lookups of cards or accounts that do not exist. Wait ${wait} second${wait === 1 ? '' : 's'} and try again.`,
      );
    }
    this.inFlight.set(userId, running + 1);
    let miss = true;
    try {
      const result = await lookup();
      miss = missed(result);
      return result;
    } finally {
      const left = (this.inFlight.get(userId) ?? 1) - 1;
      if (left > 0) this.inFlight.set(userId, left);
      else this.inFlight.delete(userId);
      // A lookup that failed (Stripe down) counts as a miss too: it cost a call and found nothing.
      if (miss) this.misses.set(userId, [...this.recent(userId), this.now()]);
    }
  }
}
