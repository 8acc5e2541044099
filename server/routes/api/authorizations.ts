import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CardParams, ErrorBody } from '../../../shared/api.ts';
import {
  AccountAuthorizationsParams,
  AuthorizationRow,
  AuthorizationsQuery,
  AuthorizationsResponse,
  EventsQuery,
  LimitsResponse,
  SimulatePurchaseBody,
} from '../../../shared/authorizations-api.ts';
import { canBrowse, canReachAccount, scopeFor } from '../../domain/access.ts';
import { findAccount } from '../../domain/accounts.ts';
import { explainPage, listAuthorizations, spendSourceFor } from '../../domain/authorization-views.ts';
import { locateCardFor } from '../../domain/card-lookup.ts';
import type { FoundCard } from '../../domain/cards.ts';
import { mirrorObject } from '../../domain/mirror/ingest.ts';
import { writeVersion } from '../../domain/mirror/objects.ts';
import { cardholderOf, remainingLimits } from '../../domain/spending-usage.ts';
import { streamAllowed, type StreamTarget } from '../../domain/stream-access.ts';
import { HttpError, badRequest, forbidden, notFound } from '../../errors.ts';

/** The card, if the user reaches it (a lookup-scope user reaches the card it looked up by id). */
async function cardInScope(app: FastifyInstance, request: FastifyRequest, cardId: string): Promise<FoundCard> {
  const scope = await scopeFor(app.db, request.user!);
  const located = await locateCardFor(app, { userId: request.user!.id, scope }, cardId);
  if (!located) throw notFound('No such card.', 'card_not_found');
  if (!canReachAccount(scope, located.found.account)) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
  return located.found;
}

/** An account whose activity the user may browse (not lookup-only roles: they see one card at a time). */
async function accountInScope(app: FastifyInstance, request: FastifyRequest, account: string): Promise<void> {
  const scope = await scopeFor(app.db, request.user!);
  if (!canBrowse(scope) || !canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
  // An id that is no connected account is a 404, not an empty list or a stream that never
  // speaks: the mirror knows the platform's accounts (no Stripe call).
  if (!(await findAccount(app, account))) throw notFound('No such account.', 'account_not_found');
}

/** Stripe's names for the simulate form's fields. */
const SIMULATE_FIELDS: Record<string, string> = {
  amount: 'amount',
  'merchant_data[category]': 'category',
  'merchant_data[country]': 'country',
  'merchant_data[name]': 'merchant_name',
};

/**
 * Authorizations and transactions per card and per account, remaining limits, "Simulate a
 * purchase" (Stripe's Issuing test helper on the card's account) and live activity
 * (server-sent events fed by the verified webhook). docs/decisions/080-decline-explanations.md,
 * 081-live-activity.md.
 */
const authorizations: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  // Open event streams end when the server closes, so that shutdown does not wait for them.
  const openStreams = new Set<() => void>();
  app.addHook('preClose', async () => {
    for (const end of openStreams) end();
  });

  app.get(
    '/cards/:id/authorizations',
    { schema: { params: CardParams, querystring: AuthorizationsQuery, response: { 200: AuthorizationsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const found = await cardInScope(app, request, request.params.id);
      return listAuthorizations(app, found.account, request.query, found.card);
    },
  );

  app.get(
    '/accounts/:account/authorizations',
    { schema: { params: AccountAuthorizationsParams, querystring: AuthorizationsQuery, response: { 200: AuthorizationsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      await accountInScope(app, request, request.params.account);
      return listAuthorizations(app, request.params.account, request.query, undefined);
    },
  );

  app.get(
    '/cards/:id/limits',
    { schema: { params: CardParams, response: { 200: LimitsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request) => {
      const { card, account } = await cardInScope(app, request, request.params.id);
      const now = Math.floor(Date.now() / 1000);
      const holder = cardholderOf(card);
      return {
        card: card.id,
        account,
        currency: card.currency,
        cardholder: { id: holder?.id ?? String(card.cardholder), name: holder?.name ?? '' },
        as_of: now,
        limits: await remainingLimits(await spendSourceFor(app, account), card, now),
      };
    },
  );

  app.post(
    '/cards/:id/simulate-purchase',
    {
      schema: {
        params: CardParams,
        body: SimulatePurchaseBody,
        response: { 200: AuthorizationRow, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      // Stripe's test helpers exist in test mode only (docs.stripe.com/issuing/testing).
      if (/^(sk|rk)_live_/.test(app.config.stripe.secretKey)) {
        throw forbidden('Purchases can only be simulated with test-mode keys.', 'live_mode');
      }
      const { card, account } = await cardInScope(app, request, request.params.id);
      const { amount, category, country, merchant_name: name } = request.body;
      let auth;
      try {
        auth = await app.stripe.testHelpers.issuing.authorizations.create(
          {
            card: card.id,
            amount,
            currency: card.currency,
            merchant_data: {
              ...(category ? { category: category as never } : {}),
              ...(country ? { country } : {}),
              name: name ?? 'Dashboard test purchase',
            },
          },
          { stripeAccount: account },
        );
      } catch (error) {
        const e = error as { type?: string; param?: string; message?: string };
        if (e.type === 'StripeInvalidRequestError') {
          const field = (e.param && SIMULATE_FIELDS[e.param]) ?? 'amount';
          throw new HttpError(400, 'simulation_refused', `Stripe refused this purchase: ${(e.message ?? '').slice(0, 200)}`, field);
        }
        throw error;
      }
      request.log.info({ card: card.id, account, authorization: auth.id, approved: auth.approved }, 'simulated purchase');
      // The mirror learns the authorization from Stripe's answer at once (its events follow).
      await mirrorObject(app.db, account, auth, writeVersion()).catch((err: unknown) => request.log.warn({ err }, 'could not mirror the authorization'));
      const [row] = await explainPage(await spendSourceFor(app, account), [auth], account, () => card);
      return row!;
    },
  );

  app.get(
    '/events',
    { schema: { querystring: EventsQuery, response: { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      const { card, account, max_seconds: maxSeconds = 55 } = request.query;
      if (!card && !account) throw badRequest('Name the card or the account to follow.', 'card');
      const found = card ? await cardInScope(app, request, card) : undefined;
      const filter = found ? { card: found.card.id } : { account: account! };
      if (!found) await accountInScope(app, request, account!);
      // What the stream's access is checked against while it lasts (issue 17 item 8).
      const target: StreamTarget = found ? { card: found.card.id, account: found.account } : { account: account! };
      const opened = { userId: request.user!.id, role: request.user!.role };

      // The response is written by hand (hijacked), one event at a time; the headers the hooks
      // set so far (security headers, request id) are carried over.
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        ...(reply.getHeaders() as Record<string, string>),
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-store',
        'x-accel-buffering': 'no',
      });
      const send = (text: string) => {
        if (!res.writableEnded && !res.destroyed) res.write(text);
      };
      // EventSource reconnects by itself after `retry` ms; one connection lasts at most maxSeconds
      // (below proxies' idle timeouts and the server's request timeout).
      send(`retry: 2000\nevent: ready\ndata: {}\n\n`);
      // The stream ends when the session or the scope that opened it does: checked every few
      // seconds (shared by the session's streams) and again before each event is delivered, so
      // nothing reaches a signed-out, disabled or no-longer-member user (a reconnect is refused).
      const guard = app.streamAccess.watch(request.user!.sessionId, (access) => streamAllowed(access, opened, target), () => end());
      // Events go out in order, each after its own check.
      let delivering = Promise.resolve();
      const unsubscribe = app.activity.subscribe(filter, (activity) => {
        delivering = delivering.then(async () => {
          if (await guard.check()) send(`event: activity\ndata: ${JSON.stringify(activity)}\n\n`);
        });
      });
      const heartbeat = setInterval(() => send(': keep-alive\n\n'), 20_000);
      const end = () => {
        clearInterval(heartbeat);
        clearTimeout(timer);
        guard.stop();
        unsubscribe();
        openStreams.delete(end);
        if (!res.writableEnded) res.end();
      };
      const timer = setTimeout(end, maxSeconds * 1000);
      openStreams.add(end);
      // The browser went away (page closed, EventSource closed): stop forwarding.
      res.once('close', end);
    },
  );
};

export default authorizations;
