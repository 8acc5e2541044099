import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { EphemeralKeyBody, EphemeralKeyResponse, ErrorBody } from '../../../shared/api.ts';
import {
  componentKeyPolicy,
  mayFetchComponentKeys,
  policyFor,
  type ComponentKeyPolicy,
  type RevealPolicy,
} from '../../../shared/policy.ts';
import { markDenied } from '../../db/reveal-audit.ts';
import { canReachAccount, revealRefusal, scopeFor } from '../../domain/access.ts';
import { locateCard } from '../../domain/card-lookup.ts';
import { EphemeralKeyIdRecorder } from '../../domain/ephemeral-key-ids.ts';
import { auditComponentKeyGrant, auditDenied, auditGrant, type ComponentName } from '../../domain/reveal-audit.ts';
import { checkRefusalBudget } from '../../domain/refusal-limit.ts';
import { StepUpRequired, requireStepUp } from '../../domain/second-factor.ts';
import { isStripeUnreachable, stripeErrorKind, stripeFailure } from '../../domain/stripe-errors.ts';
import { ephemeralKeyPrerequisiteError } from '../../domain/stripe-prerequisites.ts';
import { HttpError, badRequest, forbidden, notFound, stripeUnavailable, tooManyRequests } from '../../errors.ts';
import { lostReportedAt } from '../../db/lost-reports.ts';

/**
 * What a key refused by its bounds answers (migration 141). The distinct cards an hour are
 * one bound for reveals and component keys together (decision 062).
 */
function boundRefusal(denyReason: string, reveal: RevealPolicy, bounds: ComponentKeyPolicy | null): HttpError {
  if (denyReason === 'too_many_cards') {
    return new HttpError(
      429,
      'too_many_cards',
      `The details of at most ${reveal.distinctCardsPerHour} different cards can be shown per hour (reveals and card components together). Cards already shown this hour still open; try a new one later.`,
    );
  }
  if (!bounds)
    return tooManyRequests(`At most ${reveal.ratePerMinute} reveals per minute. Wait a moment and try again.`);
  switch (denyReason) {
    case 'account_session_required':
      // The page opens a new Account Session and asks again (client: useComponentKeys).
      return new HttpError(
        409,
        'account_session_required',
        'Open the card components of this account again: their session belongs to an earlier sign-in.',
      );
    case 'card_key_too_soon':
      return new HttpError(
        429,
        'card_key_too_soon',
        `This card's numbers were loaded less than ${bounds.perCardMinSeconds} seconds ago. Wait a moment and open it again.`,
      );
    default:
      return tooManyRequests(
        `At most ${bounds.perMinute} cards per minute can load their numbers. Wait a moment and try again.`,
      );
  }
}

/**
 * POST /api/ephemeral-keys: the only way card details become visible. The server finds the
 * card's account (client hint or card index), retrieves the card there, checks scope, role and
 * rate, writes the audit row, and only then asks Stripe for an ephemeral key bound to the
 * browser's nonce: two Stripe calls. The key secret goes back to the browser, which hands it to Stripe's
 * iframes; the number itself never passes through this server.
 */
const ephemeralKeys: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const keyIds = new EphemeralKeyIdRecorder(app.db);
  app.addHook('preClose', () => keyIds.idle());

  app.post(
    '/ephemeral-keys',
    {
      config: {
        // The refused-attempt counts checked below come with the session lookup (one call).
        refusedRevealCounts: true,
        // Refusals by the route guard (the role may not reveal at all) are audited too.
        onGuardDenied: async (request: FastifyRequest, denyReason: string) => {
          await checkRefusalBudget(app.db, request);
          const body = request.body as { card_id?: unknown; component?: unknown } | undefined;
          const cardId = typeof body?.card_id === 'string' && /^ic_\w{1,200}$/.test(body.card_id) ? body.card_id : null;
          const component =
            body?.component === 'issuing_card' || body?.component === 'issuing_cards_list' ? body.component : null;
          await auditDenied(app.db, request, { cardId, accountId: null, reason: null, component }, denyReason);
        },
      },
      schema: {
        body: EphemeralKeyBody,
        response: {
          200: EphemeralKeyResponse,
          400: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          429: ErrorBody,
          502: ErrorBody,
          503: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const user = request.user!;
      const { card_id: cardId, nonce } = request.body;
      const reason = request.body.reason?.trim() || null;
      // A Connect component's key (fetched as it loads a card) or a reveal (docs/decisions/060).
      const component: ComponentName | null = request.body.component ?? null;
      const reveal = policyFor(user.role).permissions.reveal;
      reply.header('cache-control', 'no-store');
      // A caller refused too often lately is not looked at again for a while (no more rows).
      await checkRefusalBudget(app.db, request);

      const denied = async (accountId: string | null, denyReason: string, error: HttpError) => {
        await auditDenied(app.db, request, { cardId, accountId, reason, component }, denyReason);
        return error;
      };

      // One Stripe call when the client's account hint or the card index is right (the card is
      // retrieved on that account, which also proves it is there); the membership comes with
      // the index lookup.
      const membersOnly = policyFor(user.role).accountScope === 'memberships';
      const located = await locateCard(app, cardId, { accountHint: request.body.account, userId: user.id });
      if (!located) throw await denied(null, 'card_not_found', notFound('No such card.', 'card_not_found'));
      const { found } = located;

      const reachable =
        !membersOnly || (located.member ?? canReachAccount(await scopeFor(app.db, user), found.account));
      if (!reachable) {
        throw await denied(
          found.account,
          'out_of_scope',
          forbidden('This card belongs to an account you may not open.', 'card_out_of_scope'),
        );
      }
      const refusal = revealRefusal(user.role, found.card);
      if (refusal) {
        throw await denied(
          found.account,
          refusal,
          forbidden(`Your role may not reveal the details of ${found.card.type} cards.`, refusal),
        );
      }
      // A canceled card's details are gone for good (the card page says so): nothing to reveal.
      if (found.card.status === 'canceled') {
        throw await denied(
          found.account,
          'card_canceled',
          new HttpError(409, 'card_canceled', 'This card is canceled; its details can no longer be shown.'),
        );
      }
      // A card reported lost is frozen until an admin cancels and replaces it (decision 164): its
      // details are not shown again, in the reveal view or in Stripe's components. One indexed
      // audit-trail lookup, for frozen cards only.
      if (found.card.status === 'inactive' && (await lostReportedAt(app.db, found.card.id))) {
        throw await denied(
          found.account,
          'card_reported_lost',
          new HttpError(
            409,
            'card_reported_lost',
            'This card was reported lost; its details are no longer shown. A platform admin can cancel and replace it.',
          ),
        );
      }
      // The components show numbers for virtual cards only and ask no key for a physical one
      // (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display): a component
      // key for a physical card would serve only its PIN, outside any component (issue 17.2).
      if (component && found.card.type !== 'virtual') {
        throw await denied(
          found.account,
          'card_type_not_allowed',
          forbidden('The card components show the numbers of virtual cards only.', 'card_type_not_allowed'),
        );
      }
      const bounds = component ? componentKeyPolicy(user.role) : null;
      if (component && (!mayFetchComponentKeys(user.role) || !bounds)) {
        // Roles that must give a reason reveal in the reveal view, one asked-for reveal at a time.
        throw await denied(
          found.account,
          'component_keys_not_allowed',
          forbidden(
            'Your role reveals card details in the reveal view, with a reason, not in the card components.',
            'component_keys_not_allowed',
          ),
        );
      }
      if (!component && reveal.reasonRequired && !reason) {
        throw await denied(
          found.account,
          'reason_required',
          badRequest('Give the reason for revealing this card.', 'reason', 'reason_required'),
        );
      }

      // Step-up (docs/decisions/100, 104): where the role's policy asks for it, a second-factor
      // check within the last few minutes, for a reveal and for a component's key alike (both
      // show the number); the row records which method it was.
      let stepUpMethod;
      try {
        stepUpMethod = requireStepUp(app, request, component ? 'componentNumbers' : 'reveal');
      } catch (err) {
        if (err instanceof StepUpRequired) throw await denied(found.account, 'step_up_required', err);
        throw err;
      }

      // Audit first: no row, no key.
      let grant;
      try {
        grant =
          component && bounds
            ? await auditComponentKeyGrant(
                app.db,
                request,
                { cardId, accountId: found.account, reason: null, component },
                { ...bounds, distinctCardsPerHour: reveal.distinctCardsPerHour },
                stepUpMethod,
              )
            : await auditGrant(app.db, request, { cardId, accountId: found.account, reason }, reveal, stepUpMethod);
      } catch (err) {
        request.log.error({ err }, 'could not write the reveal audit row; no key issued');
        throw new HttpError(
          503,
          'audit_unavailable',
          'The audit log cannot be written right now, so card details cannot be shown. Try again shortly.',
        );
      }
      if (!grant.granted) throw boundRefusal(grant.denyReason, reveal, bounds);

      let key;
      try {
        key = await app.stripe.ephemeralKeys.create(
          { issuing_card: cardId, nonce },
          // Issuing ephemeral keys need API version 2020-03-02 or newer; the SDK's pinned one is.
          { apiVersion: app.config.stripe.apiVersion, stripeContext: found.account },
        );
      } catch (err) {
        const kind = stripeErrorKind(err);
        const nonceRejected = kind === 'invalid_request' || kind === 'not_found';
        // Stripe's "not permitted" on a key: the platform lacks Issuing Elements on connected accounts.
        const prerequisite = ephemeralKeyPrerequisiteError(err);
        // Stripe cannot be reached (decision 152): the attempt's final row says so, not "granted".
        const unreachable = isStripeUnreachable(stripeFailure(err));
        await markDenied(
          app.db,
          grant.auditId,
          prerequisite
            ? prerequisite.code
            : nonceRejected
              ? 'nonce_rejected'
              : unreachable
                ? 'stripe_unreachable'
                : 'stripe_error',
        ).catch((e: unknown) => request.log.error({ err: e }, 'could not mark the reveal attempt denied'));
        if (prerequisite) {
          request.log.warn(
            { cardId, account: found.account },
            'Stripe refused an ephemeral key: Issuing Elements not enabled for connected accounts',
          );
          throw prerequisite;
        }
        if (nonceRejected) {
          throw badRequest(
            'Stripe refused this nonce (already used, expired, or made for another card). Request a new one.',
            'nonce',
            'nonce_rejected',
          );
        }
        request.log.error({ err, cardId }, 'ephemeral key creation failed');
        // What any other Stripe failure means (rate limit, outage, a feature not enabled) is decided in one place.
        throw err;
      }
      if (!key.secret) throw stripeUnavailable();
      // The row is committed already (granted); the key id is added to it, batched with others.
      await keyIds
        .record(grant.auditId, key.id)
        .catch((err: unknown) => request.log.error({ err }, 'could not record the ephemeral key id'));

      request.log.info(
        { cardId, account: found.account, ephemeralKeyId: key.id, ...(component ? { component } : {}) },
        component ? 'component key issued' : 'card details revealed',
      );
      return { ephemeralKeySecret: key.secret, expires: key.expires, issuingCard: cardId, nonce };
    },
  );
};

export default ephemeralKeys;
