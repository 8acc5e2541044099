import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import {
  ErrorBody,
  InviteBody,
  InviteResponse,
  UpdateUserBody,
  UserParams,
  UsersResponse,
  AdminUser,
} from '../../../shared/api.ts';
import { ROLE_RANK, USER_ADMIN, type Role } from '../../../shared/policy.ts';
import type { Queryable } from '../../db/database.ts';
import { createInvitation } from '../../db/invitations.ts';
import {
  NO_PASSWORD,
  findUserByEmail,
  findUserById,
  listMemberships,
  listUsers,
  normalizeEmail,
  type UserRecord,
} from '../../db/users.ts';
import { accountNamesFor } from '../../domain/account-names.ts';
import { actorOf } from '../../domain/audit.ts';
import { addUser, changeUserAccess, resetSecondFactor } from '../../domain/user-access.ts';
import { isNotOnAccount } from '../../domain/stripe-errors.ts';
import { enrolledMethods, requireStepUp } from '../../domain/second-factor.ts';
import { HttpError, badRequest, forbidden, notFound } from '../../errors.ts';

async function adminView(db: Queryable, u: UserRecord): Promise<AdminUser> {
  return {
    id: u.id,
    email: u.email,
    role: u.role,
    disabled: u.disabled,
    accounts: await listMemberships(db, u.id, 'account'),
    secondFactor: await enrolledMethods(db, u.id),
    invited: u.password_hash === NO_PASSWORD,
    created_at: new Date(u.created_at).toISOString(),
  };
}

/**
 * User administration for platform admins (docs/decisions/101-user-administration.md): invite
 * with a one-time expiring link, change role and memberships, disable (the user's sessions end at
 * once), reset a second factor. Every change needs a fresh second-factor check, grants no role
 * above the administrator's own, never leaves the platform without an enabled admin, and is
 * written to the audit trail (server/domain/user-access.ts, shared with `npm run users`). The
 * invited user accepts at POST /api/invitations/accept (invitations.ts).
 */
const users: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  // Every change is a row of the hash-chained audit trail (decision 090), written with it by
  // server/domain/user-access.ts: subject = the user's email, with the second-factor check that
  // stood behind it.
  const by = (request: FastifyRequest, method: string | null) => ({
    actor: actorOf(request),
    details: { second_factor_method: method },
  });
  const logged = (request: FastifyRequest, kind: string, target: { id: string }) =>
    request.log.info({ kind, targetId: target.id }, 'user administration');

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
        if (isNotOnAccount(error))
          throw badRequest(`${account} is not a connected account of this platform.`, 'accounts', 'unknown_account');
        throw error;
      }
    }
  };

  const assertMayGrant = (request: FastifyRequest, role: Role) => {
    if (ROLE_RANK[role] > ROLE_RANK[request.user!.role])
      throw forbidden('You cannot grant a role above your own.', 'role_above_own');
  };

  app.get('/users', { schema: { response: { 200: UsersResponse } } }, async () => {
    const rows = await listUsers(app.db);
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
      if (accounts.length > 0 && role !== 'account_user')
        throw badRequest('Only account users are members of connected accounts.', 'accounts');
      if (await findUserByEmail(app.db, email))
        throw new HttpError(409, 'user_exists', 'A user with this email exists already.', 'email');
      await assertConnectedAccounts(accounts);

      const token = randomBytes(32).toString('base64url');
      const expiresAt = new Date(Date.now() + USER_ADMIN.invitationTtlHours * 3600_000);
      const { user, kind } = await app.db.transaction(async (tx) => {
        const added = await addUser(tx, { email, role, accounts, passwordHash: null }, by(request, method));
        await createInvitation(tx, { token, userId: added.user.id, createdBy: request.user!.id, expiresAt });
        return added;
      });
      logged(request, kind, user);
      const view = await adminView(app.db, { ...user, created_at: new Date() });
      // In the fragment: not sent to the server with the page request, nor in a Referer.
      return { user: view, inviteUrl: `${app.config.publicUrl}/invite#${token}`, expiresAt: expiresAt.toISOString() };
    },
  );

  app.post(
    '/users/:id',
    {
      schema: {
        params: UserParams,
        body: UpdateUserBody,
        response: { 200: AdminUser, 400: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const method = requireStepUp(app, request, 'administerUsers');
      const target = await findUserById(app.db, request.params.id);
      if (!target) throw notFound('No such user.', 'user_not_found');
      const { role, accounts, disabled } = request.body;
      if (ROLE_RANK[target.role] > ROLE_RANK[request.user!.role])
        throw forbidden('You cannot change a user whose role is above your own.', 'role_above_own');
      if (role) assertMayGrant(request, role);
      const newRole = role ?? target.role;
      if (accounts && accounts.length > 0 && newRole !== 'account_user')
        throw badRequest('Only account users are members of connected accounts.', 'accounts');
      await assertConnectedAccounts(accounts ?? []);

      const { updated, kind } = await app.db.transaction(async (tx) => {
        // The Users page's rules (last enabled admin kept, sessions revoked), shared with single
        // sign-on and the console.
        const changed = await changeUserAccess(tx, target, { role, accounts, disabled }, by(request, method));
        return { updated: (await findUserById(tx, target.id))!, kind: changed.kind };
      });
      logged(request, kind, target);
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
      if (ROLE_RANK[target.role] > ROLE_RANK[request.user!.role])
        throw forbidden('You cannot change a user whose role is above your own.', 'role_above_own');
      await app.db.transaction((tx) => resetSecondFactor(tx, target, by(request, method)));
      logged(request, 'user.second_factor_reset', target);
      return adminView(app.db, target);
    },
  );
};

export default users;
