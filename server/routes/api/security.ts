import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ChangePasswordBody,
  ErrorBody,
  FactorAddedResponse,
  FactorParams,
  PasskeyOptionsResponse,
  PasskeyRegisterBody,
  ReauthenticateBody,
  ReauthenticateResponse,
  RecoveryCodesResponse,
  SecurityResponse,
  SessionsEndedResponse,
  TotpBeginResponse,
  TotpConfirmBody,
  type SecondFactorSummary,
} from '../../../shared/api.ts';
import { passwordProblem } from '../../../shared/password-rule.ts';
import {
  beginTotp,
  claimTotpStep,
  deleteFactor,
  hasFactor,
  listFactors,
  pendingTotp,
  unusedRecoveryCodes,
  type FactorRow,
} from '../../db/second-factors.ts';
import { hasOidcLink } from '../../db/oidc-identities.ts';
import { markReauthenticated } from '../../db/sessions.ts';
import { actorOf, auditAction } from '../../domain/audit.ts';
import { hashPassword } from '../../domain/password.ts';
import { completeRegistration, registrationOptions } from '../../domain/passkeys.ts';
import { checkOwnPassword, endOtherSessions, requireOwnerCheck } from '../../domain/reauthentication.ts';
import {
  assertNotThrottled,
  clearFailures,
  failCheck,
  issueRecoveryCodes,
  secondFactorRequired,
  stepUpMaxAgeSeconds,
} from '../../domain/second-factor.ts';
import { matchTotpStep, newTotpSecret, totpUri } from '../../domain/totp.ts';
import { changePassword } from '../../domain/user-access.ts';
import { HttpError, badRequest, notFound } from '../../errors.ts';

const iso = (v: Date | string | null) => (v === null ? null : new Date(v).toISOString());
const summary = (f: FactorRow): SecondFactorSummary => ({
  id: f.id,
  kind: f.kind,
  label: f.label,
  created_at: iso(f.created_at)!,
  last_used_at: iso(f.last_used_at),
});

/**
 * The Security page's routes: the user's own second factors, password and sessions. Any change to
 * the factors needs the owner, not just the session: a fresh check of the factor the user has,
 * or, with none yet, the password within the step-up age (a sign-in that recent counts, so a
 * role that must enrol goes on right after signing in). Enrolling is not itself a check. Every
 * change to how the account signs in ends its other sessions and is audited (decisions 100, 142).
 */
const security: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  const requireFreshIfEnrolled = (request: FastifyRequest) => requireOwnerCheck(app, request);

  /**
   * After a change to how the account signs in, or on "sign out everywhere": this browser goes on
   * with a new session and the one it had ends at once, not after the rotation grace, so a copy of
   * its cookie ends with the others (docs/decisions/146-retired-sessions.md). First, before the
   * other sessions are ended: of two requests with one cookie only one gets a session, and the
   * other cannot end it.
   */
  const renewSession = (request: FastifyRequest, reply: FastifyReply, secondFactor = request.secondFactor) =>
    app.sessions.replace(request, reply, secondFactor, { endOld: 'now' });

  /**
   * After a new factor: the session is settled if it had to enrol, but NOT fresh: proving a factor
   * one has just added proves nothing about who added it, so step-up (a PIN, a reveal) still asks
   * for a check (issue 17, item 3). The user's other sessions end; the first factor comes with
   * recovery codes, shown this once.
   */
  const factorAdded = async (request: FastifyRequest, reply: FastifyReply, factorId: string, first: boolean) => {
    const user = request.user!;
    const { verifiedAt, method } = request.secondFactor;
    await renewSession(request, reply, { state: 'complete', verifiedAt, method });
    const ended = await endOtherSessions(app.db, request);
    const factor = (await listFactors(app.db, user.id)).find((f) => f.id === factorId)!;
    const recoveryCodes = first ? await issueRecoveryCodes(app.db, user.id) : undefined;
    request.log.info({ userId: user.id, kind: factor.kind }, 'second factor enrolled');
    await auditAction(app.db, request, {
      kind: 'second_factor.enrolled',
      subject: user.email,
      details: {
        factor_id: factor.id,
        factor_kind: factor.kind,
        first,
        recovery_codes_issued: first,
        other_sessions_ended: ended,
      },
    });
    return { factor: summary(factor), ...(recoveryCodes ? { recoveryCodes } : {}) };
  };

  app.get('/security', { schema: { response: { 200: SecurityResponse } } }, async (request) => {
    const user = request.user!;
    return {
      factors: (await listFactors(app.db, user.id)).map(summary),
      recoveryCodesLeft: await unusedRecoveryCodes(app.db, user.id),
      required: secondFactorRequired(app.config, user.role),
      // With single sign-on: whether the Security page offers to link it or says it is linked.
      ...(app.config.oidc ? { ssoLinked: await hasOidcLink(app.db, user.id) } : {}),
    };
  });

  app.post('/security/totp', { schema: { response: { 200: TotpBeginResponse, 403: ErrorBody } } }, async (request) => {
    await requireFreshIfEnrolled(request);
    const user = request.user!;
    const secret = newTotpSecret();
    await beginTotp(app.db, user.id, secret, 'Authenticator app');
    return { secret, uri: totpUri(secret, user.email) };
  });

  app.post(
    '/security/totp/confirm',
    {
      schema: {
        body: TotpConfirmBody,
        response: { 200: FactorAddedResponse, 400: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      await requireFreshIfEnrolled(request);
      const user = request.user!;
      await assertNotThrottled(app.db, user.id, reply);
      const pending = await pendingTotp(app.db, user.id);
      if (!pending) throw badRequest('Start setting up an authenticator app first.', 'code', 'no_enrollment');
      const step = matchTotpStep(pending.totp_secret!, request.body.code.trim(), app.now());
      if (step === null || !(await claimTotpStep(app.db, pending.id, step, true))) {
        await failCheck(
          app.db,
          request,
          'totp',
          badRequest(
            'That code is not right. Check the app shows this account, and try the next code.',
            'code',
            'invalid_code',
          ),
        );
      }
      await clearFailures(app.db, user.id);
      const first = (await listFactors(app.db, user.id)).length === 1;
      return factorAdded(request, reply, pending.id, first);
    },
  );

  app.post(
    '/security/passkeys/options',
    { schema: { response: { 200: PasskeyOptionsResponse, 403: ErrorBody } } },
    async (request) => {
      await requireFreshIfEnrolled(request);
      const user = request.user!;
      const options = await registrationOptions(app.db, app.config, {
        id: user.id,
        email: user.email,
        sessionId: user.sessionId,
      });
      return { options: options as unknown as Record<string, unknown> };
    },
  );

  app.post(
    '/security/passkeys',
    { schema: { body: PasskeyRegisterBody, response: { 200: FactorAddedResponse, 400: ErrorBody, 403: ErrorBody } } },
    async (request, reply) => {
      await requireFreshIfEnrolled(request);
      const user = request.user!;
      const first = !(await hasFactor(app.db, user.id));
      const factorId = await completeRegistration(
        app.db,
        app.config,
        { id: user.id, sessionId: user.sessionId },
        request.body.response,
        request.body.label?.trim() || 'Passkey',
      );
      if (!factorId) throw badRequest('The passkey could not be registered. Try again.', 'response', 'invalid_passkey');
      return factorAdded(request, reply, factorId, first);
    },
  );

  app.delete(
    '/security/factors/:id',
    {
      schema: { params: FactorParams, response: { 204: Type.Null(), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } },
    },
    async (request, reply) => {
      const user = request.user!;
      const factors = await listFactors(app.db, user.id);
      // What cannot be done at all is said first (the user's own list, shown on the page anyway):
      // no check asked for a removal that would be refused after it.
      if (!factors.some((f) => f.id === request.params.id))
        throw notFound('No such second factor.', 'factor_not_found');
      if (factors.length === 1 && secondFactorRequired(app.config, user.role)) {
        throw new HttpError(
          409,
          'last_factor',
          'Your role requires a second factor: add another one before removing this one.',
        );
      }
      await requireFreshIfEnrolled(request);
      const removed = factors.find((f) => f.id === request.params.id)!;
      await deleteFactor(app.db, user.id, removed.id);
      request.log.info({ userId: user.id }, 'second factor removed');
      await renewSession(request, reply);
      const ended = await endOtherSessions(app.db, request);
      await auditAction(app.db, request, {
        kind: 'second_factor.removed',
        subject: user.email,
        details: { factor_id: removed.id, factor_kind: removed.kind, other_sessions_ended: ended },
      });
      return reply.code(204).send(null);
    },
  );

  app.post(
    '/security/recovery-codes',
    { schema: { response: { 200: RecoveryCodesResponse, 400: ErrorBody, 403: ErrorBody } } },
    async (request, reply) => {
      const user = request.user!;
      if (!(await hasFactor(app.db, user.id)))
        throw badRequest('Set up a second factor first; recovery codes stand in for it.', 'factor', 'no_second_factor');
      await requireFreshIfEnrolled(request);
      const recoveryCodes = await issueRecoveryCodes(app.db, user.id);
      await renewSession(request, reply);
      const ended = await endOtherSessions(app.db, request);
      await auditAction(app.db, request, {
        kind: 'second_factor.recovery_codes_renewed',
        subject: user.email,
        details: { other_sessions_ended: ended },
      });
      return { recoveryCodes };
    },
  );

  // The password typed again: for the step-up age it counts as the owner's check before
  // enrolling a first factor. Wrong passwords are throttled per user (domain/reauthentication.ts).
  app.post(
    '/security/reauthenticate',
    { schema: { body: ReauthenticateBody, response: { 200: ReauthenticateResponse, 400: ErrorBody, 429: ErrorBody } } },
    async (request, reply) => {
      const user = request.user!;
      await checkOwnPassword(app, request, reply, request.body.password, 'password');
      const now = Date.now();
      await markReauthenticated(app.db, user.sessionId, new Date(now));
      request.log.info({ userId: user.id }, 'password confirmed');
      await auditAction(app.db, request, { kind: 'user.reauthenticated', subject: user.email });
      return { validUntil: new Date(now + stepUpMaxAgeSeconds(app.config) * 1000).toISOString() };
    },
  );

  // A password change: the current one, and a new one that passes the shared rule; with a second
  // factor, a fresh check of it too (a known password alone must not replace itself: review of
  // issue 17, item 7). This browser goes on with a new session, its old one ending at once; then
  // the hash, the end of every other session and the audit row are one transaction (the console's
  // `set-password` does the same: server/domain/user-access.ts).
  app.post(
    '/security/password',
    {
      schema: {
        body: ChangePasswordBody,
        response: { 200: SessionsEndedResponse, 400: ErrorBody, 403: ErrorBody, 429: ErrorBody },
      },
    },
    async (request, reply) => {
      const user = request.user!;
      const { current_password: current, new_password: next } = request.body;
      const problem = passwordProblem(next);
      if (problem) throw badRequest(problem, 'new_password', 'password_too_short');
      // Before the password is checked: a session without the factor learns nothing here.
      if (await hasFactor(app.db, user.id)) await requireOwnerCheck(app, request);
      await checkOwnPassword(app, request, reply, current, 'current_password');
      if (next === current)
        throw badRequest('The new password is the current one: choose another.', 'new_password', 'password_unchanged');
      const passwordHash = await hashPassword(next);
      await renewSession(request, reply);
      const keep = request.user!.sessionId;
      const ended = await app.db.transaction((tx) =>
        changePassword(tx, user, passwordHash, {
          actor: actorOf(request),
          keepSessionId: keep,
          details: { via: 'security_page' },
        }),
      );
      // The current password was just typed: it counts as a check on the new session too.
      await markReauthenticated(app.db, request.user!.sessionId, new Date());
      request.log.info({ userId: user.id, ended }, 'password changed');
      return { otherSessionsEnded: ended };
    },
  );

  // Ends every other session of the user (other browsers, a forgotten one, a copied cookie);
  // this browser goes on with a new session id, its old one (and any copy of it) ended at once.
  app.post(
    '/security/sign-out-everywhere',
    { schema: { response: { 200: SessionsEndedResponse } } },
    async (request, reply) => {
      const user = request.user!;
      await renewSession(request, reply);
      const ended = await endOtherSessions(app.db, request);
      await auditAction(app.db, request, {
        kind: 'sessions.revoked',
        subject: user.email,
        details: { reason: 'sign_out_everywhere', other_sessions_ended: ended },
      });
      return { otherSessionsEnded: ended };
    },
  );
};

export default security;
