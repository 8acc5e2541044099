import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { CardParams, CardSummary, CreateCardBody, ErrorBody, UpdateCardBody } from '../../../shared/api.ts';
import { can } from '../../../shared/policy.ts';
import { canReachAccount, scopeFor } from '../../domain/access.ts';
import { requireCardIssuing } from '../../domain/accounts.ts';
import { auditAction, cardChangeEvents, controlsOf, DASHBOARD_IDEMPOTENCY_PREFIX } from '../../domain/audit.ts';
import { findCardInScope, issueCard, permissionsNeeded, updateCard } from '../../domain/card-changes.ts';
import { indexCards } from '../../domain/card-index.ts';
import { writeVersion } from '../../domain/mirror/objects.ts';
import { toCardSummary, type FoundCard } from '../../domain/cards.ts';
import { badRequest, forbidden, notFound } from '../../errors.ts';

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 502: ErrorBody };

/**
 * POST /api/cards issues a card; POST /api/cards/:id freezes, activates, cancels or changes the
 * spending controls of one. Who may do which comes from the policy (route guard + per field here).
 */
const cardChanges: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // The mirror learns our own writes from Stripe's answer at once (webhook events follow). Stripe
  // has done the change; a mirror that cannot be written now is caught up by the events and the
  // reconciler.
  const remember = async (request: FastifyRequest, found: FoundCard) => {
    await indexCards(app.db, [found], writeVersion()).catch((err: unknown) => request.log.warn({ err, cardId: found.card.id }, 'could not index the card'));
  };

  app.post('/cards', { schema: { body: CreateCardBody, response: { 200: CardSummary, ...errors } } }, async (request) => {
    const user = request.user!;
    const scope = await scopeFor(app.db, user);
    if (!canReachAccount(scope, request.body.account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
    // Stripe's Idempotency-Key from the browser's request id: the same form submitted twice gives
    // the same card. Scoped to the user so that ids from different users never collide.
    const requestId = request.body.request_id ?? request.id;
    await requireCardIssuing(app, request.body.account);
    const found = await issueCard(app, request.body, `${DASHBOARD_IDEMPOTENCY_PREFIX}issue-card:${user.id}:${requestId}`);
    await remember(request, found);
    const { card } = found;
    await auditAction(app.db, request, {
      kind: 'card.issued',
      accountId: found.account,
      cardId: card.id,
      cardholderId: typeof card.cardholder === 'string' ? card.cardholder : card.cardholder.id,
      details: { type: card.type, currency: card.currency, status: card.status, last4: card.last4, spending_controls: controlsOf(card.spending_controls) },
    });
    request.log.info({ cardId: found.card.id, account: found.account }, 'card issued');
    return toCardSummary(found);
  });

  app.post(
    '/cards/:id',
    { schema: { params: CardParams, body: UpdateCardBody, response: { 200: CardSummary, ...errors } } },
    async (request) => {
      const user = request.user!;
      const needed = permissionsNeeded(request.body);
      if (needed.length === 0) throw badRequest('Say what to change: status, cancellation_reason or spending_controls.', 'status');
      for (const permission of needed) {
        if (!can(user.role, permission)) throw forbidden('Your role does not allow this change.');
      }
      const scope = await scopeFor(app.db, user);
      const { found, outOfScope } = await findCardInScope(app, { userId: user.id, scope }, request.params.id);
      if (outOfScope) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      if (!found) throw notFound('No such card.', 'card_not_found');
      const updated = await updateCard(app.stripe, found, request.body, `${DASHBOARD_IDEMPOTENCY_PREFIX}card-update:${randomUUID()}`);
      await remember(request, updated);
      for (const event of cardChangeEvents(found.card, updated.card, updated.account)) await auditAction(app.db, request, event);
      request.log.info({ cardId: updated.card.id, account: updated.account, status: updated.card.status }, 'card updated');
      return toCardSummary(updated);
    },
  );
};

export default cardChanges;
