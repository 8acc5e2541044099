import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync } from 'fastify';
import { AcceptInvitationBody, ErrorBody, LoginResponse } from '../../../shared/api.ts';
import { InvitationDetails, InvitationLookupBody } from '../../../shared/enrolment.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULE_TEXT } from '../../../shared/password-rule.ts';
import { POLICY, type Role } from '../../../shared/policy.ts';
import { acceptInvitation, findPendingInvitation, isPendingInvitation } from '../../db/invitations.ts';
import { mirroredAccountNames } from '../../db/mirror-reads.ts';
import { findUserById } from '../../db/users.ts';
import {
  invitationAccepted,
  recordInvitationFailure,
  takeInvitationAttempt,
} from '../../domain/invitation-throttle.ts';
import { hashPassword } from '../../domain/password.ts';
import { secondFactorRequired } from '../../domain/second-factor.ts';
import { badRequest } from '../../errors.ts';

/** One answer for every link that is not a pending invitation: unknown, used, expired or withdrawn alike. */
const invalid = () =>
  badRequest(
    'This invitation link is not valid any more (used, expired or withdrawn). Ask for a new one.',
    'token',
    'invitation_invalid',
  );

/**
 * POST /api/invitations/lookup: what the link is for, before the invited user types anything
 * (who invited them, the role, the accounts, when the link expires, the password rule: issue 20,
 * item 6). POST /api/invitations/accept: the invited user chooses a password with the one-time
 * link an administrator made (POST /api/users, users.ts; docs/decisions/101-user-administration.md)
 * and is signed in. Both public (shared/route-table.ts), so throttled per address alike
 * (invitation-throttle.ts): looking up is no way around the bound on guessing. The token travels
 * in the body (the page keeps it in the URL's fragment), so no access log holds it.
 */
const invitations: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.post(
    '/invitations/lookup',
    { schema: { body: InvitationLookupBody, response: { 200: InvitationDetails, 400: ErrorBody, 429: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      await takeInvitationAttempt(app.db, request.ip, reply);
      // Read only: the invitation stays unused, for the acceptance that follows.
      const found = await findPendingInvitation(app.db, request.body.token);
      if (!found) {
        await recordInvitationFailure(app.db);
        throw invalid();
      }
      await invitationAccepted(app.db, request.ip);
      const role = found.role as Role;
      const { accountScope } = POLICY[role];
      // Names from the app's copy of Stripe: a public page asks Stripe nothing (an id until mirrored).
      const names =
        found.accounts.length > 0 ? await mirroredAccountNames(app.db, found.accounts) : new Map<string, string>();
      return {
        email: found.email,
        invitedBy: found.invited_by,
        role,
        roleLabel: POLICY[role].label,
        accountScope,
        accounts:
          accountScope === 'memberships' ? found.accounts.map((id) => ({ id, name: names.get(id) ?? null })) : [],
        expiresAt: new Date(found.expires_at).toISOString(),
        passwordRule: { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, text: PASSWORD_RULE_TEXT },
      };
    },
  );

  app.post(
    '/invitations/accept',
    { schema: { body: AcceptInvitationBody, response: { 200: LoginResponse, 400: ErrorBody, 429: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { token, password } = request.body;
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
