import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, CardQuery, CardSummary, CardsQuery, CardsResponse, ErrorBody } from '../../../shared/api.ts';
import { canBrowse, canReachAccount, scopeFor } from '../../domain/access.ts';
import { accountNamesFor } from '../../domain/account-names.ts';
import { findAccount } from '../../domain/accounts.ts';
import { locateCardFor, lookupCards } from '../../domain/card-lookup.ts';
import { toCardSummary, type FoundCard } from '../../domain/cards.ts';
import { specificLookup, tooBroad } from '../../domain/lookup-query.ts';
import { isNotOnAccount } from '../../domain/stripe-errors.ts';
import { LOOKUP_RULES } from '../../../shared/policy.ts';
import { HttpError, badRequest, forbidden, notFound } from '../../errors.ts';

/** What a lookup role sees of a card: enough to verify the caller (decision 030), not its spending controls. */
function lookupSummary(found: FoundCard) {
  const { spending_controls: _controls, ...summary } = toCardSummary(found);
  return summary;
}

function cardholderEmail(found: FoundCard): string | undefined {
  const holder = found.card.cardholder;
  return typeof holder === 'string' ? undefined : holder.email?.toLowerCase();
}

const cards: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/cards',
    { schema: { querystring: CardsQuery, response: { 200: CardsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody } } },
    async (request) => {
      const { account, limit = 25, starting_after, ...query } = request.query;
      const scope = await scopeFor(app.db, request.user!);
      // Roles that may not browse find one card at a time: a specific enough query, one page.
      const lookup = canBrowse(scope) ? undefined : specificLookup(query);
      if (lookup && starting_after) throw badRequest('A lookup answers with one page; make the query more specific instead.', 'starting_after');
      const filters = lookup?.filters ?? query;
      // A lookup by card id that finds nothing counts against the user's misses (card-miss-limit.ts).
      const caller = { userId: request.user!.id, cardMisses: app.cardMisses };

      // null: every connected account (the scope is not limited to memberships).
      let accounts: string[] | null;
      if (account) {
        if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
        // An id that names no connected account: 404 from the mirror, without asking Stripe.
        if (!(await findAccount(app, account))) throw new HttpError(404, 'account_not_found', 'No such connected account.', 'account');
        accounts = [account];
      } else if (scope.kind === 'memberships') {
        accounts = scope.memberships;
      } else {
        accounts = null;
      }

      if (lookup) {
        const result = await lookupCards(app, accounts, filters, { limit: LOOKUP_RULES.maxResults }, caller);
        if (result.hasMore) throw tooBroad();
        const data = lookup.exactEmail ? result.data.filter((f) => cardholderEmail(f) === lookup.exactEmail) : result.data;
        // Names, not acct_ ids, beside each card (support agents cannot list accounts themselves).
        const names = data.length ? await accountNamesFor(app, [...new Set(data.map((f) => f.account))], request.log) : new Map<string, string>();
        return { data: data.map((f) => ({ ...lookupSummary(f), account_name: names.get(f.account) ?? null })), has_more: false };
      }
      const result = await lookupCards(app, accounts, filters, { limit, startingAfter: starting_after }, caller).catch((error: unknown) => {
        // An account id that names no connected account: Stripe answers 403 account_invalid (or 404).
        if (account && isNotOnAccount(error)) throw new HttpError(404, 'account_not_found', 'No such connected account.', 'account');
        throw error;
      });
      const names = result.data.length ? await accountNamesFor(app, [...new Set(result.data.map((f) => f.account))], request.log) : new Map<string, string>();
      return {
        data: result.data.map((found) => ({ ...toCardSummary(found), account_name: names.get(found.account) ?? null })),
        has_more: result.hasMore,
      };
    },
  );

  app.get(
    '/cards/:id',
    { schema: { params: CardParams, querystring: CardQuery, response: { 200: CardSummary, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody } } },
    async (request) => {
      const scope = await scopeFor(app.db, request.user!);
      // The account the card page's URL names: checked before Stripe is asked anything there.
      const hint = request.query.account;
      if (hint && !canReachAccount(scope, hint)) throw forbidden('You may not open this account.', 'account_out_of_scope');
      // From the mirror, no Stripe call; a card it does not know is asked for only on the
      // account the URL names (one retrieve), never on every account (decisions 143, 148).
      const located = await locateCardFor(app, { userId: request.user!.id, scope }, request.params.id, { accountHint: hint });
      if (!located) throw notFound('No such card.', 'card_not_found');
      if (!canReachAccount(scope, located.found.account)) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      const names = await accountNamesFor(app, [located.found.account], request.log);
      const summary = canBrowse(scope) ? toCardSummary(located.found) : lookupSummary(located.found);
      return { ...summary, account_name: names.get(located.found.account) ?? null };
    },
  );
};

export default cards;
