// Who reaches which connected account and card, from shared/policy.ts. Route handlers ask these
// questions; none of them inspects a role by name.
import { policyFor, type AccountScope, type CardType, type Role } from '../../shared/policy.ts';
import type { Queryable } from '../db/database.ts';
import { listMemberships } from '../db/users.ts';

export interface Scope {
  kind: AccountScope;
  /** The member accounts (scope `memberships` only; empty otherwise). */
  memberships: string[];
}

export async function scopeFor(db: Queryable, user: { id: string; role: Role }): Promise<Scope> {
  const kind = policyFor(user.role).accountScope;
  return { kind, memberships: kind === 'memberships' ? await listMemberships(db, user.id) : [] };
}

/** Whether the user may act on this account (open it, create an Account Session, reach its cards). */
export function canReachAccount(scope: Scope, accountId: string): boolean {
  return scope.kind === 'memberships' ? scope.memberships.includes(accountId) : true;
}

/** Whether the user may browse lists (accounts, an account's cards) without a lookup term. */
export function canBrowse(scope: Scope): boolean {
  return scope.kind !== 'lookup';
}

export type RevealRefusal = 'not_permitted' | 'card_type_not_allowed';

/** Why this role may not reveal this card's details, or null when it may. */
export function revealRefusal(role: Role, card: { type: string }): RevealRefusal | null {
  const reveal = policyFor(role).permissions.reveal;
  if (!reveal.allowed) return 'not_permitted';
  if (!reveal.cardTypes.includes(card.type as CardType)) return 'card_type_not_allowed';
  return null;
}
