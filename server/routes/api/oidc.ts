import { randomUUID } from 'node:crypto';
import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import * as client from 'openid-client';
import { Type } from 'typebox';
import { ErrorBody, SsoLinkResponse } from '../../../shared/api.ts';
import { type Role } from '../../../shared/policy.ts';
import type { Config } from '../../config.ts';
import { appendAudit } from '../../db/audit-trail.ts';
import type { Queryable } from '../../db/database.ts';
import { normalizeEmail } from '../../db/users.ts';
import { actorOf } from '../../domain/audit.ts';
import { requireOwnerCheck } from '../../domain/reauthentication.ts';
import { enrolledMethods, secondFactorRequired } from '../../domain/second-factor.ts';
import { applyAccessChange } from '../../domain/user-access.ts';
import { HttpError, notFound } from '../../errors.ts';

const STATE_COOKIE = 'cid_oidc';
const LOGIN_TTL_SECONDS = 10 * 60;

type OidcConfig = NonNullable<Config['oidc']>;

/**
 * The role and memberships the identity provider's claims give, or null (refused): staff roles
 * from group membership, account users from a claim listing `acct_…` ids. Applied at every
 * sign-in, so a change at the provider takes effect at the next one.
 */
export function mapClaims(oidc: OidcConfig, claims: Record<string, unknown>): { role: Role; accounts: string[] } | null {
  const asList = (value: unknown) => (Array.isArray(value) ? value : typeof value === 'string' ? value.split(/[\s,]+/) : []).filter((v): v is string => typeof v === 'string');
  const groups = asList(claims[oidc.groupsClaim]);
  if (groups.some((g) => oidc.adminGroups.includes(g))) return { role: 'platform_admin', accounts: [] };
  if (groups.some((g) => oidc.supportGroups.includes(g))) return { role: 'support_agent', accounts: [] };
  const accounts = [...new Set(asList(claims[oidc.accountsClaim]).filter((a) => /^acct_[A-Za-z0-9_]{1,200}$/.test(a)))];
  return accounts.length > 0 ? { role: 'account_user', accounts } : null;
}

/** A user row as the callback reads it. */
interface SsoUser {
  id: string;
  email: string;
  role: Role;
  disabled: boolean;
}

/** Why a sign-in or a link went back without doing it (the page says it in words). */
type Refusal = 'account_not_linked' | 'disabled' | 'last_admin' | 'sign_in_failed' | 'identity_in_use' | 'link_expired';

/**
 * Single sign-on with the platform's identity provider (docs/decisions/102-oidc-sign-in.md,
 * 103-sso-identity-linking.md): authorization code flow with PKCE, state and nonce
 * (openid-client). GET /api/oidc/login sends the browser to the provider; POST /api/oidc/link
 * starts the same for a signed-in user who links this account to a provider identity; GET
 * /api/oidc/callback checks the answer, then links, or signs in the user the identity
 * (issuer, subject) is linked to — never a user found by email — or creates one from the claims.
 * Refusals land on the sign-in page (the Security page for a link) with a reason it names.
 */
const oidc: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();
  const settings = app.config.oidc;
  let discovered: Promise<client.Configuration> | undefined;
  // Discovered at first use, so that the app starts while the provider is down. The client
  // authenticates with HTTP Basic (client_secret_basic, the OIDC default, as decision 102 says).
  const configuration = () => {
    discovered ??= client
      .discovery(new URL(settings!.issuer), settings!.clientId, undefined, client.ClientSecretBasic(settings!.clientSecret), {
        ...(new URL(settings!.issuer).protocol === 'http:' ? { execute: [client.allowInsecureRequests] } : {}),
      })
      .catch((err: unknown) => {
        discovered = undefined;
        throw err;
      });
    return discovered;
  };
  const redirectUri = `${app.config.publicUrl}/api/oidc/callback`;
  const cookieOptions = { path: '/api/oidc', httpOnly: true, sameSite: 'lax' as const, secure: app.config.secureCookies };
  const refuse = (reply: FastifyReply, code: string, page: '/login' | '/security' = '/login') => reply.redirect(`${page}?sso_error=${code}`, 303);

  /**
   * A sign-in in flight: its row (state, PKCE verifier, nonce, and for a link the user and
   * session that asked), the state cookie of this browser, and the provider URL to go to.
   */
  const begin = async (config: client.Configuration, reply: FastifyReply, link: { userId: string; sessionId: string } | null): Promise<URL> => {
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await app.db.query(
      `INSERT INTO oidc_logins (state, code_verifier, nonce, link_user_id, link_session_id, expires_at)
       VALUES ($1, $2, $3, $4, $5, now() + make_interval(secs => $6))`,
      [state, codeVerifier, nonce, link?.userId ?? null, link?.sessionId ?? null, LOGIN_TTL_SECONDS],
    );
    await app.db.query('DELETE FROM oidc_logins WHERE expires_at < now()');
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

  app.get('/oidc/login', { schema: { querystring: Type.Object({}, { additionalProperties: false }) } }, async (request, reply) => {
    if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
    let config;
    try {
      config = await configuration();
    } catch (err) {
      request.log.error({ err }, 'identity provider discovery failed');
      return refuse(reply, 'provider_unavailable');
    }
    return reply.redirect((await begin(config, reply, null)).href, 303);
  });

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
        throw new HttpError(503, 'provider_unavailable', 'The identity provider cannot be reached right now. Try again in a moment.');
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
      const query = request.query as Record<string, string>;
      const state = request.cookies[STATE_COOKIE];
      reply.clearCookie(STATE_COOKIE, cookieOptions);
      if (!state || query.state !== state) return refuse(reply, 'state_mismatch');
      const rows = await app.db.query<{ code_verifier: string; nonce: string; link_user_id: string | null; link_session_id: string | null }>(
        'DELETE FROM oidc_logins WHERE state = $1 AND expires_at > now() RETURNING code_verifier, nonce, link_user_id, link_session_id',
        [state],
      );
      const login = rows[0];
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
        request.log.warn({ err: { message: (err as Error).message, code: (err as { code?: string }).code } }, 'single sign-on failed');
        return refuse(reply, 'sign_in_failed', page);
      }
      // The identity is the pair (issuer, subject); the issuer is this deployment's one provider.
      const subject = `${settings.issuer}|${String(claims.sub)}`;

      if (login.link_user_id) {
        const refused = await linkIdentity(login.link_user_id, login.link_session_id, subject, request);
        if (refused) return refuse(reply, refused, '/security');
        return reply.redirect('/security?sso_linked=1', 303);
      }

      const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : null;
      const mapped = mapClaims(settings, claims);
      let outcome: { user: SsoUser } | { refused: Refusal | 'no_email' | 'no_role' };
      try {
        outcome = await app.db.transaction(async (tx) => {
          const linked = (await tx.query<SsoUser>('SELECT id, email, role, disabled FROM users WHERE oidc_subject = $1 FOR UPDATE', [subject]))[0];
          if (!linked) {
            // Not linked: never a user found by email (an unverified or unchecked email would take
            // that user over). Such a user links from the Security page, signed in.
            if (email && (await tx.query('SELECT 1 FROM users WHERE email = $1', [email])).length > 0) return { refused: 'account_not_linked' as const };
            if (!email || claims.email_verified === false) return { refused: 'no_email' as const };
          }
          if (linked?.disabled) return { refused: 'disabled' as const };
          if (!mapped) return { refused: 'no_role' as const };
          if (linked) {
            await applyClaims(tx, linked, mapped, request);
            return { user: { ...linked, role: mapped.role } };
          }
          const created = (
            await tx.query<SsoUser>(
              `INSERT INTO users (id, email, password_hash, role, oidc_subject) VALUES ($1, $2, '!oidc', $3, $4)
               ON CONFLICT DO NOTHING RETURNING id, email, role, disabled`,
              [`usr_${randomUUID().replaceAll('-', '')}`, email, mapped.role, subject],
            )
          )[0];
          // Another sign-in or an invitation took the subject or the email a moment ago.
          if (!created) return { refused: 'sign_in_failed' as const };
          for (const account of mapped.accounts) await tx.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [created.id, account]);
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
      const state2 = methods.length > 0 ? 'pending' : secondFactorRequired(app.config, user.role) ? 'enrol' : 'complete';
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
  const applyClaims = async (tx: Queryable, user: SsoUser, mapped: { role: Role; accounts: string[] }, request: FastifyRequest) => {
    const current = (await tx.query<{ account_id: string }>('SELECT account_id FROM memberships WHERE user_id = $1', [user.id])).map((m) => m.account_id);
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
   * Links the identity to the user who started the link, while the session that started it is
   * still live (the provider's redirect back carries no SameSite=Strict session cookie; the
   * state cookie ties it to this browser). An identity linked to another user stays theirs.
   */
  const linkIdentity = async (userId: string, sessionId: string | null, subject: string, request: FastifyRequest): Promise<Refusal | null> =>
    app.db.transaction(async (tx) => {
      const user = (
        await tx.query<SsoUser>(
          `SELECT u.id, u.email, u.role, u.disabled FROM sessions s JOIN users u ON u.id = s.user_id
           WHERE s.id = $1 AND s.user_id = $2 AND s.revoked_at IS NULL AND s.expires_at > now() AND NOT u.disabled FOR UPDATE OF u`,
          [sessionId, userId],
        )
      )[0];
      if (!user) return 'link_expired';
      const holder = (await tx.query<{ id: string }>('SELECT id FROM users WHERE oidc_subject = $1', [subject]))[0];
      if (holder && holder.id !== user.id) return 'identity_in_use';
      await tx.query('UPDATE users SET oidc_subject = $2 WHERE id = $1', [user.id, subject]);
      await appendAudit(tx, { kind: 'user.sso_linked', actor: actorOf(request, user), subject: user.email, details: { user_id: user.id, issuer: settings!.issuer } });
      request.log.info({ userId: user.id }, 'single sign-on linked');
      return null;
    });
};

export default oidc;
