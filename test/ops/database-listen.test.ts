// Database.listen/notify on every backend (issue 18 item 6): what live activity is fanned out
// through. A NOTIFY made in a transaction is heard once by every listener once the transaction
// commits, never when it rolls back; on PostgreSQL every process's listener hears it, and a
// listener whose connection is killed reconnects and LISTENs again.
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { Database } from '../../server/db/database.ts';
import { BACKENDS } from './databases.ts';

const settle = (ms = 150) => new Promise((r) => setTimeout(r, ms));

async function until(ok: () => boolean | Promise<boolean>, ms: number, what: string): Promise<void> {
  const deadline = Date.now() + ms;
  while (!(await ok())) {
    if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms`);
    await settle(25);
  }
}

describe.each(BACKENDS)('listen/notify on $name', (backend) => {
  let db: Database;
  let drop: () => Promise<void>;
  let url: string | undefined;

  beforeAll(async () => {
    ({ db, drop, url } = await backend.create());
  });
  afterAll(async () => {
    await drop?.();
  });

  test('a NOTIFY in a transaction is heard once, after the commit; one rolled back is never heard', async () => {
    const heard: string[] = [];
    const unlisten = await db.listen('test_channel', (payload) => heard.push(payload));
    let insideTransaction: number | undefined;
    await db.transaction(async (tx) => {
      await tx.query('SELECT pg_notify($1, $2)', ['test_channel', 'committed']);
      await settle();
      insideTransaction = heard.length;
    });
    await until(() => heard.length > 0, 5_000, 'the committed notification was not heard');
    await expect(
      db.transaction(async (tx) => {
        await tx.query('SELECT pg_notify($1, $2)', ['test_channel', 'rolled back']);
        throw new Error('the webhook failed');
      }),
    ).rejects.toThrow('the webhook failed');
    await db.notify('test_channel', 'outside');
    await until(() => heard.includes('outside'), 5_000, 'the plain notification was not heard');
    await settle();
    expect(insideTransaction).toBe(0);
    expect(heard).toEqual(['committed', 'outside']);

    // Unlistened: nothing more arrives.
    await unlisten();
    await db.notify('test_channel', 'after unlisten');
    await settle(300);
    expect(heard).toEqual(['committed', 'outside']);
  });

  if (backend.name === 'postgres')
    test('every process hears each NOTIFY once, the sender included', async () => {
      const { openDatabase } = await import('../../server/db/database.ts');
      const others = await Promise.all([
        openDatabase({ kind: 'postgres', url: url! }),
        openDatabase({ kind: 'postgres', url: url! }),
      ]);
      try {
        const heard: string[][] = [[], [], []];
        const unlistens = await Promise.all(
          [db, ...others].map((d, i) => d.listen('fanout', (p) => heard[i]!.push(p))),
        );
        await others[1].transaction((tx) => tx.query('SELECT pg_notify($1, $2)', ['fanout', 'from the third']));
        await until(() => heard.every((h) => h.length > 0), 5_000, 'not every process heard it');
        await settle(300);
        expect(heard).toEqual([['from the third'], ['from the third'], ['from the third']]);
        await Promise.all(unlistens.map((u) => u()));
      } finally {
        await Promise.all(others.map((d) => d.close()));
      }
    });

  if (backend.name === 'postgres')
    test('the listener survives its connection being killed: it reconnects and LISTENs again', async () => {
      const heard: string[] = [];
      const errors: string[] = [];
      let reconnects = 0;
      const unlisten = await db.listen('survivor', (p) => heard.push(p), {
        onError: (e) => errors.push(e.message),
        onReconnect: () => reconnects++,
      });
      const admin = new pg.Client({ connectionString: url });
      await admin.connect();
      try {
        const listeners = async () =>
          (
            await admin.query<{ pid: number }>(
              `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
            )
          ).rows.map((r) => r.pid);
        const before = await listeners();
        expect(before).toHaveLength(1);
        await admin.query('SELECT pg_terminate_backend($1)', [before[0]]);
        // The new connection's LISTEN shows in pg_stat_activity as soon as PostgreSQL runs it; the
        // listener tells its watchers (onReconnect) a moment later, once the LISTEN has answered.
        await until(
          async () => {
            const now = await listeners();
            return now.length === 1 && now[0] !== before[0] && reconnects > 0;
          },
          10_000,
          'no new LISTEN connection',
        );
        expect(errors.length).toBeGreaterThan(0);
        expect(reconnects).toBe(1);
        await db.notify('survivor', 'after the drop');
        await until(() => heard.length > 0, 5_000, 'the notification after the drop was not heard');
        expect(heard).toEqual(['after the drop']);
      } finally {
        await admin.end();
        await unlisten();
      }
    });
});
