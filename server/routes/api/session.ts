import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody, LoginBody, LoginResponse, SessionStatus } from '../../../shared/api.ts';
import { findUserByEmail, normalizeEmail } from '../../db/users.ts';
import { auditAction } from '../../domain/audit.ts';
import { dummyPasswordHash, verifyPassword } from '../../domain/password.ts';
import { enrolledMethods, secondFactorRequired } from '../../domain/second-factor.ts';
import { HttpError } from '../../errors.ts';

const session: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Public: a signed-out visitor gets 200 `{ signedIn: false }`, not a 401 (which browsers log as
  // an error on the sign-in page). Nothing about the user: who it is comes from /api/me.
  app.get('/session', { schema: { response: { 200: SessionStatus } } }, async (request, reply) => {
    reply.header('cache-control', 'no-store');
    if (!request.user) return { signedIn: false as const };
    return { signedIn: true as const, secondFactorRequired: request.secondFactor.state === 'pending' };
  });

  app.post(
    '/session',
    {
      schema: {
        body: LoginBody,
        response: { 200: LoginResponse, 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
      config: {
        // Per address and email: slows password guessing against one user without letting one
        // user lock others out. After parsing, so the email is known.
        rateLimit: {
          max: 10,
          timeWindow: '1 minute',
          hook: 'preHandler',
          // After validation (preHandler): the email is a string or absent.
          keyGenerator: (request) =>
            `${request.ip}|${normalizeEmail((request.body as { email?: string } | undefined)?.email ?? '')}`,
        },
      },
    },
    async (request, reply) => {
      if (app.config.passwordSignIn === false) {
        throw new HttpError(403, 'password_sign_in_disabled', "Sign in with your organisation's single sign-on.");
      }
      const { email, password } = request.body;
      const user = await findUserByEmail(app.db, email);
      // The same work and the same answer for an unknown email, a wrong password and a disabled
      // user, so the response does not tell which emails exist.
      const ok = await verifyPassword(password, user?.password_hash ?? (await dummyPasswordHash()));
      if (!user || !ok || user.disabled) {
        throw new HttpError(401, 'invalid_credentials', 'Email or password is incorrect.');
      }
      // A fresh session id at every login (no fixation); the previous one, if any, ends.
      if (request.user) await app.sessions.end(request, reply);
      // A user with a second factor gets a session that can only complete the check
      // (POST /api/step-up); one whose role requires a factor and has none, one that can only
      // enrol it (docs/decisions/100-second-factor-and-step-up.md).
      // This browser is now a known device of the account (the password was right): strangers'
      // failures do not slow it.
      await app.loginThrottle.trustDevice(request, reply, email);
      const methods = await enrolledMethods(app.db, user.id);
      if (methods.length > 0) {
        await app.sessions.start(reply, user.id, { state: 'pending', verifiedAt: null, method: null });
        request.log.info({ userId: user.id }, 'password accepted; second factor due');
        return { secondFactorRequired: true as const, methods };
      }
      const mustEnrol = secondFactorRequired(app.config, user.role);
      await app.sessions.start(reply, user.id, {
        state: mustEnrol ? 'enrol' : 'complete',
        verifiedAt: null,
        method: null,
      });
      request.log.info(
        { userId: user.id, role: user.role },
        mustEnrol ? 'signed in; second factor to enrol' : 'signed in',
      );
      await auditAction(
        app.db,
        request,
        { kind: 'sign_in', details: { second_factor: mustEnrol ? 'to_enrol' : 'none' } },
        user,
      );
      return {
        user: { id: user.id, email: user.email, role: user.role },
        ...(mustEnrol ? { secondFactorEnrollmentRequired: true as const } : {}),
      };
    },
  );

  app.delete('/session', async (request, reply) => {
    await auditAction(app.db, request, { kind: 'sign_out' });
    await app.sessions.end(request, reply);
    return reply.code(204).send();
  });
};

export default session;
