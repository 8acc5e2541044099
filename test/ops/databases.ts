// The database backends the ops suites run against: in-memory PGlite always, and PostgreSQL
// when TEST_DATABASE_URL names a server (.ci/run starts one on loopback). Each PostgreSQL user
// of this helper gets a database of its own, created from that URL and dropped at the end, so
// test files running in parallel never see each other's rows.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openDatabase, type Database } from '../../server/db/database.ts';

export interface Backend {
  name: 'pglite' | 'postgres';
  /** A fresh, empty database; `drop()` removes it (PostgreSQL) after closing it. */
  create(): Promise<{ db: Database; url?: string; drop(): Promise<void> }>;
}

export const TEST_DATABASE_URL = process.env.TEST_DATABASE_URL?.trim() || undefined;

async function admin<T>(fn: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: TEST_DATABASE_URL });
  await client.connect();
  try {
    return await fn(client);
  } finally {
    await client.end();
  }
}

/** A new, empty PostgreSQL database on the TEST_DATABASE_URL server; returns its URL. */
export async function createPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  if (!TEST_DATABASE_URL) throw new Error('TEST_DATABASE_URL is not set');
  const name = `ops_${randomBytes(6).toString('hex')}`;
  await admin((c) => c.query(`CREATE DATABASE ${name}`));
  const url = new URL(TEST_DATABASE_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    drop: () => admin((c) => c.query(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`)).then(() => undefined),
  };
}

export const BACKENDS: Backend[] = [
  {
    name: 'pglite',
    async create() {
      const db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
      return { db, drop: () => db.close() };
    },
  },
  ...(TEST_DATABASE_URL
    ? [
        {
          name: 'postgres' as const,
          async create() {
            const created = await createPostgresDatabase();
            const db = await openDatabase({ kind: 'postgres', url: created.url });
            return {
              db,
              url: created.url,
              async drop() {
                await db.close();
                await created.drop();
              },
            };
          },
        },
      ]
    : []),
];
