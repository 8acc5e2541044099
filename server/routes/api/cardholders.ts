import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type Stripe from 'stripe';
import {
  CardholderDetails,
  CardholderParams,
  CardholdersQuery,
  CardholdersResponse,
  CreateCardholderBody,
  ErrorBody,
  UpdateCardholderBody,
} from '../../../shared/api.ts';
import { canReachAccount, scopeFor } from '../../domain/access.ts';
import { auditAction, controlsOf, DASHBOARD_IDEMPOTENCY_PREFIX } from '../../domain/audit.ts';
import { findAccount } from '../../domain/accounts.ts';
import { listCardholders } from '../../domain/card-changes.ts';
import {
  createCardholder,
  mirrorCardholder,
  retrieveCardholder,
  toCardholderDetails,
  updateCardholderControls,
} from '../../domain/cardholders.ts';
import { writeVersion } from '../../domain/mirror/objects.ts';
import { isNotOnAccount } from '../../domain/stripe-errors.ts';
import { forbidden, notFound } from '../../errors.ts';
import { requireBrowsableAccount } from './in-scope.ts';

const errors = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody };

/**
 * /api/cardholders: GET ?account= (who can be issued a card on this account: the issue-card
 * form), POST (create, individual or company), POST /:id (cardholder spending controls). Each
 * change is an audit trail row. The cardholders page's list is GET /api/accounts/:account/cardholders
 * (accounts.ts).
 */
const cardholders: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // The mirror learns our own writes from Stripe's answer at once (the events follow).
  const remember = async (request: FastifyRequest, account: string, holder: Stripe.Issuing.Cardholder) => {
    await mirrorCardholder(app.db, account, holder, writeVersion()).catch((err: unknown) =>
      request.log.warn({ err, cardholderId: holder.id }, 'could not mirror the cardholder'),
    );
  };

  app.get(
    '/cardholders',
    { schema: { querystring: CardholdersQuery, response: { 200: CardholdersResponse, ...errors } } },
    async (request) => {
      const { account } = request.query;
      const scope = await scopeFor(app.db, request.user!);
      if (!canReachAccount(scope, account)) throw forbidden('You may not open this account.', 'account_out_of_scope');
      if (!(await findAccount(app, account))) throw notFound('No such connected account.', 'account_not_found');
      try {
        return { data: await listCardholders(app, account) };
      } catch (error) {
        if (isNotOnAccount(error)) throw notFound('No such connected account.', 'account_not_found');
        throw error;
      }
    },
  );

  app.post(
    '/cardholders',
    { schema: { body: CreateCardholderBody, response: { 200: CardholderDetails, ...errors, 409: ErrorBody } } },
    async (request) => {
      const user = request.user!;
      const { account } = request.body;
      await requireBrowsableAccount(app, user, account);
      const requestId = request.body.request_id ?? request.id;
      const holder = await createCardholder(
        app.stripe,
        request.body,
        `${DASHBOARD_IDEMPOTENCY_PREFIX}cardholder-create:${user.id}:${requestId}`,
      );
      await remember(request, account, holder);
      await auditAction(app.db, request, {
        kind: 'cardholder.created',
        accountId: account,
        cardholderId: holder.id,
        details: {
          name: holder.name,
          type: holder.type,
          status: holder.status,
          spending_controls: controlsOf(holder.spending_controls),
        },
      });
      return toCardholderDetails(holder, account);
    },
  );

  app.post(
    '/cardholders/:id',
    {
      schema: { params: CardholderParams, body: UpdateCardholderBody, response: { 200: CardholderDetails, ...errors } },
    },
    async (request) => {
      const { account, spending_controls } = request.body;
      await requireBrowsableAccount(app, request.user!, account);
      // What it was, from the mirror (no Stripe call): the update is the one call.
      const before = await retrieveCardholder(app.stripe, app.db, account, request.params.id);
      const after = await updateCardholderControls(
        app.stripe,
        account,
        before.id,
        spending_controls,
        `${DASHBOARD_IDEMPOTENCY_PREFIX}cardholder-update:${randomUUID()}`,
      );
      await remember(request, account, after);
      await auditAction(app.db, request, {
        kind: 'cardholder.updated',
        accountId: account,
        cardholderId: after.id,
        details: {
          name: after.name,
          before: { spending_controls: controlsOf(before.spending_controls) },
          after: { spending_controls: controlsOf(after.spending_controls) },
        },
      });
      return toCardholderDetails(after, account);
    },
  );
};

export default cardholders;
