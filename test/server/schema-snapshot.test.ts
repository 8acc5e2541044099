// server/db/schema.sql is the schema after all migrations (server/db/schema-snapshot.ts): a fresh
// database, migrated, must end with exactly that schema, or the file is behind a migration.
import { readFile } from 'node:fs/promises';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { schemaSnapshot } from '../../server/db/schema-snapshot.ts';

let db: Database;

beforeAll(async () => {
  db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
  await migrate(db);
});

afterAll(async () => {
  await db?.close();
});

test('server/db/schema.sql is the schema the migrations make', async () => {
  const stored = await readFile(new URL('../../server/db/schema.sql', import.meta.url), 'utf8');
  const actual = await schemaSnapshot(db);
  if (stored !== actual) {
    expect.fail(
      `server/db/schema.sql differs from the schema the migrations make: run npm run schema:snapshot (npx tsx scripts/schema-snapshot.ts) and commit the file.\n` +
        diffLines(stored, actual),
    );
  }
});

/** The first lines that differ, enough to see which table or function moved. */
function diffLines(stored: string, actual: string): string {
  const a = stored.split('\n');
  const b = actual.split('\n');
  const out: string[] = [];
  for (let i = 0; i < Math.max(a.length, b.length) && out.length < 20; i++) {
    if (a[i] !== b[i]) out.push(`line ${i + 1}:\n  file:     ${a[i] ?? '(end)'}\n  database: ${b[i] ?? '(end)'}`);
  }
  return out.join('\n');
}
