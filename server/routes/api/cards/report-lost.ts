import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, CardSummary, ErrorBody, ReportLostBody } from '../../../../shared/api.ts';
import { scopeFor } from '../../../domain/access.ts';
import { auditAction, DASHBOARD_IDEMPOTENCY_PREFIX } from '../../../domain/audit.ts';
import { cardExtras } from '../../../domain/card-extras.ts';
import { findCardInScope, updateCard } from '../../../domain/card-changes.ts';
import { indexCards } from '../../../domain/card-index.ts';
import { writeVersion } from '../../../domain/mirror/objects.ts';
import { toCardSummary } from '../../../domain/cards.ts';
import { HttpError, forbidden, notFound } from '../../../errors.ts';

/**
 * POST /api/cards/:id/report-lost: a cardholder reports the card lost, and it is frozen (Stripe
 * status `inactive`, which declines every authorization and can be undone: docs.stripe.com/issuing/cards/virtual#freeze-a-card)
 * at once. The one status change a support agent may make (policy `freezeLostCards`); unfreezing
 * and canceling (`cancellation_reason: lost`, permanent) stay with updateCardStatus. An already
 * frozen card stays as it is, and the report is recorded all the same.
 */
const cardReportLost: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/cards/:id/report-lost',
    {
      schema: {
        params: CardParams,
        body: ReportLostBody,
        response: { 200: CardSummary, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request) => {
      const scope = await scopeFor(app.db, request.user!);
      const { found, outOfScope } = await findCardInScope(app, { userId: request.user!.id, scope }, request.params.id);
      if (outOfScope) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      if (!found) throw notFound('No such card.', 'card_not_found');
      if (found.card.status === 'canceled') {
        throw new HttpError(409, 'card_canceled', 'This card is canceled already; it cannot be used.');
      }
      const note = request.body?.note?.trim() || null;
      const updated =
        found.card.status === 'inactive'
          ? found
          : await updateCard(
              app.stripe,
              found,
              { status: 'inactive' },
              `${DASHBOARD_IDEMPOTENCY_PREFIX}report-lost:${randomUUID()}`,
            );
      // The mirror learns the change from Stripe's answer at once (its event follows).
      if (updated !== found)
        await indexCards(app.db, [updated], writeVersion()).catch((err: unknown) =>
          request.log.warn({ err, cardId: updated.card.id }, 'could not index the card'),
        );
      const cardholder = updated.card.cardholder;
      await auditAction(app.db, request, {
        kind: 'card.status_changed',
        accountId: updated.account,
        cardId: updated.card.id,
        cardholderId: typeof cardholder === 'string' ? cardholder : cardholder.id,
        details: {
          before: found.card.status,
          after: updated.card.status,
          reason: 'reported_lost',
          ...(note ? { note } : {}),
        },
      });
      request.log.info({ cardId: updated.card.id, account: updated.account }, 'card reported lost and frozen');
      return { ...toCardSummary(updated), ...(await cardExtras(app.db, updated)) };
    },
  );
};

export default cardReportLost;
