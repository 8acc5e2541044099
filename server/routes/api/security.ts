import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { RegistrationResponseJSON } from '@simplewebauthn/server';
import type { FastifyPluginAsync, FastifyReply, FastifyRequest } from 'fastify';
import { Type } from 'typebox';
import {
  ErrorBody,
  FactorAddedResponse,
  FactorParams,
  PasskeyOptionsResponse,
  PasskeyRegisterBody,
  RecoveryCodesResponse,
  SecurityResponse,
  TotpBeginResponse,
  TotpConfirmBody,
  type SecondFactorSummary,
} from '../../../shared/api.ts';
import type { SecondFactorMethod } from '../../../shared/policy.ts';
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
import { completeRegistration, registrationOptions } from '../../domain/passkeys.ts';
import {
  StepUpRequired,
  assertNotThrottled,
  clearFailures,
  failCheck,
  freshUntilMs,
  issueRecoveryCodes,
  secondFactorRequired,
} from '../../domain/second-factor.ts';
import { matchTotpStep, newTotpSecret, totpUri } from '../../domain/totp.ts';
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
 * The Security page's routes: the user's own second factors. Enrolling the first factor needs
 * only the signed-in session (a role that must enrol reaches nothing else until it has); adding,
 * removing or renewing anything once a factor exists needs a fresh check, so a borrowed session
 * cannot swap the owner's factor for its own.
 */
const security: FastifyPluginAsync = async (fastify) => {
  const app = fastify.withTypeProvider<TypeBoxTypeProvider>();

  app.addHook('onSend', async (_request, reply, payload) => {
    reply.header('cache-control', 'no-store');
    return payload;
  });

  /** A fresh check, when the user already has a factor to check with. */
  const requireFreshIfEnrolled = async (request: FastifyRequest) => {
    if (!(await hasFactor(app.db, request.user!.id))) return;
    const until = freshUntilMs(app.config, request.secondFactor.verifiedAt);
    if (until === null || app.now() >= until) throw new StepUpRequired();
  };

  /**
   * After a new factor: proving it counts as a check (the session is fresh, and settled if it had
   * to enrol); the first factor comes with recovery codes, shown this once.
   */
  const factorAdded = async (request: FastifyRequest, reply: FastifyReply, factorId: string, method: SecondFactorMethod, first: boolean) => {
    const user = request.user!;
    await app.sessions.replace(request, reply, { state: 'complete', verifiedAt: Math.floor(app.now() / 1000), method });
    const factor = (await listFactors(app.db, user.id)).find((f) => f.id === factorId)!;
    const recoveryCodes = first ? await issueRecoveryCodes(app.db, user.id) : undefined;
    request.log.info({ userId: user.id, kind: factor.kind }, 'second factor enrolled');
    return { factor: summary(factor), ...(recoveryCodes ? { recoveryCodes } : {}) };
  };

  app.get('/security', { schema: { response: { 200: SecurityResponse } } }, async (request) => {
    const user = request.user!;
    return {
      factors: (await listFactors(app.db, user.id)).map(summary),
      recoveryCodesLeft: await unusedRecoveryCodes(app.db, user.id),
      required: secondFactorRequired(app.config, user.role),
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
    { schema: { body: TotpConfirmBody, response: { 200: FactorAddedResponse, 400: ErrorBody, 403: ErrorBody, 429: ErrorBody } } },
    async (request, reply) => {
      await requireFreshIfEnrolled(request);
      const user = request.user!;
      await assertNotThrottled(app.db, user.id, reply);
      const pending = await pendingTotp(app.db, user.id);
      if (!pending) throw badRequest('Start setting up an authenticator app first.', 'code', 'no_enrollment');
      const step = matchTotpStep(pending.totp_secret!, request.body.code.trim(), app.now());
      if (step === null || !(await claimTotpStep(app.db, pending.id, step, true))) {
        await failCheck(app.db, request, 'totp', badRequest('That code is not right. Check the app shows this account, and try the next code.', 'code', 'invalid_code'));
      }
      await clearFailures(app.db, user.id);
      const first = (await listFactors(app.db, user.id)).length === 1;
      return factorAdded(request, reply, pending.id, 'totp', first);
    },
  );

  app.post('/security/passkeys/options', { schema: { response: { 200: PasskeyOptionsResponse, 403: ErrorBody } } }, async (request) => {
    await requireFreshIfEnrolled(request);
    const user = request.user!;
    const options = await registrationOptions(app.db, app.config, { id: user.id, email: user.email, sessionId: user.sessionId });
    return { options: options as unknown as Record<string, unknown> };
  });

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
        request.body.response as unknown as RegistrationResponseJSON,
        request.body.label?.trim() || 'Passkey',
      );
      if (!factorId) throw badRequest('The passkey could not be registered. Try again.', 'response', 'invalid_passkey');
      return factorAdded(request, reply, factorId, 'webauthn', first);
    },
  );

  app.delete(
    '/security/factors/:id',
    { schema: { params: FactorParams, response: { 204: Type.Null(), 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } } },
    async (request, reply) => {
      await requireFreshIfEnrolled(request);
      const user = request.user!;
      const factors = await listFactors(app.db, user.id);
      if (!factors.some((f) => f.id === request.params.id)) throw notFound('No such second factor.', 'factor_not_found');
      if (factors.length === 1 && secondFactorRequired(app.config, user.role)) {
        throw new HttpError(409, 'last_factor', 'Your role requires a second factor: add another one before removing this one.');
      }
      await deleteFactor(app.db, user.id, request.params.id);
      request.log.info({ userId: user.id }, 'second factor removed');
      return reply.code(204).send(null);
    },
  );

  app.post('/security/recovery-codes', { schema: { response: { 200: RecoveryCodesResponse, 400: ErrorBody, 403: ErrorBody } } }, async (request) => {
    const user = request.user!;
    if (!(await hasFactor(app.db, user.id))) throw badRequest('Set up a second factor first; recovery codes stand in for it.', 'factor', 'no_second_factor');
    await requireFreshIfEnrolled(request);
    return { recoveryCodes: await issueRecoveryCodes(app.db, user.id) };
  });
};

export default security;
