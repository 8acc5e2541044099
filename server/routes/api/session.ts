import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { ErrorBody, LoginBody, LoginResponse } from '../../../shared/api.ts';
import { findUserByEmail, normalizeEmail } from '../../db/users.ts';
import { auditAction } from '../../domain/audit.ts';
import { dummyPasswordHash, verifyPassword } from '../../domain/password.ts';
import { HttpError } from '../../errors.ts';

const session: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/session',
    {
      schema: { body: LoginBody, response: { 200: LoginResponse, 400: ErrorBody, 401: ErrorBody, 429: ErrorBody } },
      config: {
        // Per address and email: slows password guessing against one user without letting one
        // user lock others out. After parsing, so the email is known.
        rateLimit: {
          max: 10,
          timeWindow: '1 minute',
          hook: 'preHandler',
          keyGenerator: (request) => `${request.ip}|${normalizeEmail(String((request.body as { email?: unknown })?.email ?? ''))}`,
        },
      },
    },
    async (request, reply) => {
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
      await app.sessions.start(reply, user.id);
      // This browser is now a known device of the account: strangers' failures do not slow it.
      await app.loginThrottle.trustDevice(request, reply, email);
      request.log.info({ userId: user.id, role: user.role }, 'signed in');
      await auditAction(app.db, request, { kind: 'sign_in' }, user);
      return { user: { id: user.id, email: user.email, role: user.role } };
    },
  );

  app.delete('/session', async (request, reply) => {
    await auditAction(app.db, request, { kind: 'sign_out' });
    await app.sessions.end(request, reply);
    return reply.code(204).send();
  });
};

export default session;
