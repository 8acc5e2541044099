import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  CardParams,
  CardQuery,
  CardSummary,
  CardsQuery,
  CardsResponse,
  CreateCardBody,
  ErrorBody,
  UpdateCardBody,
} from '../../../../shared/api.ts';
import { can, LOOKUP_RULES } from '../../../../shared/policy.ts';
import { canBrowse, canReachAccount, scopeFor } from '../../../domain/access.ts';
import { accountNamesFor } from '../../../domain/account-names.ts';
import { findAccount, requireCardIssuing } from '../../../domain/accounts.ts';
import {
  auditAction,
  cardChangeEvents,
  cardIssuedDetails,
  DASHBOARD_IDEMPOTENCY_PREFIX,
} from '../../../domain/audit.ts';
import { findCardInScope, issueCard, permissionsNeeded, updateCard } from '../../../domain/card-changes.ts';
import { cardExtras } from '../../../domain/card-extras.ts';
import { indexCards } from '../../../domain/card-index.ts';
import { locateCardFor, lookupCards } from '../../../domain/card-lookup.ts';
import { toCardSummary, type FoundCard } from '../../../domain/cards.ts';
import { specificLookup, tooBroad } from '../../../domain/lookup-query.ts';
import { writeVersion } from '../../../domain/mirror/objects.ts';
import { isNotOnAccount } from '../../../domain/stripe-errors.ts';
import { HttpError, badRequest, forbidden, notFound } from '../../../errors.ts';
import authorizations from './authorizations.ts';
import limits from './limits.ts';
import pin from './pin.ts';
import reportLost from './report-lost.ts';
import replace from './replace.ts';
import simulatePurchase from './simulate-purchase.ts';

const changeErrors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody };

/** What a lookup role sees of a card: enough to verify the caller (decision 030), not its spending controls. */
function lookupSummary(found: FoundCard) {
  const { spending_controls: _controls, ...summary } = toCardSummary(found);
  return summary;
}

function cardholderEmail(found: FoundCard): string | undefined {
  const holder = found.card.cardholder;
  return typeof holder === 'string' ? undefined : holder.email?.toLowerCase();
}

/**
 * /api/cards and /api/cards/:id: list and find cards (GET), issue one (POST /cards), freeze,
 * activate, cancel or change the spending controls of one (POST /cards/:id). Who may do which
 * comes from the policy (route guard + per field here). The card's sub-paths (/cards/:id/pin, …)
 * each have their file beside this one, named for the path.
 */
const cards: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // The mirror learns our own writes from Stripe's answer at once (webhook events follow). Stripe
  // has done the change; a mirror that cannot be written now is caught up by the events and the
  // reconciler.
  const remember = async (request: FastifyRequest, found: FoundCard) => {
    await indexCards(app.db, [found], writeVersion()).catch((err: unknown) =>
      request.log.warn({ err, cardId: found.card.id }, 'could not index the card'),
    );
  };

  app.get(
    '/cards',
    {
      schema: {
        querystring: CardsQuery,
        response: { 200: CardsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => {
      const { account, limit = 25, starting_after, ...query } = request.query;
      const scope = await scopeFor(app.db, request.user!);
      // Roles that may not browse find one card at a time: a specific enough query, one page.
      const lookup = canBrowse(scope) ? undefined : specificLookup(query);
      if (lookup && starting_after)
        throw badRequest('A lookup answers with one page; make the query more specific instead.', 'starting_after');
      const filters = lookup?.filters ?? query;
      // A lookup by card id that finds nothing counts against the user's misses (card-miss-limit.ts).
      const caller = { userId: request.user!.id, cardMisses: app.cardMisses };

      // null: every connected account (the scope is not limited to memberships).
      let accounts: string[] | null;
      if (account) {
        if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
        // An id that names no connected account: 404 from the mirror, without asking Stripe.
        if (!(await findAccount(app, account)))
          throw new HttpError(404, 'account_not_found', 'No such connected account.', 'account');
        accounts = [account];
      } else if (scope.kind === 'memberships') {
        accounts = scope.memberships;
      } else {
        accounts = null;
      }

      if (lookup) {
        const result = await lookupCards(app, accounts, filters, { limit: LOOKUP_RULES.maxResults }, caller);
        if (result.hasMore) throw tooBroad();
        const data = lookup.exactEmail
          ? result.data.filter((f) => cardholderEmail(f) === lookup.exactEmail)
          : result.data;
        // Names, not acct_ ids, beside each card (support agents cannot list accounts themselves).
        const names = data.length
          ? await accountNamesFor(app, [...new Set(data.map((f) => f.account))], request.log)
          : new Map<string, string>();
        return {
          data: data.map((f) => ({ ...lookupSummary(f), account_name: names.get(f.account) ?? null })),
          has_more: false,
        };
      }
      const result = await lookupCards(app, accounts, filters, { limit, startingAfter: starting_after }, caller).catch(
        (error: unknown) => {
          // An account id that names no connected account: Stripe answers 403 account_invalid (or 404).
          if (account && isNotOnAccount(error))
            throw new HttpError(404, 'account_not_found', 'No such connected account.', 'account');
          throw error;
        },
      );
      const names = result.data.length
        ? await accountNamesFor(app, [...new Set(result.data.map((f) => f.account))], request.log)
        : new Map<string, string>();
      return {
        data: result.data.map((found) => ({ ...toCardSummary(found), account_name: names.get(found.account) ?? null })),
        has_more: result.hasMore,
      };
    },
  );

  app.get(
    '/cards/:id',
    {
      schema: {
        params: CardParams,
        querystring: CardQuery,
        response: { 200: CardSummary, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 429: ErrorBody },
      },
    },
    async (request) => {
      const scope = await scopeFor(app.db, request.user!);
      // The account the card page's URL names: checked before Stripe is asked anything there.
      const hint = request.query.account;
      if (hint && !canReachAccount(scope, hint))
        throw forbidden('You may not open this account.', 'account_out_of_scope');
      // From the mirror, no Stripe call; a card it does not know is asked for only on the
      // account the URL names (one retrieve), never on every account (decisions 143, 148).
      const located = await locateCardFor(app, { userId: request.user!.id, scope }, request.params.id, {
        accountHint: hint,
      });
      if (!located) throw notFound('No such card.', 'card_not_found');
      if (!canReachAccount(scope, located.found.account))
        throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      const names = await accountNamesFor(app, [located.found.account], request.log);
      const summary = canBrowse(scope) ? toCardSummary(located.found) : lookupSummary(located.found);
      return {
        ...summary,
        account_name: names.get(located.found.account) ?? null,
        ...(await cardExtras(app.db, located.found)),
      };
    },
  );

  app.post(
    '/cards',
    { schema: { body: CreateCardBody, response: { 200: CardSummary, ...changeErrors } } },
    async (request) => {
      const user = request.user!;
      const scope = await scopeFor(app.db, user);
      if (!canReachAccount(scope, request.body.account))
        throw forbidden('You may not open this account.', 'account_out_of_scope');
      // Stripe's Idempotency-Key from the browser's request id: the same form submitted twice gives
      // the same card. Scoped to the user so that ids from different users never collide.
      const requestId = request.body.request_id ?? request.id;
      await requireCardIssuing(app, request.body.account);
      const found = await issueCard(
        app,
        request.body,
        `${DASHBOARD_IDEMPOTENCY_PREFIX}issue-card:${user.id}:${requestId}`,
      );
      await remember(request, found);
      const { card } = found;
      await auditAction(app.db, request, {
        kind: 'card.issued',
        accountId: found.account,
        cardId: card.id,
        cardholderId: typeof card.cardholder === 'string' ? card.cardholder : card.cardholder.id,
        details: cardIssuedDetails(card),
      });
      request.log.info({ cardId: found.card.id, account: found.account }, 'card issued');
      return toCardSummary(found);
    },
  );

  app.post(
    '/cards/:id',
    { schema: { params: CardParams, body: UpdateCardBody, response: { 200: CardSummary, ...changeErrors } } },
    async (request) => {
      const user = request.user!;
      const needed = permissionsNeeded(request.body);
      if (needed.length === 0)
        throw badRequest('Say what to change: status, cancellation_reason or spending_controls.', 'status');
      for (const permission of needed) {
        if (!can(user.role, permission)) throw forbidden('Your role does not allow this change.');
      }
      const scope = await scopeFor(app.db, user);
      const { found, outOfScope } = await findCardInScope(app, { userId: user.id, scope }, request.params.id);
      if (outOfScope) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      if (!found) throw notFound('No such card.', 'card_not_found');
      const updated = await updateCard(
        app.stripe,
        found,
        request.body,
        `${DASHBOARD_IDEMPOTENCY_PREFIX}card-update:${randomUUID()}`,
      );
      await remember(request, updated);
      for (const event of cardChangeEvents(found.card, updated.card, updated.account))
        await auditAction(app.db, request, event);
      request.log.info(
        { cardId: updated.card.id, account: updated.account, status: updated.card.status },
        'card updated',
      );
      return { ...toCardSummary(updated), ...(await cardExtras(app.db, updated)) };
    },
  );

  await app.register(pin);
  await app.register(reportLost);
  await app.register(replace);
  await app.register(authorizations);
  await app.register(limits);
  await app.register(simulatePurchase);
};

export default cards;
