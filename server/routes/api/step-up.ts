import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody, PasskeyOptionsResponse, StepUpBody, StepUpResponse } from '../../../shared/api.ts';
import { auditAction } from '../../domain/audit.ts';
import { authenticationOptions } from '../../domain/passkeys.ts';
import { freshUntilMs, verifySecondFactor, type CheckInput } from '../../domain/second-factor.ts';
import { badRequest } from '../../errors.ts';

/**
 * POST /api/step-up: a second-factor check. It completes a sign-in whose password was right
 * (the `pending` session becomes a signed-in one, with a new id) or refreshes the step-up of a
 * signed-in session; either way the session records when and how the user was checked.
 * POST /api/step-up/options: the WebAuthn challenge for checking with a passkey.
 */
const stepUp: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/step-up',
    { schema: { body: StepUpBody, response: { 200: StepUpResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const body = request.body;
      const input: CheckInput =
        body.method === 'webauthn'
          ? { method: 'webauthn', response: body.response }
          : { method: body.method, code: body.code };
      const method = await verifySecondFactor(app, request, reply, input);
      const verifiedAt = Math.floor(app.now() / 1000);
      const wasPending = request.secondFactor.state === 'pending';
      await app.sessions.replace(request, reply, { state: 'complete', verifiedAt, method });
      const user = request.user!;
      request.log.info({ userId: user.id, method }, wasPending ? 'signed in with a second factor' : 'stepped up');
      // The trail names the method: a completed sign-in, or a step-up before card secrets or admin.
      await auditAction(
        app.db,
        request,
        wasPending
          ? { kind: 'sign_in', details: { second_factor_method: method } }
          : { kind: 'second_factor.verified', details: { method } },
      );
      return {
        user: { id: user.id, email: user.email, role: user.role },
        method,
        freshUntil: new Date(freshUntilMs(app.config, verifiedAt)!).toISOString(),
      };
    },
  );

  app.post(
    '/step-up/options',
    { schema: { response: { 200: PasskeyOptionsResponse, 400: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const user = request.user!;
      const options = await authenticationOptions(app.db, app.config, { id: user.id, sessionId: user.sessionId });
      if (!options)
        throw badRequest(
          'You have no passkey. Use a code from your authenticator app or a recovery code.',
          'method',
          'method_not_enrolled',
        );
      return { options: options as unknown as Record<string, unknown> };
    },
  );
};

export default stepUp;
