import cookie from '@fastify/cookie';
import fp from 'fastify-plugin';

// Cookies are parsed only; the session cookie carries its own JWT signature (plugins/app/auth.ts).
export default fp(
  async (app) => {
    await app.register(cookie);
  },
  { name: 'cookie' },
);
