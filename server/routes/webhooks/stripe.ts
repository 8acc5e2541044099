import type { FastifyPluginAsync } from 'fastify';
import Stripe from 'stripe';
import { processEvent } from '../../domain/webhooks.ts';
import { HttpError, badRequest } from '../../errors.ts';

/** Stripe's default tolerance: a signature older (or newer) than 5 minutes is refused (replays). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** Events are small, but a few (lists, large metadata) exceed the API's 64 KiB body limit. */
const WEBHOOK_BODY_LIMIT = 1024 * 1024;

/**
 * POST /webhooks/stripe. Mounted at /webhooks in its own encapsulated context, so the raw-body
 * parser below applies to this route only: the signature is computed over the exact bytes
 * Stripe sent, which JSON parsing would lose. The Origin check skips /webhooks/ (not a browser
 * request); the Stripe-Signature is the authentication.
 */
/**
 * The event, if the signature is the webhook endpoint's or, for `issuing_authorization.request`,
 * that of the real-time authorization endpoint of Stripe's Issuing settings (which Stripe
 * configures apart from webhook endpoints and may sign with a secret of its own).
 */
function verify(
  webhooks: Stripe['webhooks'],
  body: Buffer,
  signature: string,
  secret: string,
  authorizationSecret: string | undefined,
): Stripe.Event {
  try {
    return webhooks.constructEvent(body, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
  } catch (err) {
    if (
      !authorizationSecret ||
      authorizationSecret === secret ||
      !(err instanceof Stripe.errors.StripeSignatureVerificationError)
    )
      throw err;
    const event = webhooks.constructEvent(body, signature, authorizationSecret, WEBHOOK_TOLERANCE_SECONDS);
    if (event.type !== 'issuing_authorization.request') throw err;
    return event;
  }
}

const webhooks: FastifyPluginAsync = async (app) => {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: WEBHOOK_BODY_LIMIT }, (_request, body, done) =>
    done(null, body),
  );

  app.post('/stripe', { bodyLimit: WEBHOOK_BODY_LIMIT }, async (request, reply) => {
    const secret = app.config.stripe.webhookSecret;
    if (!secret) {
      throw new HttpError(
        503,
        'webhooks_not_configured',
        'STRIPE_WEBHOOK_SECRET is not set: webhook events cannot be verified.',
      );
    }
    const signature = request.headers['stripe-signature'];
    if (typeof signature !== 'string' || signature === '') {
      throw badRequest('The Stripe-Signature header is missing.', 'stripe-signature', 'signature_missing');
    }
    if (!Buffer.isBuffer(request.body) || request.body.length === 0) {
      throw badRequest('The event body is missing.', 'body');
    }

    let event: Stripe.Event;
    try {
      event = verify(
        app.stripe.webhooks,
        request.body,
        signature,
        secret,
        app.config.stripe.authorizationWebhookSecret,
      );
    } catch (err) {
      if (err instanceof Stripe.errors.StripeSignatureVerificationError) {
        request.log.warn({ reason: err.message }, 'webhook signature refused');
        throw badRequest(
          'The Stripe-Signature does not match this body, or its timestamp is outside the tolerance.',
          'stripe-signature',
          'signature_invalid',
        );
      }
      // A signed body that is not a JSON event.
      throw badRequest('The event body is not a Stripe event.', 'body');
    }
    if (typeof event?.id !== 'string' || typeof event.type !== 'string' || typeof event.created !== 'number') {
      throw badRequest('The event body is not a Stripe event.', 'body');
    }

    const outcome = await processEvent(app.db, event);
    request.log.info(
      { eventId: event.id, type: event.type, account: event.account, duplicate: !outcome.processed },
      'webhook event',
    );
    // Pages watching the card hear of it from processEvent's transaction, on every instance, once
    // it commits and only the first time (server/domain/activity-fanout.ts).
    if (outcome.approved !== undefined) {
      // Real-time authorization: the answer Stripe documents - status 200, `Stripe-Version`
      // (required), JSON, body `{approved, amount?, metadata?}` and nothing else
      // (https://docs.stripe.com/issuing/controls/real-time-authorizations#webhook-response).
      reply.header('stripe-version', app.config.stripe.apiVersion).type('application/json');
      return { approved: outcome.approved };
    }
    return { received: true };
  });
};

export default webhooks;
