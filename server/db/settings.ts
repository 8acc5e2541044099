// Server-generated values kept in the database so that restarts and other instances agree.
import type { Queryable } from './database.ts';

/** Returns the stored value, storing `create()`'s result first if there is none (first writer wins). */
export async function getOrCreateSetting(db: Queryable, key: string, create: () => string): Promise<string> {
  await db.query('INSERT INTO app_settings (key, value) VALUES ($1, $2) ON CONFLICT (key) DO NOTHING', [key, create()]);
  return (await storedSetting(db, key))!;
}

/** The stored value, or undefined when none was stored yet (readers that must not create one). */
export async function storedSetting(db: Queryable, key: string): Promise<string | undefined> {
  const rows = await db.query<{ value: string }>('SELECT value FROM app_settings WHERE key = $1', [key]);
  return rows[0]?.value;
}
