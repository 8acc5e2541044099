import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import type Stripe from 'stripe';
import {
  AccountCardholdersQuery,
  AccountParams,
  AccountsQuery,
  AccountsResponse,
  CardholderDetailsResponse,
  ErrorBody,
  OnboardingLinkResponse,
  OnboardingStatusResponse,
} from '../../../shared/api.ts';
import { AccountAuthorizationsParams } from '../../../shared/authorizations-api.ts';
import { accountsListed, indexedCardCounts } from '../../db/card-index.ts';
import { accountActivity } from '../../db/overview-reads.ts';
import { connectedAccounts, findAccount, matchesAccountQuery, toAccountSummary } from '../../domain/accounts.ts';
import { canBrowse, canReachAccount, scopeFor } from '../../domain/access.ts';
import { learnAccount } from '../../domain/mirror/reconcile.ts';
import { listAccountCardholders } from '../../domain/cardholders.ts';
import { auditAction } from '../../domain/audit.ts';
import { createOnboardingLink, onboardingStatus } from '../../domain/onboarding-links.ts';
import { periodStart } from '../../domain/overview.ts';
import { notFound } from '../../errors.ts';
import { trustedOrigins } from '../../plugins/app/origin-check.ts';
import { activityRoutes } from './activity-routes.ts';
import { accountInScope, requireBrowsableAccount } from './in-scope.ts';

/** A connected account's id, as a search term that names one account exactly. */
const ACCOUNT_ID = /^acct_[A-Za-z0-9]{1,200}$/;

/**
 * /api/accounts: the connected accounts the user may see (with their cards and the last 7 days'
 * activity, as the overview counts them), and per account its cardholders (the
 * cardholders page) and its authorizations. Changes to a cardholder are under /api/cardholders
 * (cardholders.ts).
 */
const accounts: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.get(
    '/accounts',
    { schema: { querystring: AccountsQuery, response: { 200: AccountsResponse, 400: ErrorBody } } },
    async (request) => {
      const scope = await scopeFor(app.db, request.user!);
      const q = request.query.q?.trim();
      // Lookup roles reach any account, but only by searching for it.
      if (!canBrowse(scope) && !q) return { data: [] };

      // From the mirror (no Stripe call) once the backfill has listed the accounts.
      let visible: Stripe.Account[] = await connectedAccounts(
        app,
        scope.kind === 'memberships' ? scope.memberships : undefined,
      );
      if (q) visible = visible.filter((a) => matchesAccountQuery(a, q));
      // An exact id the mirror does not hold, asked for by a user who may open it (the account
      // page asks so): an account connected since the mirror's last pass, learned with one Stripe
      // retrieve, each miss counted against the user as an unknown card's is (issue 20, item 4).
      if (q && visible.length === 0 && ACCOUNT_ID.test(q) && canBrowse(scope) && canReachAccount(scope, q)) {
        if (await accountsListed(app.db)) {
          const learned = await app.cardMisses.run(
            request.user!.id,
            () => learnAccount(app.stripe, app.db, q),
            (account) => !account,
          );
          if (learned) visible = [learned];
        }
      }
      // Accounts whose card index backfill has completed are counted in one query; the others
      // (before their first backfill) by listing their cards on Stripe.
      const ids = visible.map((a) => a.id);
      const counts = await indexedCardCounts(app.db, ids);
      // Per account, what the overview shows of it (cards, the last 7 days' spend and declines),
      // from the mirror in one query for the whole list; for roles that browse accounts.
      const activity = canBrowse(scope)
        ? await accountActivity(app.db, ids, periodStart('7d', Math.floor(Date.now() / 1000)))
        : undefined;
      return {
        data: await Promise.all(
          visible.map(async (a) => {
            const summary = await toAccountSummary(app.stripe, a, counts.get(a.id));
            const row = activity?.get(a.id);
            if (!row) return summary;
            const { active_cards, frozen_cards, spend, declines } = row;
            return { ...summary, activity: { active_cards, frozen_cards, spend_7d: spend, declines_7d: declines } };
          }),
        ),
      };
    },
  );

  // The cardholders page: search, status, cards, controls.
  app.get(
    '/accounts/:account/cardholders',
    {
      schema: {
        params: AccountParams,
        querystring: AccountCardholdersQuery,
        response: { 200: CardholderDetailsResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request) => {
      const { account } = request.params;
      await requireBrowsableAccount(app, request.user!, account);
      if (!(await findAccount(app, account))) throw notFound('No such connected account.', 'account_not_found');
      return listAccountCardholders(app.stripe, app.db, account, request.query);
    },
  );

  // The account's authorizations, `.csv` and `/daily` (./activity-routes.ts). Browsing scopes
  // only: lookup-only roles see one card's authorizations at a time (cards/authorizations.ts).
  await app.register(
    activityRoutes({
      base: '/accounts/:account/authorizations',
      params: AccountAuthorizationsParams,
      subject: async (request) => {
        const { account } = request.params as AccountAuthorizationsParams;
        await accountInScope(app, request, account);
        return { account };
      },
    }),
  );

  // Hosted onboarding (docs/decisions/157-hosted-onboarding.md, server/domain/onboarding-links.ts):
  // Stripe's single-use link for an account whose card_issuing is not active, for the browser to
  // go to at once; Stripe sends the user back to the account's page on the origin they came from.
  app.post(
    '/accounts/:account/onboarding-link',
    {
      schema: {
        params: AccountParams,
        response: {
          200: OnboardingLinkResponse,
          400: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          502: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const { account } = request.params;
      await accountInScope(app, request, account);
      const origin = request.headers.origin;
      const appOrigin = origin && trustedOrigins(app.config).has(origin) ? origin : app.config.publicUrl;
      const link = await createOnboardingLink(app, account, appOrigin);
      // Who sent the account to Stripe's onboarding. Never the URL: it is a credential for the account.
      await auditAction(app.db, request, {
        kind: 'account_link.created',
        accountId: account,
        details: { type: 'account_onboarding', expires_at: link.expires_at },
      });
      reply.header('cache-control', 'no-store');
      return link;
    },
  );

  // Back from Stripe's onboarding: the account as Stripe has it now ("return_url" does not mean done).
  app.get(
    '/accounts/:account/onboarding',
    {
      schema: {
        params: AccountParams,
        response: { 200: OnboardingStatusResponse, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody },
      },
    },
    async (request, reply) => {
      await accountInScope(app, request, request.params.account);
      reply.header('cache-control', 'no-store');
      return onboardingStatus(app, request.params.account);
    },
  );
};

export default accounts;
