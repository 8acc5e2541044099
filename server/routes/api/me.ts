import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { MeResponse } from '../../../shared/api.ts';
import { policyFor } from '../../../shared/policy.ts';
import { scopeFor } from '../../domain/access.ts';
import { passwordFreshUntilMs } from '../../domain/reauthentication.ts';
import {
  enrolledMethods,
  freshUntilMs,
  secondFactorRequired,
  stepUpMaxAgeSeconds,
} from '../../domain/second-factor.ts';

const me: FastifyPluginAsync = async (app) => {
  const secondFactorOf = async (request: FastifyRequest) => {
    const user = request.user!;
    const { state, verifiedAt } = request.secondFactor;
    const until = freshUntilMs(app.config, verifiedAt);
    // The password's proof on its own clock (the session's, Date.now), as requireOwnerCheck reads it.
    const passwordUntil = await passwordFreshUntilMs(app, request);
    return {
      enrolled: await enrolledMethods(app.db, user.id),
      freshUntil: until !== null && until > app.now() ? new Date(until).toISOString() : null,
      passwordFreshUntil:
        passwordUntil !== null && passwordUntil > Date.now() ? new Date(passwordUntil).toISOString() : null,
      pending: state === 'pending' ? ('sign-in' as const) : state === 'enrol' ? ('enrolment' as const) : null,
      required: secondFactorRequired(app.config, user.role),
      stepUpMaxAgeSeconds: stepUpMaxAgeSeconds(app.config),
      stepUp: { ...policyFor(user.role).secondFactor.stepUp },
    };
  };

  app.get('/me', { schema: { response: { 200: MeResponse } } }, async (request) => {
    const user = request.user!;
    const scope = await scopeFor(app.db, user);
    const policy = policyFor(user.role);
    const displayTimeoutSeconds =
      app.config.revealDisplayTimeoutSeconds ?? policy.permissions.reveal.displayTimeoutSeconds;
    return {
      user: { id: user.id, email: user.email, role: user.role },
      accounts: scope.kind === 'memberships' ? scope.memberships : ('all' as const),
      accountScope: scope.kind,
      permissions: {
        ...policy.permissions,
        reveal: {
          ...policy.permissions.reveal,
          cardTypes: [...policy.permissions.reveal.cardTypes],
          displayTimeoutSeconds,
        },
      },
      secondFactor: await secondFactorOf(request),
    };
  });
};

export default me;
