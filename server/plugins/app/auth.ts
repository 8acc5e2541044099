import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { SignJWT, decodeJwt, jwtVerify, type JWTPayload } from 'jose';
import { LRUCache } from 'lru-cache';
import { SESSION_COOKIE } from '../../../shared/constants.ts';
import {
  claimSessionForReplacement,
  createSession,
  findSessionUser,
  findSessionUserWithRefusedReveals,
  revokeSession,
  type RefusedRevealCounts,
  type SessionUser,
} from '../../db/sessions.ts';
import { unauthenticated } from '../../errors.ts';
import { getOrCreateSetting } from '../../db/settings.ts';
import { SECOND_FACTOR_METHODS, type SecondFactorMethod } from '../../../shared/policy.ts';

/**
 * Where the session stands with the second factor (docs/decisions/100-second-factor-and-step-up.md):
 * - `complete`: signed in (with the second factor if the user has one);
 * - `pending`: the password was right, the second factor is still to come; the session can only
 *   complete the check, read /api/me or sign out;
 * - `enrol`: signed in, but the role must have a second factor and the user has none yet; the
 *   session can only enrol one (the Security page), read /api/me or sign out.
 * `verifiedAt` (unix seconds) and `method` name the session's last successful check, for step-up.
 */
export type SecondFactorState = 'complete' | 'pending' | 'enrol';
export interface SessionSecondFactor {
  state: SecondFactorState;
  verifiedAt: number | null;
  method: SecondFactorMethod | null;
}
const NO_CHECK: SessionSecondFactor = { state: 'complete', verifiedAt: null, method: null };

/** The second-factor claims of a session JWT (absent = complete, never checked). */
function factorClaims(f: SessionSecondFactor): Record<string, unknown> {
  return {
    ...(f.state !== 'complete' ? { sf: f.state } : {}),
    ...(f.verifiedAt !== null && f.method !== null ? { sfv: f.verifiedAt, sfm: f.method } : {}),
  };
}

function factorFromClaims(payload: JWTPayload): SessionSecondFactor {
  const state = payload.sf === 'pending' || payload.sf === 'enrol' ? payload.sf : 'complete';
  const method = (SECOND_FACTOR_METHODS as readonly unknown[]).includes(payload.sfm)
    ? (payload.sfm as SecondFactorMethod)
    : null;
  const verifiedAt = typeof payload.sfv === 'number' && method ? payload.sfv : null;
  return { state, verifiedAt, method: verifiedAt === null ? null : method };
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The signed-in user, or null. Set for every request that carries a live session cookie. */
    user: SessionUser | null;
    /** The session's second-factor state (complete and never checked when signed out). */
    secondFactor: SessionSecondFactor;
    /**
     * On routes whose config asks (`refusedRevealCounts`, the reveal route): the refused reveal
     * attempts of the user and the address in the last minute, read with the session.
     */
    refusedReveals: RefusedRevealCounts | null;
    /**
     * When the session's user signed in (unix seconds, the cookie's `auth_time`, kept through
     * rotation and step-up), or null when signed out: a sign-in that recent counts as a password
     * check for enrolling a first second factor (docs/decisions/142-…).
     */
    signedInAt: number | null;
  }
  interface FastifyContextConfig {
    /** Read the refused-attempt counts with the session (one database call instead of two). */
    refusedRevealCounts?: boolean;
  }
  interface FastifyInstance {
    sessions: {
      /** Creates a session row and sets the cookie naming it. */
      start(reply: FastifyReply, userId: string, secondFactor?: SessionSecondFactor): Promise<void>;
      /** Creates a session row and returns the signed cookie value (test fixtures sign in with it). */
      issue(userId: string, secondFactor?: SessionSecondFactor): Promise<{ token: string; expiresAt: Date }>;
      /**
       * Replaces the request's session by a new one (new id, same sign-in time, same
       * re-authentication) with this second-factor state: after a check or an enrolment. The old
       * one ends after the rotation grace (requests in flight), or at once when it was only
       * `pending` or `endOld` is `now` (a change of password, factors or recovery codes, sign out
       * everywhere: a copy of the cookie must not outlive it). A session already replaced (in its
       * grace, or by a concurrent request) is refused: 401, no new session
       * (docs/decisions/146-retired-sessions.md).
       */
      replace(
        request: FastifyRequest,
        reply: FastifyReply,
        secondFactor: SessionSecondFactor,
        opts?: { endOld?: 'now' | 'after-grace' },
      ): Promise<void>;
      /** Revokes the request's session and clears the cookie. */
      end(request: FastifyRequest, reply: FastifyReply): Promise<void>;
    };
  }
}

/** Idle lifetime of a session: a cookie not renewed within this time stops working. */
export const SESSION_TTL_SECONDS = 12 * 60 * 60;
/** A session is re-issued (new id, new cookie) once half its lifetime has passed. */
export const SESSION_ROTATE_AFTER_SECONDS = SESSION_TTL_SECONDS / 2;
/** However active the user, a sign-in lasts at most this long; then they sign in again. */
export const SESSION_ABSOLUTE_SECONDS = 24 * 60 * 60;
/** The replaced session keeps working this long, for requests already in flight with the old cookie. */
export const SESSION_ROTATION_GRACE_SECONDS = 60;
const ISSUER = 'connect-issuing-dashboard';

/**
 * Session cookie `cid_session`: a JWT (HS256, jose) whose only claim of substance is the id of a
 * row in `sessions`. The signature keeps forged ids out without a database read; the row makes
 * logout and revocation immediate. `auth_time` (when the user signed in) caps rotation.
 */
export default fp(
  async (app) => {
    const secret =
      app.config.sessionSecret ??
      // Emulator mode without SESSION_SECRET: one generated secret per database, so sessions
      // survive restarts of the same data dir and are shared by instances on one database.
      (await getOrCreateSetting(app.db, 'session_secret', () => randomBytes(48).toString('base64url')));
    // Imported once: given raw bytes, jose imports the key again for every signature it checks.
    const key = await crypto.subtle.importKey(
      'raw',
      new TextEncoder().encode(secret),
      { name: 'HMAC', hash: 'SHA-256' },
      false,
      ['sign', 'verify'],
    );
    // Tokens whose signature was checked, with their claims: every request of a session carries
    // the same token, and its HMAC (a Web Crypto job on the thread pool) was a tenth of the
    // reveal's CPU (docs/decisions/130). Keyed by the whole token, signature included, so only a
    // token this process verified is found; its expiry is checked again at every use; the session
    // row is still read for every request (revocation stays immediate).
    const verified = new LRUCache<string, JWTPayload>({ max: 5_000 });
    const verify = async (token: string): Promise<JWTPayload> => {
      const known = verified.get(token);
      if (known) {
        if (typeof known.exp === 'number' && known.exp <= Math.floor(Date.now() / 1000)) {
          verified.delete(token);
          throw new Error('expired');
        }
        return known;
      }
      const { payload } = await jwtVerify(token, key, { algorithms: ['HS256'], issuer: ISSUER });
      verified.set(token, payload);
      return payload;
    };

    const cookieOptions = {
      path: '/',
      httpOnly: true,
      sameSite: 'strict' as const,
      secure: app.config.secureCookies,
    };

    const issue = async (
      userId: string,
      authTime = Math.floor(Date.now() / 1000),
      secondFactor: SessionSecondFactor = NO_CHECK,
      reauthenticatedAt: Date | null = null,
    ) => {
      const remaining = authTime + SESSION_ABSOLUTE_SECONDS - Math.floor(Date.now() / 1000);
      const session = await createSession(
        app.db,
        userId,
        Math.max(1, Math.min(SESSION_TTL_SECONDS, remaining)),
        reauthenticatedAt,
      );
      const token = await new SignJWT({ sid: session.id, auth_time: authTime, ...factorClaims(secondFactor) })
        .setProtectedHeader({ alg: 'HS256' })
        .setIssuer(ISSUER)
        .setSubject(userId)
        .setIssuedAt()
        .setExpirationTime(session.expiresAt)
        .sign(key);
      return { token, expiresAt: session.expiresAt };
    };

    const setCookie = (reply: FastifyReply, token: string, expiresAt: Date) =>
      reply.setCookie(SESSION_COOKIE, token, { ...cookieOptions, expires: expiresAt });

    app.decorateRequest('user', null);
    app.decorateRequest('secondFactor', null as unknown as SessionSecondFactor);
    app.decorateRequest('refusedReveals', null);
    app.decorateRequest('signedInAt', null);
    const authTimes = new WeakMap<FastifyRequest, number>();

    app.addHook('onRequest', async (request, reply) => {
      request.secondFactor = NO_CHECK;
      const token = request.cookies[SESSION_COOKIE];
      if (!token) return;
      let payload: JWTPayload;
      try {
        payload = await verify(token);
      } catch {
        return; // A bad or expired token is the same as no token.
      }
      const sid = payload.sid;
      // A database failure here is ours (500), not a reason to treat the user as signed out.
      if (typeof sid === 'string') {
        if (request.routeOptions.config.refusedRevealCounts) {
          const found = await findSessionUserWithRefusedReveals(app.db, sid, request.ip ?? null);
          request.user = found?.user ?? null;
          request.refusedReveals = found?.refused ?? null;
        } else {
          request.user = (await findSessionUser(app.db, sid)) ?? null;
        }
      }
      if (!request.user) return;
      const secondFactor = factorFromClaims(payload);
      request.secondFactor = secondFactor;

      // Rotation: past half its lifetime, a live session is replaced by a new one (new id, new
      // cookie), so a copied cookie stops working soon even while its owner stays active. Not on
      // sign-out, which ends the session anyway, nor of a session already replaced (its grace serves
      // requests in flight; rotating it again would hand a copied cookie a session of its own).
      const now = Math.floor(Date.now() / 1000);
      const authTime = typeof payload.auth_time === 'number' ? payload.auth_time : (payload.iat ?? now);
      authTimes.set(request, authTime);
      request.signedInAt = authTime;
      const due = now - (payload.iat ?? now) >= SESSION_ROTATE_AFTER_SECONDS;
      const withinAbsolute = now - authTime < SESSION_ABSOLUTE_SECONDS - SESSION_ROTATION_GRACE_SECONDS;
      const signingOut = request.method === 'DELETE' && request.url.split('?')[0] === '/api/session';
      if (due && withinAbsolute && !signingOut && !request.user.retired) {
        // Claimed first: of concurrent requests with the due cookie, one rotates it; the others go
        // on with it in its grace.
        const claimed = await claimSessionForReplacement(
          app.db,
          request.user.sessionId,
          SESSION_ROTATION_GRACE_SECONDS,
        );
        if (!claimed) {
          request.user = { ...request.user, retired: true };
          return;
        }
        const next = await issue(request.user.id, authTime, secondFactor, claimed.reauthenticatedAt);
        const newSid = decodeJwt(next.token).sid as string;
        request.user = { ...request.user, sessionId: newSid, retired: false };
        setCookie(reply, next.token, next.expiresAt);
        request.log.info({ userId: request.user.id }, 'session rotated');
      }
    });

    app.decorate('sessions', {
      issue: (userId: string, secondFactor?: SessionSecondFactor) => issue(userId, undefined, secondFactor),
      async start(reply, userId, secondFactor) {
        const { token, expiresAt } = await issue(userId, undefined, secondFactor);
        setCookie(reply, token, expiresAt);
      },
      async replace(request, reply, secondFactor, opts = {}) {
        const user = request.user!;
        if (user.retired) throw unauthenticated('This session was replaced: sign in again.');
        const endNow = request.secondFactor.state === 'pending' || opts.endOld === 'now';
        const claimed = await claimSessionForReplacement(
          app.db,
          user.sessionId,
          endNow ? null : SESSION_ROTATION_GRACE_SECONDS,
        );
        if (!claimed) throw unauthenticated('This session was replaced: sign in again.');
        const next = await issue(user.id, authTimes.get(request), secondFactor, claimed.reauthenticatedAt);
        request.user = { ...user, sessionId: decodeJwt(next.token).sid as string, retired: false };
        request.secondFactor = secondFactor;
        setCookie(reply, next.token, next.expiresAt);
      },
      async end(request, reply) {
        if (request.user) await revokeSession(app.db, request.user.sessionId);
        reply.clearCookie(SESSION_COOKIE, cookieOptions);
      },
    });
  },
  { name: 'auth', dependencies: ['config', 'db', 'cookie'] },
);
