import fp from 'fastify-plugin';
import { openDatabase, type Database } from '../../db/database.ts';
import { migrate } from '../../db/migrate.ts';

declare module 'fastify' {
  interface FastifyInstance {
    db: Database;
  }
}

// Opens the database (or takes the one passed in), brings its schema up to date and closes it
// with the app. A database passed in belongs to the caller, who closes it.
export default fp<{ db?: Database }>(
  async (app, opts) => {
    const db = opts.db ?? (await openDatabase(app.config.database));
    const applied = await migrate(db);
    if (applied.length) app.log.info({ migrations: applied }, 'database migrated');
    app.decorate('db', db);
    if (!opts.db) app.addHook('onClose', async () => db.close());
  },
  { name: 'db', dependencies: ['config'] },
);
