import { createHash, randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  AcceptInvitationBody,
  ErrorBody,
  InviteBody,
  InviteResponse,
  LoginResponse,
  UpdateUserBody,
  UserParams,
  UsersResponse,
  AdminUser,
} from '../../../shared/api.ts';
import { ROLE_RANK, USER_ADMIN, type Role } from '../../../shared/policy.ts';
import { appendAudit } from '../../db/audit-trail.ts';
import type { Queryable } from '../../db/database.ts';
import { accountNamesFor } from '../../domain/account-names.ts';
import { actorOf } from '../../domain/audit.ts';
import { applyAccessChange, revokeUserSessions } from '../../domain/user-access.ts';
import { isNotOnAccount } from '../../domain/stripe-errors.ts';
import { createUser, findUserByEmail, normalizeEmail } from '../../db/users.ts';
import { hashPassword } from '../../domain/password.ts';
import { invitationAccepted, recordInvitationFailure, takeInvitationAttempt } from '../../domain/invitation-throttle.ts';
import { enrolledMethods, requireStepUp, secondFactorRequired } from '../../domain/second-factor.ts';
import { HttpError, badRequest, forbidden, notFound } from '../../errors.ts';

/** An invited user has no password until the invitation is accepted; no password verifies against this. */
const NO_PASSWORD = '!invited';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

interface UserRecord {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
  password_hash: string;
  created_at: Date | string;
}

async function adminView(db: Queryable, u: UserRecord): Promise<AdminUser> {
  const accounts = await db.query<{ account_id: string }>('SELECT account_id FROM memberships WHERE user_id = $1 ORDER BY account_id', [u.id]);
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    disabled: u.disabled,
    accounts: accounts.map((a) => a.account_id),
    secondFactor: await enrolledMethods(db, u.id),
    invited: u.password_hash === NO_PASSWORD,
    created_at: new Date(u.created_at).toISOString(),
  };
}

async function findUserById(db: Queryable, id: string): Promise<UserRecord | undefined> {
  return (await db.query<UserRecord>('SELECT id, email, role, disabled, password_hash, created_at FROM users WHERE id = $1', [id]))[0];
}

/**
 * User administration for platform admins (docs/decisions/101-user-administration.md): invite
 * with a one-time expiring link, change role and memberships, disable (the user's sessions end at
 * once), reset a second factor. Every change needs a fresh second-factor check, grants no role
 * above the administrator's own, never leaves the platform without an enabled admin, and is
 * written to the audit trail. POST /api/invitations/accept: the invited user chooses a password.
 */
const users: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Every change is a row of the hash-chained audit trail (decision 090): subject = the user's
  // email, with the second-factor check that stood behind it.
  const audit = async (request: FastifyRequest, kind: string, target: { id: string; email: string }, details: object, method: string | null) => {
    await appendAudit(app.db, { kind, actor: actorOf(request), subject: target.email, details: { user_id: target.id, ...details, second_factor_method: method } });
    request.log.info({ kind, targetId: target.id }, 'user administration');
  };

  // A membership names a connected account of this platform, not whatever was typed: an unknown id
  // would give the user an empty, broken account page.
  const assertConnectedAccounts = async (accounts: readonly string[]) => {
    if (accounts.length === 0) return;
    const names = await accountNamesFor(app, accounts, app.log);
    for (const account of accounts) {
      if (names.has(account)) continue;
      try {
        await app.stripe.accounts.retrieve(account);
      } catch (error) {
        if (isNotOnAccount(error)) throw badRequest(`${account} is not a connected account of this platform.`, 'accounts', 'unknown_account');
        throw error;
      }
    }
  };

  const assertMayGrant = (request: FastifyRequest, role: Role) => {
    if (ROLE_RANK[role] > ROLE_RANK[request.user!.role]) throw forbidden('You cannot grant a role above your own.', 'role_above_own');
  };

  app.get('/users', { schema: { response: { 200: UsersResponse } } }, async () => {
    const rows = await app.db.query<UserRecord>('SELECT id, email, role, disabled, password_hash, created_at FROM users ORDER BY email');
    return { data: await Promise.all(rows.map((u) => adminView(app.db, u))) };
  });

  app.post(
    '/users',
    { schema: { body: InviteBody, response: { 200: InviteResponse, 400: ErrorBody, 403: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const method = requireStepUp(app, request, 'administerUsers');
      const { role } = request.body;
      const email = normalizeEmail(request.body.email);
      const accounts = [...new Set(request.body.accounts ?? [])];
      assertMayGrant(request, role);
      if (accounts.length > 0 && role !== 'account_user') throw badRequest('Only account users are members of connected accounts.', 'accounts');
      if (await findUserByEmail(app.db, email)) throw new HttpError(409, 'user_exists', 'A user with this email exists already.', 'email');
      await assertConnectedAccounts(accounts);

      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + USER_ADMIN.invitationTtlHours * 3600_000);
      const user = await app.db.transaction(async (tx) => {
        const created = await createUser(tx, { email, passwordHash: NO_PASSWORD, role });
        for (const account of accounts) await tx.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [created.id, account]);
        await tx.query('INSERT INTO invitations (token_hash, user_id, created_by, expires_at) VALUES ($1, $2, $3, $4)', [hashToken(token), created.id, request.user!.id, expiresAt]);
        return created;
      });
      await audit(request, 'user.invited', user, { role, accounts }, method);
      const view = await adminView(app.db, { ...user, created_at: new Date() });
      // In the fragment: not sent to the server with the page request, nor in a Referer.
      return { user: view, inviteUrl: `${app.config.publicUrl}/invite#${token}`, expiresAt: expiresAt.toISOString() };
    },
  );

  app.post(
    '/users/:id',
    { schema: { params: UserParams, body: UpdateUserBody, response: { 200: AdminUser, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const method = requireStepUp(app, request, 'administerUsers');
      const target = await findUserById(app.db, request.params.id);
      if (!target) throw notFound('No such user.', 'user_not_found');
      const { role, accounts, disabled } = request.body;
      if (ROLE_RANK[target.role] > ROLE_RANK[request.user!.role]) throw forbidden('You cannot change a user whose role is above your own.', 'role_above_own');
      if (role) assertMayGrant(request, role);
      const newRole = role ?? target.role;
      if (accounts && accounts.length > 0 && newRole !== 'account_user') throw badRequest('Only account users are members of connected accounts.', 'accounts');
      await assertConnectedAccounts(accounts ?? []);

      const updated = await app.db.transaction(async (tx) => {
        // The Users page's rules (last enabled admin kept, sessions revoked), shared with single sign-on.
        await applyAccessChange(tx, target, { role: newRole, accounts, disabled });
        return (await findUserById(tx, target.id))!;
      });
      await audit(request, disabled === true && !role && !accounts ? 'user.disabled' : 'user.updated', target, { ...(role ? { role: { from: target.role, to: newRole } } : {}), ...(accounts ? { accounts } : {}), ...(disabled !== undefined ? { disabled } : {}) }, method);
      return adminView(app.db, updated);
    },
  );

  app.post(
    '/users/:id/reset-second-factor',
    { schema: { params: UserParams, response: { 200: AdminUser, 403: ErrorBody, 404: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const method = requireStepUp(app, request, 'administerUsers');
      const target = await findUserById(app.db, request.params.id);
      if (!target) throw notFound('No such user.', 'user_not_found');
      if (ROLE_RANK[target.role] > ROLE_RANK[request.user!.role]) throw forbidden('You cannot change a user whose role is above your own.', 'role_above_own');
      await app.db.transaction(async (tx) => {
        await tx.query('DELETE FROM second_factors WHERE user_id = $1', [target.id]);
        await tx.query('DELETE FROM recovery_codes WHERE user_id = $1', [target.id]);
        await revokeUserSessions(tx, target.id);
      });
      await audit(request, 'user.second_factor_reset', target, {}, method);
      return adminView(app.db, target);
    },
  );

  app.post(
    '/invitations/accept',
    { schema: { body: AcceptInvitationBody, response: { 200: LoginResponse, 400: ErrorBody, 429: ErrorBody } } },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const { token, password } = request.body;
      const invalid = () => badRequest('This invitation link is not valid any more (used, expired or withdrawn). Ask for a new one.', 'token', 'invitation_invalid');
      // Cheap checks first, scrypt last (issue 17, item 7): the address's recent failures, then
      // the token; only a valid invitation gets its password hashed. The attempt counts against the
      // address from the start (acceptances sent at once count each other), given back if valid.
      await takeInvitationAttempt(app.db, request.ip, reply);
      const tokenHash = hashToken(token);
      const pending = await app.db.query<{ user_id: string }>(
        `SELECT i.user_id FROM invitations i JOIN users u ON u.id = i.user_id
         WHERE i.token_hash = $1 AND i.used_at IS NULL AND i.expires_at > now() AND NOT u.disabled AND u.password_hash = $2`,
        [tokenHash, NO_PASSWORD],
      );
      if (pending.length === 0) {
        await recordInvitationFailure(app.db);
        throw invalid();
      }
      await invitationAccepted(app.db, request.ip);
      const passwordHash = await hashPassword(password);
      // Used once: claimed by the statement that checks it again, so of two acceptances of one
      // link at once only one sets a password.
      const user = await app.db.transaction(async (tx) => {
        const claimed = await tx.query<{ user_id: string }>(
          `UPDATE invitations SET used_at = now() WHERE token_hash = $1 AND used_at IS NULL AND expires_at > now() RETURNING user_id`,
          [tokenHash],
        );
        const userId = claimed[0]?.user_id;
        if (!userId) return undefined;
        const updated = await tx.query<{ id: string }>(
          'UPDATE users SET password_hash = $2 WHERE id = $1 AND password_hash = $3 AND NOT disabled RETURNING id',
          [userId, passwordHash, NO_PASSWORD],
        );
        return updated[0] ? findUserById(tx, userId) : undefined;
      });
      if (!user) throw invalid();
      if (request.user) await app.sessions.end(request, reply);
      const mustEnrol = secondFactorRequired(app.config, user.role);
      await app.sessions.start(reply, user.id, { state: mustEnrol ? 'enrol' : 'complete', verifiedAt: null, method: null });
      request.log.info({ userId: user.id }, 'invitation accepted');
      return { user: { id: user.id, email: user.email, role: user.role }, ...(mustEnrol ? { secondFactorEnrollmentRequired: true as const } : {}) };
    },
  );
};

export default users;
