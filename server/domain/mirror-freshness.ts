// How fresh the mirror is, as pages show it (issue 18, items 2 and 9; docs/decisions/152).
// The mirror is "in step" at a completed reconcile pass (every account's events read since its
// cursor, every object they name re-fetched), and at a webhook received while Stripe answered
// (Stripe is sending what changes). A webhook received while the app's own calls fail does not
// count: Stripe's side may be half down, and the reconciler cannot check what it missed.
import type { MirrorStatus } from '../db/mirror.ts';
import type { MirrorStatusResponse } from '../../shared/mirror-api.ts';

const latest = (...dates: (Date | null | undefined)[]): Date | null =>
  dates.reduce<Date | null>((best, d) => (d && (!best || d > best) ? d : best), null);

/**
 * What `GET /api/mirror/status` answers. Before anything was ever in step (a deployment's first
 * backfill still running) the data counts as stale only once the instance has been up longer
 * than the threshold: never silently stale, and no banner for a start of a few seconds.
 */
export function mirrorFreshness(
  status: MirrorStatus,
  { now, staleSeconds, upSince }: { now: Date; staleSeconds: number; upSince: Date },
): MirrorStatusResponse {
  const failingSince = status.stripe_failing_since;
  const webhook =
    status.last_webhook_at && (!failingSince || status.last_webhook_at <= failingSince) ? status.last_webhook_at : null;
  const synced = latest(status.last_reconcile_at, webhook);
  const age = now.getTime() - (synced ?? upSince).getTime();
  return {
    synced_at: synced ? synced.toISOString() : null,
    stale: age > staleSeconds * 1000,
    stripe_reachable: failingSince === null,
    stripe_failing_since: failingSince ? failingSince.toISOString() : null,
    stale_after_seconds: staleSeconds,
  };
}
