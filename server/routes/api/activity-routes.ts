// Not a route: the three URLs of a card's or an account's authorizations, registered by
// cards/authorizations.ts and accounts.ts with their scope check (docs/decisions/162-activity-filters-and-export.md):
//   <base>        one page, filtered, with what the whole filtered list adds up to
//   <base>.csv    every row the filters keep, as CSV, streamed from the mirror
//   <base>/daily  the last days' approved, declined and decline reasons per day (the charts)
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import type Stripe from 'stripe';
import type { TSchema } from 'typebox';
import {
  AuthorizationExportQuery,
  AuthorizationListQuery,
  AuthorizationListResponse,
  DailyActivityQuery,
  DailyActivityResponse,
} from '../../../shared/activity-filters.ts';
import { ErrorBody } from '../../../shared/api.ts';
import { csvStream, exportBatches } from '../../domain/activity-export.ts';
import { dailyActivity } from '../../domain/activity-series.ts';
import { listAuthorizations } from '../../domain/authorization-views.ts';

export interface ActivitySubject {
  account: string;
  /** A card's activity; without it, the account's. */
  card?: Stripe.Issuing.Card | undefined;
}

export interface ActivityRoutes {
  /** `/cards/:id/authorizations`, `/accounts/:account/authorizations`. */
  base: string;
  params: TSchema;
  /** The scope check: the subject the user may see, or a 403/404. */
  subject: (request: FastifyRequest) => Promise<ActivitySubject>;
}

const refusals = { 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody };

export function activityRoutes({ base, params, subject }: ActivityRoutes): FastifyPluginAsync {
  return async (fastify) => {
    const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

    app.get(
      base,
      {
        schema: {
          params,
          querystring: AuthorizationListQuery,
          response: { 200: AuthorizationListResponse, ...refusals },
        },
      },
      async (request) => {
        const { account, card } = await subject(request);
        return listAuthorizations(app, account, request.query, card);
      },
    );

    app.get(
      `${base}.csv`,
      { schema: { params, querystring: AuthorizationExportQuery, response: refusals } },
      async (request, reply) => {
        const { account, card } = await subject(request);
        // The query and the mirror are checked before the first byte: a refusal is a 400 or 503, not a cut download.
        const batches = await exportBatches(app, account, request.query, card);
        const stream = csvStream(batches, (err) =>
          request.log.warn(
            { err: { message: err.message, code: (err as { code?: unknown }).code } },
            'CSV export ended early',
          ),
        );
        const day = new Date().toISOString().slice(0, 10);
        return (reply as FastifyReply)
          .type('text/csv; charset=utf-8')
          .header('content-disposition', `attachment; filename="authorizations-${card?.id ?? account}-${day}.csv"`)
          .header('cache-control', 'no-store')
          .send(stream);
      },
    );

    app.get(
      `${base}/daily`,
      { schema: { params, querystring: DailyActivityQuery, response: { 200: DailyActivityResponse, ...refusals } } },
      async (request) => {
        const { account, card } = await subject(request);
        return dailyActivity(app.db, { account, card }, request.query);
      },
    );
  };
}
