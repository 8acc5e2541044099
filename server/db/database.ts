// One small database interface over PGlite (embedded, the default) and PostgreSQL (`pg`, when
// DATABASE_URL is set), so the same migrations and queries run on both.
import { existsSync, readFileSync } from 'node:fs';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import { pg_trgm } from '@electric-sql/pglite/contrib/pg_trgm';
import pg from 'pg';
import { PgListener, type ListenEvents } from './pg-listener.ts';

export interface Queryable {
  /** One statement with $1… parameters; returns the rows. */
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  /** A script of several statements without parameters (migrations). */
  exec(script: string): Promise<void>;
}

export interface Database extends Queryable {
  /** Runs fn in a transaction: committed when fn resolves, rolled back when it throws. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  /**
   * Takes the session-level advisory lock `key` without waiting: the release function, or
   * undefined when another holder has it. On PostgreSQL the lock lives on one pooled connection
   * kept aside until released, so a process that dies loses it with its connection. PGlite is
   * one process's database, so an in-process set stands in for the lock there.
   */
  tryAdvisoryLock(key: number): Promise<(() => Promise<void>) | undefined>;
  /**
   * LISTEN on `channel`: `onMessage` gets the payload of every NOTIFY on it, from this process or
   * (PostgreSQL) any other on the same database, once the notifying transaction commits. Returns
   * the unlisten. PostgreSQL: one dedicated connection per Database that reconnects and LISTENs
   * again after a loss (server/db/pg-listener.ts); PGlite: its own in-process LISTEN.
   */
  listen(channel: string, onMessage: (payload: string) => void, events?: ListenEvents): Promise<() => Promise<void>>;
  /** NOTIFY outside a transaction; inside one, use notifyIn(tx, …): delivered on commit only. */
  notify(channel: string, payload: string): Promise<void>;
  close(): Promise<void>;
}

/** NOTIFY through `q` (a transaction: announced when it commits, never when it rolls back). */
export async function notifyIn(q: Queryable, channel: string, payload: string): Promise<void> {
  await q.query('SELECT pg_notify($1, $2)', [channel, payload]);
}

export type DatabaseSettings = { kind: 'pglite'; dir: string } | { kind: 'postgres'; url: string };

export async function openDatabase(settings: DatabaseSettings): Promise<Database> {
  return settings.kind === 'postgres' ? openPostgres(settings.url) : openPglite(settings.dir);
}

// A new PGlite cluster runs initdb, which takes 4-9 s on this kind of machine; restoring an
// empty, already initialised cluster from a tarball takes under a second. The tarball is made
// once per machine and PGlite version and kept in node_modules/.cache, so tests (a fresh
// in-memory database per file) and a first `npm start` don't pay for initdb each time.
const pglitePackage = join(dirname(fileURLToPath(import.meta.resolve('@electric-sql/pglite'))), '..', 'package.json');
const pgliteVersion = (JSON.parse(readFileSync(pglitePackage, 'utf8')) as { version: string }).version;
const templatePath = join(process.cwd(), 'node_modules', '.cache', 'pglite', `empty-cluster-${pgliteVersion}.tar`);
let template: Promise<Blob> | undefined;

function emptyClusterTemplate(): Promise<Blob> {
  template ??= (async () => {
    try {
      return new Blob([await readFile(templatePath)]);
    } catch {
      const fresh = await PGlite.create('memory://');
      const blob = await fresh.dumpDataDir('none');
      await fresh.close();
      await mkdir(join(templatePath, '..'), { recursive: true });
      const partial = `${templatePath}.${process.pid}.tmp`;
      await writeFile(partial, Buffer.from(await blob.arrayBuffer()));
      await rename(partial, templatePath); // atomic: parallel test workers never read half a file
      return blob;
    }
  })();
  return template;
}

/**
 * PGlite's own start parameters plus memory settings for one embedded session
 * (docs/decisions/120-pglite-memory.md). PostgreSQL's default shared_buffers (128MB) is the
 * largest part of the app's idle RSS on PGlite, as the buffer pool lives in the process's WASM
 * memory and its pages become resident as they are used; one backend needs far less.
 */
export const PGLITE_MEMORY_SETTINGS = ['shared_buffers=16MB'];
const pgliteStartParams = (): string[] => [
  ...PGlite.defaultStartParams,
  ...PGLITE_MEMORY_SETTINGS.flatMap((s) => ['-c', s]),
];

async function openPglite(dir: string): Promise<Database> {
  const inMemory = dir.startsWith('memory://');
  if (!inMemory) await mkdir(dir, { recursive: true });
  const isNew = inMemory || !existsSync(join(dir, 'PG_VERSION'));
  // pg_trgm: the card index's substring search on cardholder names and emails (migration 020).
  const extensions = { pg_trgm };
  const options = { extensions, startParams: pgliteStartParams() };
  const db = await PGlite.create(dir, isNew ? { loadDataDir: await emptyClusterTemplate(), ...options } : options);
  const heldLocks = new Set<number>();
  return {
    async query<T>(sql: string, params: unknown[] = []) {
      return (await db.query<T>(sql, params)).rows;
    },
    async exec(script) {
      await db.exec(script);
    },
    async transaction(fn) {
      return db.transaction((tx) =>
        fn({
          async query<T>(sql: string, params: unknown[] = []) {
            return (await tx.query<T>(sql, params)).rows;
          },
          async exec(script) {
            await tx.exec(script);
          },
        }),
      );
    },
    async tryAdvisoryLock(key) {
      if (heldLocks.has(key)) return undefined;
      heldLocks.add(key);
      return async () => {
        heldLocks.delete(key);
      };
    },
    async listen(channel, onMessage) {
      const unlisten = await db.listen(channel, onMessage);
      return async () => {
        if (!db.closed) await unlisten();
      };
    },
    async notify(channel, payload) {
      await db.query('SELECT pg_notify($1, $2)', [channel, payload]);
    },
    async close() {
      if (!db.closed) await db.close();
    },
  };
}

async function openPostgres(url: string): Promise<Database> {
  const pool = new pg.Pool({ connectionString: url, max: 10 });
  // An idle client's error (server restart) must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const listener = new PgListener(url);
  const client = (c: pg.Pool | pg.PoolClient): Queryable => ({
    async query<T>(sql: string, params: unknown[] = []) {
      return (await c.query(sql, params)).rows as T[];
    },
    async exec(script) {
      await c.query(script);
    },
  });
  return {
    ...client(pool),
    async transaction(fn) {
      const conn = await pool.connect();
      try {
        await conn.query('BEGIN');
        const result = await fn(client(conn));
        await conn.query('COMMIT');
        return result;
      } catch (error) {
        await conn.query('ROLLBACK').catch(() => {});
        throw error;
      } finally {
        conn.release();
      }
    },
    async tryAdvisoryLock(key) {
      const conn = await pool.connect();
      try {
        const [row] = (await conn.query<{ locked: boolean }>('SELECT pg_try_advisory_lock($1) AS locked', [key])).rows;
        if (!row?.locked) {
          conn.release();
          return undefined;
        }
      } catch (error) {
        conn.release();
        throw error;
      }
      return async () => {
        try {
          await conn.query('SELECT pg_advisory_unlock($1)', [key]);
          conn.release();
        } catch (error) {
          conn.release(error as Error); // the connection (and with it the lock) is dropped
        }
      };
    },
    listen: (channel, onMessage, events) => listener.listen(channel, onMessage, events),
    notify(channel, payload) {
      return notifyIn(client(pool), channel, payload);
    },
    async close() {
      await listener.close();
      await pool.end();
    },
  };
}
