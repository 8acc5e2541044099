// What route handlers write to the audit trail (server/db/audit-trail.ts): who did it from the
// request, and the parts of a card a change is judged by (status, spending controls).
import type { FastifyRequest } from 'fastify';
import type Stripe from 'stripe';
import { appendAudit, type Actor, type AuditEvent } from '../db/audit-trail.ts';
import type { Queryable } from '../db/database.ts';

/**
 * Prefix of the Idempotency-Key on every card change the dashboard sends to Stripe. Stripe
 * echoes the key in the resulting event's `request.idempotency_key`
 * (docs.stripe.com/api/events/object#event_object-request-idempotency_key), so the webhook tells
 * the dashboard's own changes (audited by the route that made them) from changes made in the
 * embedded components or anywhere else.
 */
export const DASHBOARD_IDEMPOTENCY_PREFIX = 'cid-dashboard:';

/** Who acts: the signed-in user, or `user` where the request has none yet (sign-in). */
export function actorOf(
  request: FastifyRequest,
  user: { id: string; email: string; role: string } | null = request.user,
): Actor {
  const ua = request.headers['user-agent'];
  return {
    userId: user?.id ?? null,
    email: user?.email ?? null,
    role: user?.role ?? null,
    ip: request.ip ?? null,
    userAgent: typeof ua === 'string' ? ua : null,
  };
}

/**
 * Records an action Stripe has already carried out. The change stands whether or not the row can
 * be written (Stripe cannot be rolled back), so a failure is logged loudly instead of failing the
 * request; the caller learns nothing it could act on.
 */
export async function auditAction(
  db: Queryable,
  request: FastifyRequest,
  event: Omit<AuditEvent, 'actor'>,
  user?: { id: string; email: string; role: string },
): Promise<void> {
  try {
    await appendAudit(db, { ...event, actor: actorOf(request, user) });
  } catch (err) {
    request.log.error({ err, kind: event.kind }, 'could not write the audit trail row of a completed action');
  }
}

/** The spending controls as the trail compares them: the fields a user can set, nothing else. */
export function controlsOf(
  controls: Stripe.Issuing.Card.SpendingControls | Stripe.Issuing.Cardholder.SpendingControls | null | undefined,
) {
  const c = (controls ?? {}) as Partial<Stripe.Issuing.Card.SpendingControls>;
  return {
    spending_limits: (c.spending_limits ?? []).map((l) => ({
      amount: l.amount,
      interval: l.interval,
      categories: l.categories ?? [],
    })),
    allowed_categories: c.allowed_categories ?? null,
    blocked_categories: c.blocked_categories ?? null,
    ...(c.allowed_merchant_countries !== undefined ? { allowed_merchant_countries: c.allowed_merchant_countries } : {}),
    ...(c.blocked_merchant_countries !== undefined ? { blocked_merchant_countries: c.blocked_merchant_countries } : {}),
    spending_limits_currency: c.spending_limits_currency ?? null,
  };
}

/** What the trail keeps of a newly issued card (`card.issued`), whoever issued it. */
export function cardIssuedDetails(card: Stripe.Issuing.Card) {
  return {
    type: card.type,
    currency: card.currency,
    status: card.status,
    last4: card.last4,
    spending_controls: controlsOf(card.spending_controls),
  };
}

/** The trail rows a card change makes: one per kind of change that actually changed something. */
export function cardChangeEvents(
  before: Stripe.Issuing.Card,
  after: Stripe.Issuing.Card,
  account: string,
  extra: Record<string, unknown> = {},
): Omit<AuditEvent, 'actor'>[] {
  const events: Omit<AuditEvent, 'actor'>[] = [];
  const cardholderId = typeof after.cardholder === 'string' ? after.cardholder : after.cardholder?.id;
  const base = { accountId: account, cardId: after.id, cardholderId: cardholderId ?? null };
  if (before.status !== after.status) {
    events.push({
      ...base,
      kind: 'card.status_changed',
      details: {
        before: before.status,
        after: after.status,
        ...(after.cancellation_reason ? { reason: after.cancellation_reason } : {}),
        ...extra,
      },
    });
  }
  const controlsBefore = controlsOf(before.spending_controls);
  const controlsAfter = controlsOf(after.spending_controls);
  if (JSON.stringify(controlsBefore) !== JSON.stringify(controlsAfter)) {
    events.push({
      ...base,
      kind: 'card.spending_controls_changed',
      details: { before: controlsBefore, after: controlsAfter, ...extra },
    });
  }
  return events;
}
