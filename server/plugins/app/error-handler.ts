import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import Stripe from 'stripe';
import { isStripeUnreachable, stripeFailure, stripeFailureResponse } from '../../domain/stripe-errors.ts';
import type { ErrorBody } from '../../../shared/api.ts';
import { HttpError } from '../../errors.ts';
import { describeValidation } from './validation-messages.ts';

const CODES: Record<number, string> = {
  400: 'invalid_request',
  401: 'unauthenticated',
  403: 'forbidden',
  404: 'not_found',
  405: 'method_not_allowed',
  409: 'conflict',
  413: 'payload_too_large',
  414: 'uri_too_long',
  415: 'unsupported_media_type',
  429: 'rate_limited',
};

/**
 * Errors Fastify's router raises before any route (and so before the error handler): a URL that
 * cannot be decoded, a path parameter longer than the router accepts. Passed to Fastify as
 * `frameworkErrors` (server/app.ts) so that they too get our error shape.
 */
export function frameworkErrors(error: FastifyError, request: FastifyRequest, reply: FastifyReply): void {
  const tooLong = error.code === 'FST_ERR_MAX_PARAM_LENGTH';
  const status = tooLong ? 414 : 400;
  const message = tooLong ? 'A part of this URL is longer than any valid value.' : 'This URL is malformed.';
  request.log.info({ status, code: error.code }, 'request refused');
  void reply
    .code(status)
    .header('cache-control', 'no-store')
    .send({ error: { code: tooLong ? 'uri_too_long' : 'invalid_request', message } });
}

/**
 * One error handler for the whole app: every failure becomes `{ error: { code, message, field? } }`.
 * Client mistakes get a 4xx naming the field; anything else is logged with the request and
 * answered with a generic 5xx, never its text.
 */
export default fp(
  async (app) => {
    app.setErrorHandler(async (err: FastifyError | HttpError | Error, request, reply) => {
      let status: number;
      let body: ErrorBody;

      if (err instanceof HttpError) {
        status = err.statusCode;
        body = { error: { code: err.code, message: err.message, ...(err.field ? { field: err.field } : {}) } };
      } else if ('validation' in err && Array.isArray(err.validation)) {
        // In words a person could have written, naming the field (validation-messages.ts).
        const context = err.validationContext;
        const data = { body: request.body, querystring: request.query, params: request.params, headers: undefined };
        const schema = context
          ? (request.routeOptions.schema as Record<string, unknown> | undefined)?.[context]
          : undefined;
        const { field, message } = describeValidation(
          err.validation,
          context,
          schema,
          context ? data[context] : undefined,
        );
        status = 400;
        body = { error: { code: 'invalid_request', message, ...(field ? { field } : {}) } };
      } else if (err instanceof Stripe.errors.StripeError) {
        // A Stripe failure nobody handled (the SDK has already retried what may be retried): what
        // it means is decided in one place (domain/stripe-errors.ts); Stripe's text stays here.
        // A request that asked to change something (or for a key) is refused as "Stripe cannot be
        // reached" when it cannot (decision 152); reads keep their 502/504.
        const failure = stripeFailure(err)!;
        const answer = stripeFailureResponse(failure, {
          changes: request.method !== 'GET' && request.method !== 'HEAD',
        });
        ({ status, body } = answer);
        if (answer.retryAfter !== undefined) reply.header('retry-after', String(answer.retryAfter));
        // The page asks for the status right after this answer: the mark is written first.
        if (isStripeUnreachable(failure)) await app.stripeContact?.flush().catch(() => {});
      } else {
        const code = (err as FastifyError).statusCode;
        status = typeof code === 'number' && code >= 400 && code < 600 ? code : 500;
        body =
          status < 500
            ? { error: { code: CODES[status] ?? 'invalid_request', message: err.message } }
            : { error: { code: 'internal_error', message: 'Something went wrong on our side.' } };
      }

      if (status >= 500) {
        request.log.error({ err, method: request.method, url: request.url, reqId: request.id }, 'request failed');
      } else {
        request.log.info({ status, code: body.error.code, field: body.error.field }, 'request refused');
      }
      return reply.code(status).header('cache-control', 'no-store').send(body);
    });

    app.setNotFoundHandler((request, reply) => {
      reply.code(404).send({
        error: { code: 'not_found', message: `No route for ${request.method} ${request.url.split('?')[0]}.` },
      });
    });
  },
  { name: 'error-handler' },
);
