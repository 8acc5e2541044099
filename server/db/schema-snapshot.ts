// The schema after every migration, as text read from the catalog: what server/db/schema.sql
// holds, so a reader sees the tables without replaying 30 migrations, and a review sees what a
// new migration changed. Written by `npm run schema:snapshot` (scripts/schema-snapshot.ts) and
// compared by test/server/schema-snapshot.test.ts. Everything is sorted by name, so the text
// depends on the schema only, not on the order objects were made in (columns keep their table
// order: it is part of the schema). Objects of extensions (pg_trgm's functions and types) are
// left out: they are the extension's, not ours.
import type { Queryable } from './database.ts';

const HEADER = `-- The database schema after all migrations (server/db/migrations), read from the catalog of a
-- freshly migrated database. Generated: do not edit; run \`npm run schema:snapshot\` after adding a
-- migration (test/server/schema-snapshot.test.ts fails until this file matches). A picture of the
-- schema, not a script to run: foreign keys are listed with their table, functions by signature.`;

/** A column as the catalog describes it (pg_attribute, its default, identity and generation). */
interface ColumnRow {
  table_name: string;
  column_name: string;
  type: string;
  not_null: boolean;
  default_expr: string | null;
  identity: string;
  generated: string;
}

/** The snapshot's text for the database `db` (public schema). */
export async function schemaSnapshot(db: Queryable): Promise<string> {
  const [migrations, extensions, tables, columns, constraints, indexes, triggers, functions] = await Promise.all([
    db.query<{ version: number; name: string }>('SELECT version, name FROM schema_migrations ORDER BY version'),
    db.query<{ extname: string }>(`SELECT extname FROM pg_extension WHERE extname <> 'plpgsql' ORDER BY extname`),
    db.query<{ table_name: string }>(
      `SELECT c.relname AS table_name FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') ORDER BY c.relname`,
    ),
    db.query<ColumnRow>(
      `SELECT c.relname AS table_name, a.attname AS column_name, format_type(a.atttypid, a.atttypmod) AS type,
              a.attnotnull AS not_null, pg_get_expr(d.adbin, d.adrelid) AS default_expr,
              a.attidentity AS identity, a.attgenerated AS generated
       FROM pg_attribute a
       JOIN pg_class c ON c.oid = a.attrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       LEFT JOIN pg_attrdef d ON d.adrelid = a.attrelid AND d.adnum = a.attnum
       WHERE n.nspname = 'public' AND c.relkind IN ('r', 'p') AND a.attnum > 0 AND NOT a.attisdropped
       ORDER BY c.relname, a.attnum`,
    ),
    // NOT NULL is shown on the column (PostgreSQL 18 also lists it as a constraint, earlier versions do not).
    db.query<{ table_name: string; name: string; definition: string }>(
      `SELECT c.relname AS table_name, k.conname AS name, pg_get_constraintdef(k.oid) AS definition
       FROM pg_constraint k
       JOIN pg_class c ON c.oid = k.conrelid
       JOIN pg_namespace n ON n.oid = c.relnamespace
       WHERE n.nspname = 'public' AND k.contype <> 'n'
       ORDER BY c.relname, k.conname`,
    ),
    // Indexes of their own; those behind a primary key or unique constraint are the constraint's.
    db.query<{ definition: string }>(
      `SELECT pg_get_indexdef(i.indexrelid) AS definition
       FROM pg_index i
       JOIN pg_class x ON x.oid = i.indexrelid
       JOIN pg_class t ON t.oid = i.indrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public' AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
       ORDER BY t.relname, x.relname`,
    ),
    db.query<{ definition: string }>(
      `SELECT pg_get_triggerdef(g.oid) AS definition
       FROM pg_trigger g
       JOIN pg_class t ON t.oid = g.tgrelid
       JOIN pg_namespace n ON n.oid = t.relnamespace
       WHERE n.nspname = 'public' AND NOT g.tgisinternal
       ORDER BY t.relname, g.tgname`,
    ),
    db.query<{ name: string; args: string; result: string; language: string; volatility: string }>(
      `SELECT p.proname AS name, pg_get_function_identity_arguments(p.oid) AS args,
              pg_get_function_result(p.oid) AS result, l.lanname AS language,
              CASE p.provolatile WHEN 'i' THEN 'IMMUTABLE' WHEN 's' THEN 'STABLE' ELSE 'VOLATILE' END AS volatility
       FROM pg_proc p
       JOIN pg_namespace n ON n.oid = p.pronamespace
       JOIN pg_language l ON l.oid = p.prolang
       WHERE n.nspname = 'public'
         AND NOT EXISTS (SELECT 1 FROM pg_depend e WHERE e.classid = 'pg_proc'::regclass AND e.objid = p.oid AND e.deptype = 'e')
       ORDER BY p.proname, pg_get_function_identity_arguments(p.oid)`,
    ),
  ]);

  const out: string[] = [HEADER, ''];
  out.push(`-- Migrations applied: ${migrations.length}, the last ${migrations.at(-1)?.name ?? 'none'}.`);
  for (const e of extensions) out.push(`CREATE EXTENSION ${e.extname};`);
  out.push('');

  for (const { table_name: table } of tables) {
    const lines = columns.filter((c) => c.table_name === table).map((c) => `  ${column(c)}`);
    for (const k of constraints.filter((k) => k.table_name === table))
      lines.push(`  CONSTRAINT ${k.name} ${k.definition}`);
    out.push(`CREATE TABLE ${table} (`, lines.join(',\n'), ');', '');
  }

  out.push('-- Indexes (those of primary keys and unique constraints are listed with their table).');
  for (const i of indexes) out.push(`${i.definition};`);
  out.push('', '-- Triggers.');
  for (const t of triggers) out.push(`${t.definition};`);
  out.push('', '-- Functions (signatures; the bodies are in the migrations).');
  for (const f of functions)
    out.push(`FUNCTION ${f.name}(${f.args}) RETURNS ${f.result} LANGUAGE ${f.language} ${f.volatility};`);
  return `${out.join('\n')}\n`;
}

function column(c: ColumnRow): string {
  const parts = [c.column_name, c.type];
  if (c.not_null) parts.push('NOT NULL');
  if (c.generated === 's') parts.push(`GENERATED ALWAYS AS (${c.default_expr}) STORED`);
  else if (c.default_expr !== null) parts.push(`DEFAULT ${c.default_expr}`);
  if (c.identity === 'a') parts.push('GENERATED ALWAYS AS IDENTITY');
  if (c.identity === 'd') parts.push('GENERATED BY DEFAULT AS IDENTITY');
  return parts.join(' ');
}
