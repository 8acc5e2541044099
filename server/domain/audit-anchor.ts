// The audit chain's anchor (docs/decisions/091-audit-chain-anchor.md). The hash chain proves rows
// were not changed in place, but rows cut from its end leave a shorter chain that still verifies.
// So the app writes signed checkpoints of the chain's head — {seq, hash, at} with an HMAC whose
// key the database does not hold — to the log and to an append-only file kept where the database
// user cannot rewrite it; `npm run audit:verify` fails when the chain is behind its newest
// checkpoint or differs from it.
import { createHash, createHmac, timingSafeEqual } from 'node:crypto';
import { mkdir, open, readFile, stat } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';
import type { DatabaseSettings } from '../db/database.ts';

export interface Checkpoint {
  v: 1;
  seq: number;
  hash: string;
  /** When the head was read (ISO 8601). */
  at: string;
  /** Which key signed it: the first 16 hex digits of a hash of the key (not the key). */
  kid: string;
  sig: string;
}

/** How often the app checkpoints the head (when it moved): rows newer than this can still be cut unseen. */
export const AUDIT_ANCHOR_INTERVAL_MS = 5_000;

export interface AnchorKey {
  key: Buffer;
  kid: string;
}

/**
 * The signing key, derived from AUDIT_ANCHOR_KEY or SESSION_SECRET (never used as is: the
 * derivation keeps the two uses apart, and a checkpoint reveals nothing about the secret).
 */
export function anchorKey(secret: string): AnchorKey {
  const key = createHmac('sha256', secret).update('cid-audit-anchor-key:v1').digest();
  return { key, kid: createHash('sha256').update('kid|').update(key).digest('hex').slice(0, 16) };
}

const signed = (c: Pick<Checkpoint, 'seq' | 'hash' | 'at'>) => `cid-audit-anchor:v1|${c.seq}|${c.hash}|${c.at}`;

export function signCheckpoint(k: AnchorKey, head: { seq: number; hash: string }, at = new Date()): Checkpoint {
  const body = { seq: head.seq, hash: head.hash, at: at.toISOString() };
  return { v: 1, ...body, kid: k.kid, sig: createHmac('sha256', k.key).update(signed(body)).digest('hex') };
}

/** Whether this key signed the checkpoint (constant-time comparison). */
export function checkpointSigned(k: AnchorKey, c: Checkpoint): boolean {
  const expected = createHmac('sha256', k.key).update(signed(c)).digest();
  const given = Buffer.from(c.sig, 'hex');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * Where checkpoints go by default: beside a PGlite directory (data/pglite ->
 * data/pglite-audit-anchors.jsonl); nowhere but the log for an in-memory PGlite or PostgreSQL,
 * whose deployments choose a place the database user cannot rewrite (AUDIT_ANCHOR_FILE).
 */
export function defaultAnchorFile(database: DatabaseSettings): string | null {
  if (database.kind !== 'pglite' || database.dir.startsWith('memory://')) return null;
  const dir = database.dir.replace(/\/+$/, '');
  return join(dirname(dir), `${basename(dir)}-audit-anchors.jsonl`);
}

/**
 * The anchor file as AUDIT_ANCHOR_FILE says (`off`: none), else the default. Shared by the app's
 * configuration and `npm run audit:verify`, so both look at the same file.
 */
export function anchorFileFrom(value: string | undefined, database: DatabaseSettings): string | null {
  const v = value?.trim();
  if (v === 'off') return null;
  return v ? v : defaultAnchorFile(database);
}

/**
 * Appends one checkpoint line (O_APPEND: whole lines, several instances may share the file). A
 * line left unfinished by a crash is closed first, so it cannot swallow this one.
 */
export async function appendCheckpoint(file: string, checkpoint: Checkpoint): Promise<void> {
  await mkdir(dirname(file), { recursive: true });
  const handle = await open(file, 'a+', 0o640);
  try {
    const { size } = await handle.stat();
    let prefix = '';
    if (size > 0) {
      const last = Buffer.alloc(1);
      await handle.read(last, 0, 1, size - 1);
      if (last[0] !== 0x0a) prefix = '\n';
    }
    await handle.write(`${prefix}${JSON.stringify(checkpoint)}\n`);
  } finally {
    await handle.close();
  }
}

export interface AnchorFileReading {
  /** Checkpoints this key signed, in file order. */
  checkpoints: Checkpoint[];
  /** Lines that are checkpoints but not this key's: the file was written to by someone else, or the key changed. */
  foreign: { line: number; kid: string }[];
  /** Lines that are no checkpoint at all (a line cut short by a crash). */
  unreadable: number[];
}

/** The file's checkpoints, or null when there is no file yet. */
export async function readCheckpoints(file: string, k: AnchorKey): Promise<AnchorFileReading | null> {
  try {
    await stat(file);
  } catch {
    return null;
  }
  const reading: AnchorFileReading = { checkpoints: [], foreign: [], unreadable: [] };
  const lines = (await readFile(file, 'utf8')).split('\n');
  lines.forEach((text, i) => {
    if (text.trim() === '') return;
    const c = parseCheckpoint(text);
    if (!c) reading.unreadable.push(i + 1);
    else if (checkpointSigned(k, c)) reading.checkpoints.push(c);
    else reading.foreign.push({ line: i + 1, kid: c.kid });
  });
  return reading;
}

function parseCheckpoint(text: string): Checkpoint | null {
  try {
    const c = JSON.parse(text) as Partial<Checkpoint>;
    const ok =
      c.v === 1 &&
      Number.isSafeInteger(c.seq) &&
      c.seq! >= 0 &&
      typeof c.hash === 'string' &&
      /^[0-9a-f]{64}$/.test(c.hash) &&
      typeof c.at === 'string' &&
      typeof c.kid === 'string' &&
      typeof c.sig === 'string' &&
      /^[0-9a-f]{64}$/.test(c.sig);
    return ok ? (c as Checkpoint) : null;
  } catch {
    return null;
  }
}

/** The checkpoint furthest along the chain (the one that proves the most rows). */
export function newestCheckpoint(checkpoints: readonly Checkpoint[]): Checkpoint | null {
  return checkpoints.reduce<Checkpoint | null>((best, c) => (!best || c.seq > best.seq ? c : best), null);
}

/**
 * Compares the chain with a checkpoint: null when the chain reaches it with the same hash, else
 * what is wrong in words an operator acts on.
 */
export function anchorProblem(
  checkpoint: Checkpoint,
  head: { seq: number } | null,
  hashAtSeq: string | null,
): string | null {
  const headSeq = head?.seq ?? 0;
  if (headSeq < checkpoint.seq) {
    return `the trail ends at seq ${headSeq} but checkpoint says ${checkpoint.seq} (rows cut; checkpoint of ${checkpoint.at})`;
  }
  if (hashAtSeq !== checkpoint.hash) {
    return `row ${checkpoint.seq}'s hash ${hashAtSeq ?? '(none)'} differs from checkpoint's ${checkpoint.hash} (the trail was rebuilt; checkpoint of ${checkpoint.at})`;
  }
  return null;
}
