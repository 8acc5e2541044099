// Changes the dashboard did not make itself, learned from Stripe's events: a card frozen or a
// limit changed inside the embedded components (Stripe's own buttons), a cardholder created or
// changed there, or anything done on Stripe directly. Each becomes an audit trail row, in the
// webhook's transaction, attributed to the dashboard user whose Account Session was open on the
// account with a component whose features allow the change (docs/decisions/090-audit-trail.md,
// 158-component-audit-features.md).
import type Stripe from 'stripe';
import { accountSessionsOpenAt, appendAudit, type Actor, type AuditEvent } from '../db/audit-trail.ts';
import type { Queryable } from '../db/database.ts';
import { cardChangeEvents, cardIssuedDetails, controlsOf, DASHBOARD_IDEMPOTENCY_PREFIX } from './audit.ts';

type Feature = 'card_management' | 'spend_control_management' | 'cardholder_management';

/** The feature an embedded component needs for each kind of change (Stripe's feature names). */
const FEATURE_FOR: Record<string, Feature> = {
  'card.status_changed': 'card_management',
  'card.spending_controls_changed': 'spend_control_management',
  'card.issued': 'card_management',
  'cardholder.created': 'cardholder_management',
  'cardholder.updated': 'cardholder_management',
};

/**
 * The user whose Account Session on this account was open when Stripe made the change and whose
 * components could make it; the latest such session when several were open (the others are
 * counted in `details.other_open_sessions`). None: the change came from outside the dashboard.
 */
async function sessionHolder(
  tx: Queryable,
  account: string,
  at: number,
  feature: Feature,
): Promise<{ actor: Actor | null; others: number; components: string[] }> {
  // Either component of the session may have made it (Stripe's event does not say which): the
  // card page's single card and the account page's cards list have features of their own.
  const rows = await accountSessionsOpenAt(tx, account, at, feature);
  const first = rows[0];
  if (!first) return { actor: null, others: 0, components: [] };
  const others = new Set(rows.map((r) => r.actor_user_id).filter((id) => id !== first.actor_user_id)).size;
  return {
    actor: { userId: first.actor_user_id, email: first.actor_email, role: first.actor_role },
    others,
    components: first.components,
  };
}

function changesOf(event: Stripe.Event): Omit<AuditEvent, 'actor'>[] {
  const account = event.account;
  if (!account) return [];
  const object = (event.data as { object: unknown }).object;
  const previous = (event.data as { previous_attributes?: Record<string, unknown> }).previous_attributes ?? {};
  switch (event.type) {
    case 'issuing_card.updated': {
      const after = object as Stripe.Issuing.Card;
      // The card as it was: the current one with the previous values of what changed.
      // Stripe lists the changed sub-fields of a nested object, so spending_controls is merged too.
      const before = { ...after, ...previous } as Stripe.Issuing.Card;
      if (previous.spending_controls)
        before.spending_controls = { ...after.spending_controls, ...previous.spending_controls };
      return cardChangeEvents(before, after, account);
    }
    case 'issuing_card.created': {
      const card = object as Stripe.Issuing.Card;
      const cardholderId = typeof card.cardholder === 'string' ? card.cardholder : card.cardholder?.id;
      return [
        {
          kind: 'card.issued',
          accountId: account,
          cardId: card.id,
          cardholderId: cardholderId ?? null,
          details: cardIssuedDetails(card),
        },
      ];
    }
    case 'issuing_cardholder.created':
    case 'issuing_cardholder.updated': {
      const holder = object as Stripe.Issuing.Cardholder;
      const created = event.type === 'issuing_cardholder.created';
      const changed = Object.keys(previous);
      if (!created && changed.length === 0) return [];
      const pick = (h: Record<string, unknown>) =>
        Object.fromEntries(changed.map((k) => [k, k === 'spending_controls' ? controlsOf(h[k] as never) : h[k]]));
      return [
        {
          kind: created ? 'cardholder.created' : 'cardholder.updated',
          accountId: account,
          cardholderId: holder.id,
          details: created
            ? { name: holder.name, type: holder.type, status: holder.status }
            : { name: holder.name, before: pick(previous), after: pick(holder as unknown as Record<string, unknown>) },
        },
      ];
    }
    default:
      return [];
  }
}

/** Appends the trail rows of one event the dashboard did not cause; nothing for its own changes. */
export async function auditOutsideChange(tx: Queryable, event: Stripe.Event): Promise<void> {
  const key = event.request?.idempotency_key ?? '';
  if (key.startsWith(DASHBOARD_IDEMPOTENCY_PREFIX)) return;
  for (const change of changesOf(event)) {
    const feature = FEATURE_FOR[change.kind];
    const { actor, others, components } = feature
      ? await sessionHolder(tx, event.account!, event.created, feature)
      : { actor: null, others: 0, components: [] };
    await appendAudit(tx, {
      ...change,
      actor,
      details: {
        ...change.details,
        via: actor ? 'embedded_component' : 'outside_dashboard',
        // The session's components whose features allow this change (one of them made it).
        ...(actor ? { components } : {}),
        ...(others ? { other_open_sessions: others } : {}),
        stripe_event: event.id,
        ...(event.request?.id ? { stripe_request: event.request.id } : {}),
      },
    });
  }
}
