import rateLimit from '@fastify/rate-limit';
import fp from 'fastify-plugin';
import { tooManyRequests } from '../../errors.ts';

// Not global: only routes that ask for it (login) are limited, each with its own key.
// The store is in memory, i.e. per instance; see docs/decisions/002-sessions.md and 010-session-rotation-and-login-throttle.md.
export default fp(
  async (app) => {
    await app.register(rateLimit, {
      global: false,
      errorResponseBuilder: (_request, context) =>
        Object.assign(tooManyRequests(`Too many attempts. Try again in ${context.after}.`), { statusCode: 429 }),
    });
  },
  { name: 'rate-limit' },
);
