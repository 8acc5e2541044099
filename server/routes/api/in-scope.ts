// Not a route: the scope checks that the card, account, cardholder and event routes share, so
// that a card or an account out of reach is refused with the same code and words on every URL.
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { canBrowse, canReachAccount, scopeFor } from '../../domain/access.ts';
import { findAccount } from '../../domain/accounts.ts';
import { locateCardFor } from '../../domain/card-lookup.ts';
import type { FoundCard } from '../../domain/cards.ts';
import { forbidden, notFound } from '../../errors.ts';

/** The card, if the user reaches it (a lookup-scope user reaches the card it looked up by id). */
export async function cardInScope(app: FastifyInstance, request: FastifyRequest, cardId: string): Promise<FoundCard> {
  const scope = await scopeFor(app.db, request.user!);
  const located = await locateCardFor(app, { userId: request.user!.id, scope }, cardId);
  if (!located) throw notFound('No such card.', 'card_not_found');
  if (!canReachAccount(scope, located.found.account))
    throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
  return located.found;
}

/** The user may browse this account: lookup-only roles find single cards, they do not browse accounts. */
export async function requireBrowsableAccount(
  app: FastifyInstance,
  user: NonNullable<FastifyRequest['user']>,
  account: string,
): Promise<void> {
  const scope = await scopeFor(app.db, user);
  if (!canBrowse(scope) || !canReachAccount(scope, account))
    throw forbidden('You may not open this account.', 'account_out_of_scope');
}

/** An account whose activity the user may browse, and that exists. */
export async function accountInScope(app: FastifyInstance, request: FastifyRequest, account: string): Promise<void> {
  await requireBrowsableAccount(app, request.user!, account);
  // An id that is no connected account is a 404, not an empty list or a stream that never
  // speaks: the mirror knows the platform's accounts (no Stripe call).
  if (!(await findAccount(app, account))) throw notFound('No such account.', 'account_not_found');
}
