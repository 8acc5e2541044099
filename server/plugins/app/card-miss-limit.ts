import fp from 'fastify-plugin';
import { CardMissLimit } from '../../domain/card-miss-limit.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** Per-user bound on lookups of cards that do not exist (server/domain/card-miss-limit.ts). */
    cardMisses: CardMissLimit;
  }
}

/** One bound per app instance (tests build several apps in one process: each has its own). */
export default fp(
  async (app) => {
    app.decorate('cardMisses', new CardMissLimit());
  },
  { name: 'card-miss-limit' },
);
