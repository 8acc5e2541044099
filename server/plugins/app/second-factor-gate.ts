import fp from 'fastify-plugin';
import { HttpError } from '../../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The clock of second-factor checks (ms since the epoch); tests fix it. */
    now: () => number;
  }
}

/**
 * Keeps a session whose second factor is not settled to the few routes marked for it in
 * shared/route-table.ts (`beforeSecondFactor`): a `pending` sign-in may only complete the check,
 * read /api/me or sign out; a session whose role must enrol may also use the Security page's
 * enrolment routes. Runs before the route guard, so such a session learns nothing else.
 */
export default fp<{ now?: () => number }>(
  async (app, opts) => {
    app.decorate('now', opts.now ?? Date.now);

    app.addHook('preValidation', async (request) => {
      const entry = request.routeOptions.config.routeEntry;
      if (!entry || entry.rule === 'public' || !request.user) return;
      const { state } = request.secondFactor;
      if (state === 'complete' || entry.beforeSecondFactor === 'sign-in') return;
      if (state === 'pending') {
        throw new HttpError(
          401,
          'second_factor_required',
          'Finish signing in: enter a code from your authenticator app, a recovery code, or use your passkey.',
        );
      }
      if (entry.beforeSecondFactor === 'enrolment') return;
      throw new HttpError(
        403,
        'second_factor_enrollment_required',
        'Set up a second factor on the Security page first: your role requires one.',
      );
    });
  },
  { name: 'second-factor-gate', dependencies: ['auth'] },
);
