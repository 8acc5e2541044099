import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { CardParams, ErrorBody } from '../../../../shared/api.ts';
import { AuthorizationRow, SimulatePurchaseBody } from '../../../../shared/authorizations-api.ts';
import { explainPage, spendSourceFor } from '../../../domain/authorization-views.ts';
import { mirrorObject } from '../../../domain/mirror/ingest.ts';
import { writeVersion } from '../../../domain/mirror/objects.ts';
import { stripeFailure } from '../../../domain/stripe-errors.ts';
import { HttpError, forbidden } from '../../../errors.ts';
import { cardInScope } from '../in-scope.ts';

/** The simulate form's fields by Stripe's parameter names (in stripe-errors.ts's dotted form). */
const SIMULATE_FIELDS: Record<string, string> = {
  amount: 'amount',
  'merchant_data.category': 'category',
  'merchant_data.country': 'country',
  'merchant_data.name': 'merchant_name',
};

/**
 * POST /api/cards/:id/simulate-purchase: "Simulate a purchase", Stripe's Issuing test helper
 * (an authorization on the card, on the card's account), answered as the card's authorization
 * list shows it (docs/decisions/080-decline-explanations.md).
 */
const simulatePurchase: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

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
          { stripeContext: account },
        );
      } catch (error) {
        // Stripe refused a parameter: the form's field, with Stripe's words (they describe the
        // purchase typed in). Any other Stripe error is the error handler's, as on every route.
        const failure = stripeFailure(error);
        if (failure?.kind === 'invalid_request') {
          const field = (failure.field && SIMULATE_FIELDS[failure.field]) ?? 'amount';
          throw new HttpError(
            400,
            'simulation_refused',
            `Stripe refused this purchase: ${failure.message.slice(0, 200)}`,
            field,
          );
        }
        throw error;
      }
      request.log.info(
        { card: card.id, account, authorization: auth.id, approved: auth.approved },
        'simulated purchase',
      );
      // The mirror learns the authorization from Stripe's answer at once (its events follow).
      await mirrorObject(app.db, account, auth, writeVersion()).catch((err: unknown) =>
        request.log.warn({ err }, 'could not mirror the authorization'),
      );
      const [row] = await explainPage(await spendSourceFor(app, account), [auth], account, () => card);
      return row!;
    },
  );
};

export default simulatePurchase;
