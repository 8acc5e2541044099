// Writing reveal attempts to the audit log, with the request's who/where attached.
import type { FastifyRequest } from 'fastify';
import type { Database } from '../db/database.ts';
import {
  grantComponentKey,
  grantReveal,
  insertRevealAttempt,
  insertRevealAttemptOncePerMinute,
  newAuditId,
  type RevealAttempt,
} from '../db/reveal-audit.ts';
import type { ComponentKeyPolicy } from '../../shared/policy.ts';

export interface AttemptDetails {
  cardId: string | null;
  accountId: string | null;
  reason: string | null;
  /** Set for a Connect component's key (docs/decisions/060): the component that asked. */
  component?: ComponentName | null;
}

export type ComponentName = 'issuing_card' | 'issuing_cards_list';

function requestContext(
  request: FastifyRequest,
): Pick<RevealAttempt, 'userId' | 'email' | 'role' | 'ip' | 'userAgent'> {
  const ua = request.headers['user-agent'];
  return {
    userId: request.user?.id ?? null,
    email: request.user?.email ?? null,
    role: request.user?.role ?? null,
    ip: request.ip ?? null,
    userAgent: typeof ua === 'string' ? ua.slice(0, 512) : null,
  };
}

/**
 * Records a refused attempt. A refusal stands even when the log cannot be written (the caller
 * still refuses), so the failure is logged rather than thrown.
 */
export async function auditDenied(
  db: Database,
  request: FastifyRequest,
  details: AttemptDetails,
  denyReason: string,
): Promise<void> {
  try {
    const attempt: RevealAttempt = {
      ...requestContext(request),
      ...details,
      kind: details.component ? 'component_key' : 'reveal',
      outcome: 'denied',
      denyReason,
    };
    // Refusals that are not probing do not count toward the refused-attempt limits (issue 17.6),
    // so something else must keep them from filling the log: the same refusal of the same card
    // to the same user is written once a minute (they concern cards the user reaches anyway).
    if (isOrdinaryRefusal(denyReason)) await insertRevealAttemptOncePerMinute(db, attempt);
    else await insertRevealAttempt(db, attempt);
  } catch (err) {
    request.log.error({ err }, 'could not write a denied reveal attempt to the audit log');
  }
}

/**
 * Refusals an ordinary page meets (docs/decisions/062): "this card shows no numbers" (physical,
 * canceled, reported lost), a stale step-up, an Account Session to renew, a card loaded again within seconds.
 * They do not count toward the refused-attempt limits (refusal-limit.ts); the ones that do are
 * listed in migration 141 (`refused_reveal_counts`).
 */
const ORDINARY_REFUSALS: ReadonlySet<string> = new Set([
  'card_type_not_allowed',
  'card_canceled',
  'card_reported_lost',
  'step_up_required',
  'account_session_required',
  'card_key_too_soon',
]);

export function isOrdinaryRefusal(denyReason: string): boolean {
  return ORDINARY_REFUSALS.has(denyReason);
}

export type GrantResult =
  { granted: true; auditId: string } | { granted: false; denyReason: 'rate_limited' | 'too_many_cards' };

/** A role's reveal limits (shared/policy.ts `permissions.reveal`). */
export interface RevealBounds {
  ratePerMinute: number;
  distinctCardsPerHour: number;
}

/**
 * Records a granted attempt, unless the user already had `ratePerMinute` granted reveals in the
 * last minute, or the card is new and the user already saw `distinctCardsPerHour` different
 * cards in the last hour (reveals and component keys together, decision 062): then a denied row
 * is written instead. One statement (the database function `card_secret_grant`, migration 154)
 * holding the user's card-secrets lock (shared with component keys) while it counts and inserts,
 * so concurrent requests cannot both slip under a limit; the counts live in the database, so the
 * limits hold across instances; the row is committed when the statement returns. Throws when
 * the log cannot be written: then no key may be issued. A reveal behind a step-up writes its
 * second-factor method into the same row (`reveal_audit_grant_with_method`).
 */
export async function auditGrant(
  db: Database,
  request: FastifyRequest,
  details: AttemptDetails,
  bounds: RevealBounds,
  /** The second-factor method of the step-up behind this reveal, written into the granted row (migration 130). */
  stepUpMethod?: string | null,
): Promise<GrantResult> {
  const auditId = newAuditId();
  const outcome = await grantReveal(db, {
    ...requestContext(request),
    auditId,
    cardId: details.cardId,
    accountId: details.accountId,
    reason: details.reason,
    ratePerMinute: bounds.ratePerMinute,
    distinctCardsPerHour: bounds.distinctCardsPerHour,
    stepUpMethod: stepUpMethod ?? null,
  });
  if (outcome === 'granted') return { granted: true, auditId };
  return { granted: false, denyReason: outcome === 'too_many_cards' ? 'too_many_cards' : 'rate_limited' };
}

export type ComponentKeyResult =
  | { granted: true; auditId: string }
  | {
      granted: false;
      denyReason: 'account_session_required' | 'rate_limited' | 'card_key_too_soon' | 'too_many_cards';
    };

/**
 * The same for a key a Connect issuing component fetched as it loaded a card (docs/decisions/060
 * and 062): recorded as a `component_key` with the component, only for an account whose Account
 * Session this app session created, and within the role's component-key bounds (per minute, per
 * card), never against the reveal rate; the distinct cards per hour are the role's reveal bound,
 * counted over reveals and component keys together. One statement (`card_secret_grant`,
 * migration 154) under the user's card-secrets lock; a granted row carries the method of the
 * step-up behind it (staff roles, decision 104).
 */
export async function auditComponentKeyGrant(
  db: Database,
  request: FastifyRequest,
  details: AttemptDetails & { component: ComponentName },
  bounds: ComponentKeyPolicy & Pick<RevealBounds, 'distinctCardsPerHour'>,
  stepUpMethod: string | null,
): Promise<ComponentKeyResult> {
  const auditId = newAuditId();
  const outcome = await grantComponentKey(db, {
    ...requestContext(request),
    auditId,
    cardId: details.cardId,
    accountId: details.accountId,
    component: details.component,
    sessionId: request.user?.sessionId ?? null,
    perMinute: bounds.perMinute,
    perCardMinSeconds: bounds.perCardMinSeconds,
    distinctCardsPerHour: bounds.distinctCardsPerHour,
    stepUpMethod,
  });
  if (outcome === 'granted') return { granted: true, auditId };
  if (outcome === 'account_session_required' || outcome === 'card_key_too_soon' || outcome === 'too_many_cards')
    return { granted: false, denyReason: outcome };
  return { granted: false, denyReason: 'rate_limited' };
}
