import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AcceptInvitationBody, ErrorBody, LoginResponse } from '../../../shared/api.ts';
import { acceptInvitation, isPendingInvitation } from '../../db/invitations.ts';
import { findUserById } from '../../db/users.ts';
import {
  invitationAccepted,
  recordInvitationFailure,
  takeInvitationAttempt,
} from '../../domain/invitation-throttle.ts';
import { hashPassword } from '../../domain/password.ts';
import { secondFactorRequired } from '../../domain/second-factor.ts';
import { badRequest } from '../../errors.ts';

/**
 * POST /api/invitations/accept: the invited user chooses a password with the one-time link an
 * administrator made (POST /api/users, users.ts; docs/decisions/101-user-administration.md) and
 * is signed in. Public (shared/route-table.ts), so throttled per address (invitation-throttle.ts).
 */
const invitations: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/invitations/accept',
    { schema: { body: AcceptInvitationBody, response: { 200: LoginResponse, 400: ErrorBody, 429: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { token, password } = request.body;
      const invalid = () =>
        badRequest(
          'This invitation link is not valid any more (used, expired or withdrawn). Ask for a new one.',
          'token',
          'invitation_invalid',
        );
      // Cheap checks first, scrypt last (issue 17, item 7): the address's recent failures, then
      // the token; only a valid invitation gets its password hashed. The attempt counts against the
      // address from the start (acceptances sent at once count each other), given back if valid.
      await takeInvitationAttempt(app.db, request.ip, reply);
      if (!(await isPendingInvitation(app.db, token))) {
        await recordInvitationFailure(app.db);
        throw invalid();
      }
      await invitationAccepted(app.db, request.ip);
      const passwordHash = await hashPassword(password);
      // Used once: claimed by the statement that checks it again, so of two acceptances of one
      // link at once only one sets a password.
      const user = await app.db.transaction(async (tx) => {
        const userId = await acceptInvitation(tx, token, passwordHash);
        return userId ? findUserById(tx, userId) : undefined;
      });
      if (!user) throw invalid();
      if (request.user) await app.sessions.end(request, reply);
      const mustEnrol = secondFactorRequired(app.config, user.role);
      await app.sessions.start(reply, user.id, {
        state: mustEnrol ? 'enrol' : 'complete',
        verifiedAt: null,
        method: null,
      });
      request.log.info({ userId: user.id }, 'invitation accepted');
      return {
        user: { id: user.id, email: user.email, role: user.role },
        ...(mustEnrol ? { secondFactorEnrollmentRequired: true as const } : {}),
      };
    },
  );
};

export default invitations;
