import { randomUUID } from 'node:crypto';
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import * as client from 'openid-client';
import { Type } from 'typebox';
import { type Role } from '../../../shared/policy.ts';
import type { Config } from '../../config.ts';
import { normalizeEmail } from '../../db/users.ts';
import { enrolledMethods, secondFactorRequired } from '../../domain/second-factor.ts';
import { notFound } from '../../errors.ts';

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

/**
 * Single sign-on with the platform's identity provider (docs/decisions/102-oidc-sign-in.md):
 * authorization code flow with PKCE, state and nonce (openid-client). GET /api/oidc/login sends
 * the browser to the provider; GET /api/oidc/callback checks the answer, maps the claims to a
 * role and memberships, and signs the user in (then the second factor, as after a password).
 * Both answer with redirects: a refusal lands on the sign-in page with a reason it names.
 */
const oidc: FastifyPluginAsync = async (app) => {
  const settings = app.config.oidc;
  let discovered: Promise<client.Configuration> | undefined;
  // Discovered at first use, so that the app starts while the provider is down.
  const configuration = () => {
    discovered ??= client
      .discovery(new URL(settings!.issuer), settings!.clientId, settings!.clientSecret, undefined, {
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
  const refuse = (reply: FastifyReply, code: string) => reply.redirect(`/login?sso_error=${code}`, 303);

  app.get('/oidc/login', { schema: { querystring: Type.Object({}, { additionalProperties: false }) } }, async (request, reply) => {
    if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
    let config;
    try {
      config = await configuration();
    } catch (err) {
      request.log.error({ err }, 'identity provider discovery failed');
      return refuse(reply, 'provider_unavailable');
    }
    const state = client.randomState();
    const nonce = client.randomNonce();
    const codeVerifier = client.randomPKCECodeVerifier();
    await app.db.query(
      `INSERT INTO oidc_logins (state, code_verifier, nonce, expires_at) VALUES ($1, $2, $3, now() + make_interval(secs => $4))`,
      [state, codeVerifier, nonce, LOGIN_TTL_SECONDS],
    );
    await app.db.query('DELETE FROM oidc_logins WHERE expires_at < now()');
    // The state also goes in a cookie of this browser, so a callback started elsewhere is refused.
    reply.setCookie(STATE_COOKIE, state, { ...cookieOptions, maxAge: LOGIN_TTL_SECONDS });
    const url = client.buildAuthorizationUrl(config, {
      redirect_uri: redirectUri,
      scope: settings.scopes,
      state,
      nonce,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return reply.redirect(url.href, 303);
  });

  app.get(
    '/oidc/callback',
    { schema: { querystring: Type.Record(Type.String({ maxLength: 100 }), Type.String({ maxLength: 4096 })) } },
    async (request, reply) => {
      if (!settings) throw notFound('Single sign-on is not configured.', 'oidc_not_configured');
      const query = request.query as Record<string, string>;
      const state = request.cookies[STATE_COOKIE];
      reply.clearCookie(STATE_COOKIE, cookieOptions);
      if (!state || query.state !== state) return refuse(reply, 'state_mismatch');
      const rows = await app.db.query<{ code_verifier: string; nonce: string }>(
        'DELETE FROM oidc_logins WHERE state = $1 AND expires_at > now() RETURNING code_verifier, nonce',
        [state],
      );
      const login = rows[0];
      if (!login) return refuse(reply, 'expired');
      if (query.error) return refuse(reply, 'provider_refused');

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
        return refuse(reply, 'sign_in_failed');
      }

      const subject = `${settings.issuer}|${String(claims.sub)}`;
      const email = typeof claims.email === 'string' ? normalizeEmail(claims.email) : null;
      const mapped = mapClaims(settings, claims);
      if (!email || claims.email_verified === false) return refuse(reply, 'no_email');
      if (!mapped) {
        request.log.info({ subject }, 'single sign-on refused: the claims give no role');
        return refuse(reply, 'no_role');
      }

      const user = await app.db.transaction(async (tx) => {
        // The provider's subject is the identity; an existing user with the same (verified)
        // email is linked once. Role and memberships follow the claims at every sign-in.
        let row = (await tx.query<{ id: string; disabled: boolean }>('SELECT id, disabled FROM users WHERE oidc_subject = $1', [subject]))[0];
        row ??= (await tx.query<{ id: string; disabled: boolean }>('UPDATE users SET oidc_subject = $2 WHERE email = $1 AND oidc_subject IS NULL RETURNING id, disabled', [email, subject]))[0];
        row ??= (
          await tx.query<{ id: string; disabled: boolean }>(
            `INSERT INTO users (id, email, password_hash, role, oidc_subject) VALUES ($1, $2, '!oidc', $3, $4) RETURNING id, disabled`,
            [`usr_${randomUUID().replaceAll('-', '')}`, email, mapped.role, subject],
          )
        )[0]!;
        if (row.disabled) return null;
        await tx.query('UPDATE users SET role = $2 WHERE id = $1', [row.id, mapped.role]);
        await tx.query('DELETE FROM memberships WHERE user_id = $1', [row.id]);
        for (const account of mapped.accounts) await tx.query('INSERT INTO memberships (user_id, account_id) VALUES ($1, $2)', [row.id, account]);
        return { id: row.id, role: mapped.role };
      });
      if (!user) return refuse(reply, 'disabled');

      if (request.user) await app.sessions.end(request, reply);
      // The second factor as after a password: the provider's own MFA is not assumed.
      const methods = await enrolledMethods(app.db, user.id);
      const state2 = methods.length > 0 ? 'pending' : secondFactorRequired(app.config, user.role) ? 'enrol' : 'complete';
      await app.sessions.start(reply, user.id, { state: state2, verifiedAt: null, method: null });
      request.log.info({ userId: user.id, role: user.role }, 'signed in with single sign-on');
      return reply.redirect(state2 === 'pending' ? '/login?second_factor=1' : '/', 303);
    },
  );
};

export default oidc;
