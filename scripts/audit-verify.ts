// `npm run audit:verify`: proves the audit trail's hash chain (docs/decisions/090-audit-trail.md)
// or names the first row that does not fit; checks that the chain reaches its newest signed
// checkpoint with the same hash (rows cut from the end, or a rebuilt chain; decision 091); and
// that the reveal log (reveal_audit) says what the chain says. Database: DATABASE_URL
// (postgres://…) or the PGlite directory PGLITE_DIR (default data/pglite; stop the server first,
// PGlite is single-process). Checkpoints: AUDIT_ANCHOR_FILE (as the app has it), signed with
// AUDIT_ANCHOR_KEY or, unset, SESSION_SECRET (emulator mode: the secret the database keeps).
// Exit 0: intact; 1: broken (what and where is named); 2: could not check.
import { existsSync } from 'node:fs';
import { auditHashAt, auditHead, compareRevealLog, verifyAuditChain } from '../server/db/audit-trail.ts';
import { openDatabase, type Database, type DatabaseSettings } from '../server/db/database.ts';
import { databaseFrom } from '../server/config.ts';
import { migrate } from '../server/db/migrate.ts';
import { storedSetting } from '../server/db/settings.ts';
import {
  anchorFileFrom,
  anchorKey,
  anchorProblem,
  newestCheckpoint,
  readCheckpoints,
} from '../server/domain/audit-anchor.ts';

/** The server's own reading of DATABASE_URL / PGLITE_DIR (server/config.ts), so both open the same database. */
function settings(): DatabaseSettings {
  return databaseFrom(process.env);
}

/** The anchor key's secret, as the app finds it (plugins/app/audit-anchor.ts). */
async function anchorSecret(db: Database): Promise<string | undefined> {
  const fromEnv = process.env.AUDIT_ANCHOR_KEY?.trim() || process.env.SESSION_SECRET?.trim();
  if (fromEnv) return fromEnv;
  return storedSetting(db, 'session_secret');
}

/** Problems with the chain's anchor and the reveal log; notes are printed either way. */
async function checkAnchorAndSources(db: Database, notes: string[]): Promise<string[] | 'unchecked'> {
  const problems: string[] = [];
  const dbSettings = settings();
  const file = anchorFileFrom(process.env.AUDIT_ANCHOR_FILE, dbSettings);
  if (!file) {
    notes.push(
      'Not anchored: no AUDIT_ANCHOR_FILE, so rows cut from the end cannot be seen here (the app logs its checkpoints: compare the head with the last "audit chain checkpoint" line).',
    );
  } else if (!existsSync(file)) {
    notes.push(`No checkpoints yet at ${file}.`);
  } else {
    const secret = await anchorSecret(db);
    if (!secret) {
      console.error(
        'Could not check the audit checkpoints: set AUDIT_ANCHOR_KEY (or SESSION_SECRET) as the app has it.',
      );
      return 'unchecked';
    }
    const key = anchorKey(secret);
    const reading = await readCheckpoints(file, key);
    if (!reading) {
      notes.push(`No checkpoints yet at ${file}.`);
    } else {
      for (const { line, kid } of reading.foreign) {
        problems.push(
          `${file} line ${line} is signed by another key (key id ${kid}, this one ${key.kid}): not written by this deployment, or AUDIT_ANCHOR_KEY / SESSION_SECRET is not the app's`,
        );
      }
      if (reading.unreadable.length)
        notes.push(`${file}: lines ${reading.unreadable.join(', ')} are no checkpoint (cut short?) and were skipped.`);
      const newest = newestCheckpoint(reading.checkpoints);
      if (newest) {
        const problem = anchorProblem(newest, await auditHead(db), await auditHashAt(db, newest.seq));
        if (problem) problems.push(problem);
        else
          notes.push(
            `Anchored: the chain reaches the newest checkpoint (row ${newest.seq}, ${newest.at}) with its hash; ${reading.checkpoints.length} checkpoints in ${file}.`,
          );
      } else if (!reading.foreign.length) {
        notes.push(`No checkpoints yet at ${file}.`);
      }
    }
  }
  for (const mismatch of await compareRevealLog(db)) problems.push(mismatch.problem);
  return problems;
}

async function main(): Promise<number> {
  let db: Database | undefined;
  try {
    db = await openDatabase(settings());
    await migrate(db);
    const check = await verifyAuditChain(db);
    if (!check.ok) {
      const { seq, id, problem } = check.firstBad;
      console.error(`Audit trail BROKEN at row ${seq} (${id}): ${problem}. ${check.rows} rows before it verified.`);
      return 1;
    }
    const head = check.head ? `; head row ${check.head.seq}, hash ${check.head.hash}` : '';
    console.log(`Audit trail intact: ${check.rows} rows verified${head}.`);
    const notes: string[] = [];
    const problems = await checkAnchorAndSources(db, notes);
    for (const note of notes) console.log(note);
    if (problems === 'unchecked') return 2;
    if (problems.length === 0) return 0;
    console.error(`Audit trail NOT TRUSTWORTHY:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    return 1;
  } catch (error) {
    console.error(`Could not verify the audit trail: ${(error as Error).message}`);
    return 2;
  } finally {
    await db?.close();
  }
}

process.exitCode = await main();
