import type { FastifyPluginAsync } from 'fastify';
import { MeResponse } from '../../../shared/api.ts';
import { policyFor } from '../../../shared/policy.ts';
import { scopeFor } from '../../domain/access.ts';

const me: FastifyPluginAsync = async (app) => {
  app.get('/me', { schema: { response: { 200: MeResponse } } }, async (request) => {
    const user = request.user!;
    const scope = await scopeFor(app.db, user);
    const policy = policyFor(user.role);
    const displayTimeoutSeconds = app.config.revealDisplayTimeoutSeconds ?? policy.permissions.reveal.displayTimeoutSeconds;
    return {
      user: { id: user.id, email: user.email, role: user.role },
      accounts: scope.kind === 'memberships' ? scope.memberships : ('all' as const),
      accountScope: scope.kind,
      permissions: { ...policy.permissions, reveal: { ...policy.permissions.reveal, cardTypes: [...policy.permissions.reveal.cardTypes], displayTimeoutSeconds } },
    };
  });
};

export default me;
