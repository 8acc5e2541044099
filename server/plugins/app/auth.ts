import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SignJWT, jwtVerify } from 'jose';
import { SESSION_COOKIE } from '../../../shared/constants.ts';
import { createSession, findSessionUser, revokeSession, type SessionUser } from '../../db/sessions.ts';
import { getOrCreateSetting } from '../../db/settings.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null. Set for every request that carries a live session cookie. */
    user: SessionUser | null;
  }
  interface FastifyInstance {
    sessions: {
      /** Creates a session row and sets the cookie naming it. */
      start(reply: FastifyReply, userId: string): Promise<void>;
      /** Creates a session row and returns the signed cookie value (test fixtures sign in with it). */
      issue(userId: string): Promise<{ token: string; expiresAt: Date }>;
      /** Revokes the request's session and clears the cookie. */
      end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    };
  }
}

const SESSION_TTL_SECONDS = 12 * 60 * 60;
const ISSUER = 'connect-issuing-dashboard';

/**
 * Session cookie `cid_session`: a JWT (HS256, jose) whose only claim of substance is the id of a
 * row in `sessions`. The signature keeps forged ids out without a database read; the row makes
 * logout and revocation immediate.
 */
export default fp(async (app) => {
  const secret =
    app.config.sessionSecret ??
    // Emulator mode without SESSION_SECRET: one generated secret per database, so sessions
    // survive restarts of the same data dir and are shared by instances on one database.
    (await getOrCreateSetting(app.db, 'session_secret', () => randomBytes(48).toString('base64url')));
  const key = new TextEncoder().encode(secret);

  const cookieOptions = {
    path: '/',
    httpOnly: true,
    sameSite: 'strict' as const,
    secure: app.config.secureCookies,
  };

  app.decorateRequest('user', null);

  app.addHook('onRequest', async (request) => {
    const token = request.cookies[SESSION_COOKIE];
    if (!token) return;
    let sid: unknown;
    try {
      sid = (await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER })).payload.sid;
    } catch {
      return; // A bad or expired token is the same as no token.
    }
    // A database failure here is ours (500), not a reason to treat the user as signed out.
    if (typeof sid === 'string') request.user = (await findSessionUser(app.db, sid)) ?? null;
  });

  const issue = async (userId: string) => {
    const session = await createSession(app.db, userId, SESSION_TTL_SECONDS);
    const token = await new SignJWT({ sid: session.id })
      .setProtectedHeader({ alg: 'HS256' })
      .setIssuer(ISSUER)
      .setSubject(userId)
      .setIssuedAt()
      .setExpirationTime(session.expiresAt)
      .sign(key);
    return { token, expiresAt: session.expiresAt };
  };

  app.decorate('sessions', {
    issue,
    async start(reply, userId) {
      const { token, expiresAt } = await issue(userId);
      reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, expires: expiresAt });
    },
    async end(request, reply) {
      if (request.user) await revokeSession(app.db, request.user.sessionId);
      reply.clearCookie(SESSION_COOKIE, cookieOptions);
    },
  });
}, { name: 'auth', dependencies: ['config', 'db', 'cookie'] });
