// `npm run schema:snapshot`: migrates a fresh in-memory PGlite and writes the schema it ends with
// to server/db/schema.sql (server/db/schema-snapshot.ts). Run it after adding a migration;
// test/server/schema-snapshot.test.ts fails while the file is behind. Touches no real database.
import { writeFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { openDatabase } from '../server/db/database.ts';
import { migrate } from '../server/db/migrate.ts';
import { schemaSnapshot } from '../server/db/schema-snapshot.ts';

const SCHEMA_FILE = fileURLToPath(new URL('../server/db/schema.sql', import.meta.url));

const db = await openDatabase({ kind: 'pglite', dir: 'memory://' });
try {
  await migrate(db);
  await writeFile(SCHEMA_FILE, await schemaSnapshot(db));
  console.log(`Wrote ${SCHEMA_FILE}.`);
} finally {
  await db.close();
}
