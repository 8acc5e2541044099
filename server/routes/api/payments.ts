import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody, PaymentBody, PaymentResponse } from '../../../shared/api.ts';
import { TEST_PURCHASE } from '../../../shared/policy.ts';
import { insertPayment } from '../../db/payments.ts';
import { canReachAccount, scopeFor } from '../../domain/access.ts';
import { formatMoney } from '../../../shared/spending-windows.ts';
import { makeTestPurchase } from '../../domain/test-purchases.ts';
import { badRequest, forbidden } from '../../errors.ts';

/**
 * POST /api/payments: a test purchase on one of the user's connected accounts (the card's own:
 * Stripe's issued test cards work only within their account), finalized on the server. The
 * server decides what it charges: the amount and currency must lie within the policy's bounds,
 * whatever the page sent.
 */
const payments: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/payments',
    {
      schema: {
        body: PaymentBody,
        response: {
          200: PaymentResponse,
          400: ErrorBody,
          403: ErrorBody,
          404: ErrorBody,
          409: ErrorBody,
          502: ErrorBody,
        },
      },
    },
    async (request, reply) => {
      const user = request.user!;
      const { account, confirmation_token: confirmationToken, amount, currency } = request.body;
      if (/^(sk|rk)_live_/.test(app.config.stripe.secretKey)) {
        throw forbidden('Test purchases are only possible with test-mode keys.', 'live_mode');
      }
      if (!(TEST_PURCHASE.currencies as readonly string[]).includes(currency)) {
        throw badRequest(`Currency must be one of ${TEST_PURCHASE.currencies.join(', ')}.`, 'currency');
      }
      if (amount < TEST_PURCHASE.minAmount || amount > TEST_PURCHASE.maxAmount) {
        throw badRequest(
          `The amount must be between ${formatMoney(TEST_PURCHASE.minAmount, currency)} and ${formatMoney(TEST_PURCHASE.maxAmount, currency)}.`,
          'amount',
        );
      }

      const scope = await scopeFor(app.db, user);
      // Only an account the user reaches takes the payment, so only its cards are ever named in a decline.
      if (!canReachAccount(scope, account))
        throw forbidden('You may not make purchases on this account.', 'account_out_of_scope');
      const outcome = await makeTestPurchase(app.stripe, { account, confirmationToken, amount, currency });
      const { response } = outcome;
      await insertPayment(app.db, {
        userId: user.id,
        paymentIntentId: response.payment_intent,
        accountId: account,
        cardId: outcome.card?.id ?? null,
        amount,
        currency,
        status: response.decline ? `declined:${response.decline.reason ?? response.decline.code}` : response.status,
      }).catch((err: unknown) => request.log.error({ err }, 'could not record the test purchase'));
      request.log.info(
        { paymentIntent: response.payment_intent, status: response.status, declined: Boolean(response.decline) },
        'test purchase',
      );
      // The client secret lets the browser finish 3-D Secure; it is never cached.
      reply.header('cache-control', 'no-store');
      return response;
    },
  );
};

export default payments;
