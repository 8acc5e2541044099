// Whether the database answers, for GET /readyz (server/routes/health.ts).
import type { Queryable } from './database.ts';

/** True when a trivial statement comes back; false on any error (never throws). */
export function databaseAnswers(db: Queryable): Promise<boolean> {
  return db.query('SELECT 1').then(
    () => true,
    () => false,
  );
}
