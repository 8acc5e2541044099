import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type Stripe from 'stripe';
import { CardParams, ErrorBody } from '../../../../shared/api.ts';
import { ReplaceCardBody, ReplaceCardResponse } from '../../../../shared/api/card-replacement.ts';
import { awaitingReplacement } from '../../../../shared/lost-cards.ts';
import { cardStepAudited, lostReportedAt } from '../../../db/lost-reports.ts';
import { scopeFor } from '../../../domain/access.ts';
import { requireCardIssuing } from '../../../domain/accounts.ts';
import {
  auditAction,
  cardChangeEvents,
  cardIssuedDetails,
  DASHBOARD_IDEMPOTENCY_PREFIX,
} from '../../../domain/audit.ts';
import { findCardInScope, shippingTo, updateCard } from '../../../domain/card-changes.ts';
import { cardExtras } from '../../../domain/card-extras.ts';
import { indexCards } from '../../../domain/card-index.ts';
import { toCardSummary, type FoundCard } from '../../../domain/cards.ts';
import { writeVersion } from '../../../domain/mirror/objects.ts';
import { requireStepUp } from '../../../domain/second-factor.ts';
import { inputError, stripeErrorKind } from '../../../domain/stripe-errors.ts';
import { HttpError, forbidden, notFound } from '../../../errors.ts';

const idOf = (ref: string | { id: string } | null | undefined): string | null =>
  ref == null ? null : typeof ref === 'string' ? ref : ref.id;

type Controls = Stripe.Issuing.CardCreateParams.SpendingControls;

/** The lost card's spending controls as create parameters: the replacement spends as it did. */
function sameControls(controls: Stripe.Issuing.Card.SpendingControls | null | undefined): Controls {
  const c = (controls ?? {}) as Partial<Stripe.Issuing.Card.SpendingControls>;
  const out: Controls = {};
  if (c.spending_limits?.length)
    out.spending_limits = c.spending_limits.map((l) => ({
      amount: l.amount,
      interval: l.interval,
      ...(l.categories?.length ? { categories: l.categories } : {}),
    }));
  if (c.allowed_categories?.length) out.allowed_categories = c.allowed_categories;
  if (c.blocked_categories?.length) out.blocked_categories = c.blocked_categories;
  if (c.allowed_merchant_countries?.length) out.allowed_merchant_countries = c.allowed_merchant_countries;
  if (c.blocked_merchant_countries?.length) out.blocked_merchant_countries = c.blocked_merchant_countries;
  return out;
}

/** Where a physical replacement goes: the lost card's shipping, else the cardholder's billing address. */
function shippingFor(
  card: Stripe.Issuing.Card,
  holder: Stripe.Issuing.Cardholder,
): Stripe.Issuing.CardCreateParams.Shipping {
  return shippingTo(card.shipping?.name ?? holder.name, card.shipping?.address ?? holder.billing.address);
}

/**
 * POST /api/cards/:id/replace (docs/decisions/164-risky-actions-confirmed.md): the end of a lost
 * card's story. A card reported lost (frozen by report-lost.ts) is canceled as `lost` and a new
 * card is issued in its place, as Stripe documents it (docs.stripe.com/issuing/cards/replacements,
 * "Replacements for lost or stolen cards": cancel with `cancellation_reason` lost, then create a
 * card with `replacement_for` and `replacement_reason: lost`; it gets a new number): same
 * cardholder, type, currency and spending controls. Platform admins only (policy `replaceCards`),
 * after a fresh second-factor check. Both Stripe calls carry an Idempotency-Key derived from the
 * lost card, so a repeated or concurrent request, or the SDK's retry of an answer that was lost,
 * makes one card; a card canceled but not yet replaced (the second call failed) is completed by
 * the next request. 409 for a card not reported lost, or replaced already.
 */
const cardReplace: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  const remember = (request: FastifyRequest, found: FoundCard) =>
    indexCards(app.db, [found], writeVersion()).catch((err: unknown) =>
      request.log.warn({ err, cardId: found.card.id }, 'could not index the card'),
    );

  app.post(
    '/cards/:id/replace',
    {
      schema: {
        params: CardParams,
        body: ReplaceCardBody,
        response: {
          200: ReplaceCardResponse,
          400: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          502: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const user = request.user!;
      const method = requireStepUp(app, request, 'replaceCards');
      const scope = await scopeFor(app.db, user);
      const { found, outOfScope } = await findCardInScope(app, { userId: user.id, scope }, request.params.id);
      if (outOfScope) throw forbidden('This card belongs to an account you may not open.', 'card_out_of_scope');
      if (!found) throw notFound('No such card.', 'card_not_found');
      const { account } = found;

      // The card as Stripe has it now (the mirror may be a moment behind): status, replaced_by, holder.
      const lost = await app.stripe.issuing.cards.retrieve(
        found.card.id,
        { expand: ['cardholder'] },
        { stripeContext: account },
      );
      const replacedBy = idOf(lost.replaced_by);
      if (replacedBy)
        throw new HttpError(409, 'card_replaced', `This card has been replaced already, by ${replacedBy}.`);
      const reportedAt = await lostReportedAt(app.db, lost.id);
      if (!awaitingReplacement({ ...lost, lost_reported_at: reportedAt, replaced_by: replacedBy }))
        throw new HttpError(
          409,
          'card_not_reported_lost',
          lost.status === 'canceled'
            ? 'This card was canceled without being reported lost: issue a new card instead.'
            : 'Only a card reported lost is canceled and replaced here: report it lost first.',
        );
      const holder = lost.cardholder;
      // Checked before the cancel, which cannot be undone: a blocked cardholder gets no new card.
      if (holder.status === 'blocked')
        throw new HttpError(
          409,
          'cardholder_blocked',
          `${holder.name} is blocked and cannot get a new card: unblock the cardholder first, then replace the card.`,
        );
      await requireCardIssuing(app, account);

      const key = (step: string) => `${DASHBOARD_IDEMPOTENCY_PREFIX}replace-lost:${step}:${lost.id}`;
      const before: FoundCard = { card: lost, account };
      let canceled = before;
      if (lost.status !== 'canceled') {
        canceled = await updateCard(
          app.stripe,
          before,
          { status: 'canceled', cancellation_reason: 'lost' },
          key('cancel'),
        );
        await remember(request, canceled);
        // Once, however often the step ran (a retry after the second step failed, a double click).
        if (!(await cardStepAudited(app.db, lost.id, 'card.status_changed', 'canceled')))
          for (const event of cardChangeEvents(lost, canceled.card, account, {
            replacing: true,
            ...(method ? { second_factor_method: method } : {}),
          }))
            await auditAction(app.db, request, event);
      }

      let card: Stripe.Issuing.Card;
      try {
        card = await app.stripe.issuing.cards.create(
          {
            cardholder: holder.id,
            type: lost.type,
            currency: lost.currency,
            replacement_for: lost.id,
            replacement_reason: 'lost',
            // A virtual card works at once; a physical one is activated once the cardholder has it.
            ...(lost.type === 'virtual' ? { status: 'active' as const } : { shipping: shippingFor(lost, holder) }),
            spending_controls: sameControls(lost.spending_controls),
            expand: ['cardholder'],
          },
          { stripeContext: account, idempotencyKey: key('create') },
        );
      } catch (error) {
        if (stripeErrorKind(error) === 'idempotency')
          throw new HttpError(409, 'duplicate_request', 'This card is being replaced already. Reload in a moment.');
        throw inputError(error) ?? error;
      }
      const replacement: FoundCard = { card, account };
      const original: FoundCard = { card: { ...canceled.card, replaced_by: card.id }, account };
      await remember(request, replacement);
      await remember(request, original);
      if (!(await cardStepAudited(app.db, card.id, 'card.issued')))
        await auditAction(app.db, request, {
          kind: 'card.issued',
          accountId: account,
          cardId: card.id,
          cardholderId: holder.id,
          details: {
            ...cardIssuedDetails(card),
            replacement_for: lost.id,
            replacement_reason: 'lost',
            ...(request.body?.note?.trim() ? { note: request.body.note.trim() } : {}),
            ...(method ? { second_factor_method: method } : {}),
          },
        });
      request.log.info({ cardId: lost.id, replacementId: card.id, account }, 'lost card canceled and replaced');
      return {
        canceled: { ...toCardSummary(original), ...(await cardExtras(app.db, original)) },
        replacement: { ...toCardSummary(replacement), ...(await cardExtras(app.db, replacement)) },
      };
    },
  );
};

export default cardReplace;
