// How fresh the pages' data is, and whether Stripe can be reached (issue 18, items 2 and 9;
// docs/decisions/152-stripe-unreachable.md). Pages read from the mirror, so they still answer
// while Stripe cannot be reached; this says how old what they show is. Shapes:
// docs/architecture.md, "The app server's HTTP API".
import { Type, type Static } from 'typebox';

const NullableTime = Type.Union([Type.String({ format: 'date-time' }), Type.Null()]);

/** `GET /api/mirror/status`: deployment-wide, the same for every signed-in user (nothing secret). */
export const MirrorStatusResponse = Type.Object({
  /** When the mirror was last known to be in step with Stripe (a completed reconcile pass, or a webhook received while Stripe answered); null before the first. */
  synced_at: NullableTime,
  /** Older than MIRROR_STALE_SECONDS: pages say how old their data is. */
  stale: Type.Boolean(),
  /** False while the app's Stripe calls fail as unreachable (connection errors, timeouts, 5xx). */
  stripe_reachable: Type.Boolean(),
  /** Since when they fail; null while Stripe answers. */
  stripe_failing_since: NullableTime,
  /** MIRROR_STALE_SECONDS. */
  stale_after_seconds: Type.Integer({ minimum: 1 }),
});
export type MirrorStatusResponse = Static<typeof MirrorStatusResponse>;

export const MirrorStatusQuery = Type.Object({}, { additionalProperties: false });

/**
 * The one answer to a write, a component key or a reveal refused because Stripe cannot be
 * reached (503): the server sends it, and the client shows it for a failure on Stripe's side of
 * the browser too (Stripe.js).
 */
export const STRIPE_UNREACHABLE = {
  code: 'stripe_unreachable',
  message: 'Stripe cannot be reached right now; nothing was changed. Try again in a minute.',
} as const;
