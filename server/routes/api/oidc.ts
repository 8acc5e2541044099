import { randomBytes } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { Type } from 'typebox';
import { ErrorBody, SsoLinkResponse, SsoPendingLinkParams, SsoPendingLinkResponse } from '../../../shared/api.ts';
import { type Role } from '../../../shared/policy.ts';
import type { Config } from '../../config.ts';
import { appendAudit } from '../../db/audit-trail.ts';
import type { Queryable } from '../../db/database.ts';
import {
  createSsoUser,
  deletePendingLink,
  findPendingLink,
  lockUserByOidcSubject,
  oidcSubjectHolder,
  saveOidcLogin,
  savePendingLink,
  takeOidcLogin,
  takePendingLink,
  type SsoUser,
} from '../../db/oidc-identities.ts';
import { isLiveSessionOf } from '../../db/sessions.ts';
import { addMembership, findUserByEmail, listMemberships, normalizeEmail } from '../../db/users.ts';
import { actorOf } from '../../domain/audit.ts';
import { requireOwnerCheck } from '../../domain/reauthentication.ts';
import { enrolledMethods, secondFactorRequired } from '../../domain/second-factor.ts';
import { applyAccessChange, linkSsoIdentity } from '../../domain/user-access.ts';
import { HttpError, notFound } from '../../errors.ts';

const STATE_COOKIE = 'cid_oidc';
const LOGIN_TTL_SECONDS = 10 * 60;
/** How long a provider's answer to a link waits for the user's confirmation on the Security page. */
const PENDING_LINK_TTL_SECONDS = 5 * 60;

type OidcConfig = NonNullable<Config['oidc']>;

/**
 * The role and memberships the identity provider's claims give, or null (refused): staff roles
 * from group membership, account users from a claim listing `acct_…` ids. Applied at every
 * sign-in, so a change at the provider takes effect at the next one.
 */
export function mapClaims(
  oidc: OidcConfig,
  claims: Record<string, unknown>,
): { role: Role; accounts: string[] } | null {
  const asList = (value: unknown) =>
    (Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : []).filter(
      (v): v is string => typeof v === 'string',
    );
  const groups = asList(claims[oidc.groupsClaim]);
  if (groups.some((g) => oidc.adminGroups.includes(g))) return { role: 'platform_admin', accounts: [] };
  if (groups.some((g) => oidc.supportGroups.includes(g))) return { role: 'support_agent', accounts: [] };
  const accounts = [...new Set(asList(claims[oidc.accountsClaim]).filter((a) => /^acct_[A-Za-z0-9_]{1,200}$/.test(a)))];
  return accounts.length > 0 ? { role: 'account_user', accounts } : null;
}

/** Why a sign-in or a link went back without doing it (the page says it in words). */
type Refusal = 'account_not_linked' | 'disabled' | 'last_admin' | 'sign_in_failed' | 'identity_in_use' | 'link_expired';

/**
 * Single sign-on with the platform's identity provider (docs/decisions/102-oidc-sign-in.md,
 * 103-sso-identity-linking.md): authorization code flow with PKCE, state and nonce
 * (openid-client). GET /api/oidc/login sends the browser to the provider; POST /api/oidc/link
 * starts the same for a signed-in user who links this account to a provider identity; GET
 * /api/oidc/callback checks the answer, then keeps a link for the user's confirmation (POST
 * /api/oidc/link/:id/confirm), or signs in the user the identity (issuer, subject) is linked to —
 * never a user found by email — or creates one from the claims. Refusals land on the sign-in
 * page (the Security page for a link) with a reason it names.
 */
const oidc: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const settings = app.config.oidc;
  let discovered: Promise<client.Configuration> | undefined;
  // Discovered at first use, so that the app starts while the provider is down. The client
  // authenticates with HTTP Basic (client_secret_basic, the OIDC default, as decision 102 says).
  const configuration = () => {
    discovered ??= client
      .discovery(
        new URL(settings!.issuer),
        settings!.clientId,
        undefined,
        client.ClientSecretBasic(settings!.clientSecret),
        {
          ...(new URL(settings!.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
        },
      )
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };
  const redirectUri = `${app.config.publicUrl}/api/oidc/callback`;
  const cookieOptions = {
    path: '/api/oidc',
    httpOnly: true,
    sameSite: 'lax' as const,
    secure: app.config.secureCookies,
  };
  const refuse = (reply: FastifyReply, code: string, page: '/login' | '/security' = '/login') =>
    reply.redirect(`${page}?sso_error=${code}`, 303);

  /**
   * A sign-in in flight: its row (state, PKCE verifier, nonce, and for a link the user and
   * session that asked), the state cookie of this browser, and the provider URL to go to.
   */
  const begin = async (
    config: client.Configuration,
    reply: FastifyReply,
    link: { userId: string; sessionId: string } | null,
  ): Promise<URL> => {
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await saveOidcLogin(app.db, {
      state,
      codeVerifier,
      nonce,
      linkUserId: link?.userId ?? null,
      linkSessionId: link?.sessionId ?? null,
      ttlSeconds: LOGIN_TTL_SECONDS,
    });
    // The state also goes in a cookie of this browser, so a callback started elsewhere is refused.
    reply.setCookie(STATE_COOKIE, state, { ...cookieOptions, maxAge: LOGIN_TTL_SECONDS });
    return client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: settings!.scopes,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
  };

  app.get(
    '/oidc/login',
    { schema: { querystring: Type.Object({}, { additionalProperties: false }) } },
    async (request, reply) => {
      if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
      let config;
      try {
        config = await configuration();
      } catch (err) {
        request.log.error({ err }, 'identity provider discovery failed');
        return refuse(reply, 'provider_unavailable');
      }
      return reply.redirect((await begin(config, reply, null)).href, 303);
    },
  );

  app.post(
    '/oidc/link',
    { schema: { response: { 200: SsoLinkResponse, 403: ErrorBody, 404: ErrorBody, 503: ErrorBody } } },
    async (request, reply) => {
      if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
      reply.header('cache-control', 'no-store');
      const user = request.user!;
      // Whoever links an identity signs in as this user from then on, so a borrowed session must
      // not be enough: a fresh second-factor check (403 step_up_required), or without a factor
      // the password typed within the step-up age (403 reauthentication_required), as before a
      // change of second factor (server/domain/reauthentication.ts).
      await requireOwnerCheck(app, request);
      let config;
      try {
        config = await configuration();
      } catch (err) {
        request.log.error({ err }, 'identity provider discovery failed');
        throw new HttpError(
          503,
          'provider_unavailable',
          'The identity provider cannot be reached right now. Try again in a moment.',
        );
      }
      const url = await begin(config, reply, { userId: user.id, sessionId: user.sessionId });
      request.log.info({ userId: user.id }, 'single sign-on link started');
      return { url: url.href };
    },
  );

  app.get(
    '/oidc/callback',
    { schema: { querystring: Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 4096 })) } },
    async (request, reply) => {
      if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
      const query = request.query;
      const state = request.cookies[STATE_COOKIE];
      reply.clearCookie(STATE_COOKIE, cookieOptions);
      if (!state || query.state !== state) return refuse(reply, 'state_mismatch');
      const login = await takeOidcLogin(app.db, state);
      if (!login) return refuse(reply, 'expired');
      const page = login.link_user_id ? '/security' : '/login';
      if (query.error) return refuse(reply, 'provider_refused', page);

      let claims: Record<string, unknown>;
      try {
        const config = await configuration();
        const callbackUrl = new URL(`${redirectUri}?${new URLSearchParams(query).toString()}`);
        const tokens = await client.authorizationCodeGrant(config, callbackUrl, {
          pkceCodeVerifier: login.code_verifier,
          expectedNonce: login.nonce,
          expectedState: state,
          idTokenExpected: true,
        });
        const idClaims = tokens.claims()!;
        // Providers put group and custom claims in the ID token or only in userinfo: both are read.
        const userinfo = await client.fetchUserInfo(config, tokens.access_token, idClaims.sub);
        claims = { ...idClaims, ...userinfo };
      } catch (err) {
        request.log.warn(
          { err: { message: (err as Error).message, code: (err as { code?: string }).code } },
          'single sign-on failed',
        );
        return refuse(reply, 'sign_in_failed', page);
      }
      // The identity is the pair (issuer, subject); the issuer is this deployment's one provider.
      const subject = `${settings.issuer}|${String(claims.sub)}`;

      if (login.link_user_id) {
        // Not linked here: the browser that came back may not be the one that started the link
        // (the Lax state cookie can be planted from a sibling subdomain or over http), and the
        // Strict session cookie is not sent on this cross-site redirect to tell. The answer waits
        // for the user who started it to confirm it, signed in, on the Security page.
        const held = await holdLink(login.link_user_id, login.link_session_id, subject, claims);
        if ('refused' in held) return refuse(reply, held.refused, '/security');
        return reply.redirect(`/security?confirm_link=${held.id}`, 303);
      }

      const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : null;
      const mapped = mapClaims(settings, claims);
      let outcome: { user: SsoUser } | { refused: Refusal | 'no_email' | 'no_role' };
      try {
        outcome = await app.db.transaction(async (tx) => {
          const linked = await lockUserByOidcSubject(tx, subject);
          if (!linked) {
            // Not linked: never a user found by email (an unverified or unchecked email would take
            // that user over). Such a user links from the Security page, signed in.
            if (email && (await findUserByEmail(tx, email))) return { refused: 'account_not_linked' as const };
            if (!email || claims.email_verified === false) return { refused: 'no_email' as const };
          }
          if (linked?.disabled) return { refused: 'disabled' as const };
          if (!mapped) return { refused: 'no_role' as const };
          if (linked) {
            await applyClaims(tx, linked, mapped, request);
            return { user: { ...linked, role: mapped.role } };
          }
          const created = await createSsoUser(tx, { email: email!, role: mapped.role, subject });
          // Another sign-in or an invitation took the subject or the email a moment ago.
          if (!created) return { refused: 'sign_in_failed' as const };
          for (const account of mapped.accounts) await addMembership(tx, created.id, account);
          await appendAudit(tx, {
            kind: 'user.added',
            actor: actorOf(request, null),
            subject: created.email,
            details: { user_id: created.id, role: mapped.role, accounts: mapped.accounts, via: 'single sign-on' },
          });
          return { user: created };
        });
      } catch (err) {
        if (err instanceof HttpError && err.code === 'last_admin') outcome = { refused: 'last_admin' };
        else throw err;
      }
      if ('refused' in outcome) {
        request.log.info({ subject, reason: outcome.refused }, 'single sign-on refused');
        return refuse(reply, outcome.refused);
      }
      const { user } = outcome;

      if (request.user) await app.sessions.end(request, reply);
      // The second factor as after a password: the provider's own MFA is not assumed.
      const methods = await enrolledMethods(app.db, user.id);
      const state2 =
        methods.length > 0 ? 'pending' : secondFactorRequired(app.config, user.role) ? 'enrol' : 'complete';
      await app.sessions.start(reply, user.id, { state: state2, verifiedAt: null, method: null });
      request.log.info({ userId: user.id, role: user.role }, 'signed in with single sign-on');
      return reply.redirect(state2 === 'pending' ? '/login?second_factor=1' : '/', 303);
    },
  );

  /**
   * The claims' role and memberships for a linked user, through the Users page's rules
   * (server/domain/user-access.ts: the last enabled admin kept, sessions revoked on a change of
   * role), written to the audit trail; nothing happens when they match already.
   */
  const applyClaims = async (
    tx: Queryable,
    user: SsoUser,
    mapped: { role: Role; accounts: string[] },
    request: FastifyRequest,
  ) => {
    const current = await listMemberships(tx, user.id);
    const sameAccounts = current.length === mapped.accounts.length && mapped.accounts.every((a) => current.includes(a));
    if (mapped.role === user.role && sameAccounts) return;
    const { sessionsRevoked } = await applyAccessChange(tx, user, { role: mapped.role, accounts: mapped.accounts });
    await appendAudit(tx, {
      kind: 'user.updated',
      actor: actorOf(request, null),
      subject: user.email,
      details: {
        user_id: user.id,
        ...(mapped.role !== user.role ? { role: { from: user.role, to: mapped.role } } : {}),
        ...(!sameAccounts ? { accounts: mapped.accounts } : {}),
        via: 'single sign-on claims',
        sessions_revoked: sessionsRevoked,
      },
    });
  };

  /**
   * Keeps the provider's answer to a link for the user's confirmation, while the session that
   * started the link is still live (signed out or revoked: `link_expired`) and no other user
   * holds the identity (`identity_in_use`); both are checked again at the confirmation.
   */
  const holdLink = async (
    userId: string,
    sessionId: string | null,
    subject: string,
    claims: Record<string, unknown>,
  ): Promise<{ id: string } | { refused: Refusal }> => {
    if (!sessionId || !(await isLiveSessionOf(app.db, sessionId, userId))) return { refused: 'link_expired' };
    const holder = await oidcSubjectHolder(app.db, subject);
    if (holder && holder.id !== userId) return { refused: 'identity_in_use' };
    // The id is the only handle on it and travels in the Security page's URL of the browser that
    // came back, so it is unguessable; the confirmation also needs the user's own session.
    const id = randomBytes(24).toString('base64url');
    const email = typeof claims.email === 'string' ? claims.email.slice(0, 320) : null;
    await savePendingLink(app.db, { id, userId, sessionId, subject, email, ttlSeconds: PENDING_LINK_TTL_SECONDS });
    return { id };
  };

  /** Another user's, another session's, expired, confirmed or cancelled: all the same answer. */
  const linkNotFound = () =>
    notFound(
      'No single sign-on link is waiting for your confirmation here: it expired, was cancelled, or was started elsewhere. Start again.',
      'sso_link_not_found',
    );
  /** The waiting link the request names, of the request's user and session. */
  const pendingKey = (request: FastifyRequest<{ Params: { id: string } }>) => ({
    id: request.params.id,
    userId: request.user!.id,
    sessionId: request.user!.sessionId,
  });

  app.get(
    '/oidc/link/:id',
    { schema: { params: SsoPendingLinkParams, response: { 200: SsoPendingLinkResponse, 404: ErrorBody } } },
    async (request, reply) => {
      if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
      reply.header('cache-control', 'no-store');
      const pending = await findPendingLink(app.db, pendingKey(request));
      if (!pending) throw linkNotFound();
      return { issuer: settings.issuer, email: pending.email };
    },
  );

  app.post(
    '/oidc/link/:id/confirm',
    { schema: { params: SsoPendingLinkParams, response: { 204: Type.Null(), 404: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
      const sessionUser = request.user!;
      // Used once: taken in the same transaction that links, so two confirmations link once.
      const outcome = await app.db.transaction(async (tx) => {
        const subject = await takePendingLink(tx, pendingKey(request));
        if (!subject) return 'not_found' as const;
        // The rule the console's `link-sso` keeps too: an identity stays with the one user who holds it.
        const linked = await linkSsoIdentity(
          tx,
          sessionUser,
          { subject, issuer: settings.issuer },
          { actor: actorOf(request, sessionUser) },
        );
        return 'holder' in linked ? ('identity_in_use' as const) : ('linked' as const);
      });
      if (outcome === 'not_found') throw linkNotFound();
      if (outcome === 'identity_in_use')
        throw new HttpError(
          409,
          'identity_in_use',
          'That identity at your identity provider is linked to another user of this dashboard already.',
        );
      request.log.info({ userId: sessionUser.id }, 'single sign-on linked');
      return reply.code(204).send(null);
    },
  );

  app.delete(
    '/oidc/link/:id',
    { schema: { params: SsoPendingLinkParams, response: { 204: Type.Null(), 404: ErrorBody } } },
    async (request, reply) => {
      if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
      if (!(await deletePendingLink(app.db, pendingKey(request)))) throw linkNotFound();
      return reply.code(204).send(null);
    },
  );
};

export default oidc;
