// Where the database is.
import type { Config } from '../config.ts';
import { ConfigError, read, type Env } from './read.ts';

/**
 * Where the database is: DATABASE_URL (PostgreSQL), else the PGlite directory PGLITE_DIR
 * (default data/pglite). The server and the CLI scripts (`npm run users`, `npm run audit:verify`)
 * read it through this one function, so they agree on it.
 */
export function databaseFrom(env: Env): Config['database'] {
  const databaseUrl = read(env, 'DATABASE_URL');
  if (databaseUrl !== undefined && !/^postgres(ql)?:\/\//.test(databaseUrl)) {
    throw new ConfigError('DATABASE_URL', 'must be a postgres:// or postgresql:// URL');
  }
  return databaseUrl !== undefined
    ? { kind: 'postgres', url: databaseUrl }
    : { kind: 'pglite', dir: read(env, 'PGLITE_DIR') ?? 'data/pglite' };
}
