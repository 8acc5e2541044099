// The deployment's one Stripe budget (migration 149, docs/decisions/149-one-stripe-budget.md):
// every instance takes a slot here before each Stripe call, so N instances together send no more
// than the budget, instead of each sending its own share of it.
import type { Queryable } from './database.ts';

/** Slots are this long (the database's clock); a send is counted in the slot it was given. */
export const PACING_SLOT_MS = 25;
/**
 * A window is 44 slots (1,100 ms). A send goes out within its slot or at most PACING_LATE_MS
 * after it (else it takes another: server/plugins/app/stripe-budget.ts), so two sends 44 slots
 * apart leave at least 1,050 ms apart: the 50 ms over Stripe's second that decision 131 leaves
 * for a request arriving later than it left.
 */
export const PACING_WINDOW_SLOTS = 44;
export const PACING_LATE_MS = 25;
/** How far ahead a slot may be taken (30 s); beyond that the caller asks again. */
export const PACING_HORIZON_SLOTS = 1_200;

export interface PacingLimits {
  /** Requests per second, all endpoints together. */
  global: number;
  /** Requests per second to one endpoint (undefined: not limited apart). */
  endpoint: number | undefined;
}

export interface PacingSlot {
  /** When the slot starts, ms since the epoch by the database's clock (undefined: nothing free in the next 30 s). */
  startsAt: number | undefined;
  /** The database's clock during the statement, for the caller's estimate of its offset. */
  databaseNow: number;
}

/**
 * Takes a send to `endpoint` ("GET /v1/issuing/cards/:id") in the deployment's budget: the
 * earliest slot, from now on, at which neither the global budget nor the endpoint's has had its
 * limit within a window. Throws when the database cannot answer (the caller paces alone).
 */
export async function takeStripeSlot(db: Queryable, endpoint: string, limits: PacingLimits): Promise<PacingSlot> {
  const [row] = await db.query<{ starts_at: string | number | null; database_now: string | number }>(
    `SELECT stripe_pacing_take($1, $2, $3, $4, $5, $6) AS starts_at,
            floor(extract(epoch FROM clock_timestamp()) * 1000)::bigint AS database_now`,
    [endpoint, limits.global, limits.endpoint ?? null, PACING_SLOT_MS, PACING_WINDOW_SLOTS, PACING_HORIZON_SLOTS],
  );
  if (!row) throw new Error('stripe_pacing_take answered no row');
  return {
    startsAt: row.starts_at === null ? undefined : Number(row.starts_at),
    databaseNow: Number(row.database_now),
  };
}
