// Issue 17, item 12: the audit trail's tail could be cut, and the reveal log could disagree with
// the chain, with `npm run audit:verify` still green. Now the app anchors the chain's head in
// signed checkpoints (the log, and AUDIT_ANCHOR_FILE) that the real script checks, the audit page
// reads a reveal's outcome from the chained rows, and the script compares the reveal log with the
// chain (docs/decisions/091-audit-chain-anchor.md). On PGlite, and PostgreSQL when TEST_DATABASE_URL is set.
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { describe, expect, test } from 'vitest';
import { appendAudit } from '../../server/db/audit-trail.ts';
import { openDatabase, type DatabaseSettings } from '../../server/db/database.ts';
import { insertRevealAttempt, markDenied } from '../../server/db/reveal-audit.ts';
import { buildTestApp } from '../helpers/app.ts';
import { createPostgresDatabase, TEST_DATABASE_URL } from './databases.ts';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

interface Target {
  env: Record<string, string>;
  settings: DatabaseSettings;
  anchorFile: string;
  cleanup(): Promise<void>;
}

const targets = [
  {
    name: 'PGlite',
    async setup(): Promise<Target> {
      const dir = mkdtempSync(join(tmpdir(), 'audit-anchor-'));
      const anchorFile = join(dir, 'anchors', 'audit-anchors.jsonl');
      const key = randomBytes(32).toString('hex');
      const pglite = join(dir, 'pglite');
      return {
        env: { PGLITE_DIR: pglite, AUDIT_ANCHOR_FILE: anchorFile, AUDIT_ANCHOR_KEY: key },
        settings: { kind: 'pglite', dir: pglite },
        anchorFile,
        cleanup: async () => rmSync(dir, { recursive: true, force: true }),
      };
    },
  },
  ...(TEST_DATABASE_URL
    ? [
        {
          name: 'PostgreSQL',
          async setup(): Promise<Target> {
            const created = await createPostgresDatabase();
            const dir = mkdtempSync(join(tmpdir(), 'audit-anchor-'));
            const anchorFile = join(dir, 'audit-anchors.jsonl');
            return {
              env: {
                DATABASE_URL: created.url,
                AUDIT_ANCHOR_FILE: anchorFile,
                AUDIT_ANCHOR_KEY: randomBytes(32).toString('hex'),
              },
              settings: { kind: 'postgres', url: created.url },
              anchorFile,
              cleanup: async () => {
                await created.drop();
                rmSync(dir, { recursive: true, force: true });
              },
            };
          },
        },
      ]
    : []),
];

/** `npm run audit:verify` as an operator runs it, with the app's environment. */
async function verify(env: Record<string, string>): Promise<{ code: number; out: string }> {
  try {
    const { stdout, stderr } = await run('npm', ['run', '--silent', 'audit:verify'], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });
    return { code: 0, out: stdout + stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, out: e.stdout + e.stderr };
  }
}

/** The app on the target's database, an admin signed in (a sign_in row), for the duration of fn. */
async function withApp<T>(
  target: Target,
  fn: (t: Awaited<ReturnType<typeof buildTestApp>>, cookie: string) => Promise<T>,
): Promise<{ result: T; logs: string }> {
  const t = await buildTestApp(target.env);
  try {
    await t.createUser('anchor.admin@example.com', 'platform_admin');
    const cookie = await t.login('anchor.admin@example.com');
    const result = await fn(t, cookie);
    await t.close(); // shutdown checkpoints the last rows; PGlite is single-process: the script opens it next
    return { result, logs: t.logs() };
  } catch (error) {
    await t.close();
    throw error;
  }
}

const actor = { userId: 'usr_anchor', email: 'anchor.admin@example.com', role: 'platform_admin' };

describe.each(targets)('the audit chain’s anchor on $name', (spec) => {
  test('cutting rows from the trail’s end, or rebuilding it, turns audit:verify red', async () => {
    const target = await spec.setup();
    try {
      const { result: head, logs } = await withApp(target, async (t) => {
        for (let i = 0; i < 4; i += 1)
          await appendAudit(t.app.db, {
            kind: 'card.status_changed',
            actor,
            cardId: `ic_anchor${i}`,
            details: { before: 'active', after: 'inactive' },
          });
        const rows = await t.app.db.query<{ seq: string | number }>('SELECT max(seq) AS seq FROM audit_trail');
        return Number(rows[0]!.seq);
      });
      expect(head).toBeGreaterThanOrEqual(5);
      // The checkpoint is in the log (info) and in the anchor file: the head at shutdown.
      expect(logs).toContain('audit chain checkpoint');
      expect(logs).toContain(`"seq":${head},`);
      expect(existsSync(target.anchorFile)).toBe(true);

      const ok = await verify(target.env);
      expect(ok.out).toContain(`Anchored: the chain reaches the newest checkpoint (row ${head},`);
      expect(ok.code).toBe(0);

      // Someone with write access to the database deletes the last two rows: every remaining row
      // still chains, but the checkpoint says the trail went further.
      let db = await openDatabase(target.settings);
      await db.query('DELETE FROM audit_trail WHERE seq > $1', [head - 2]);
      await db.close();
      const cut = await verify(target.env);
      expect(cut.out).toContain(`the trail ends at seq ${head - 2} but checkpoint says ${head} (rows cut`);
      expect(cut.code).toBe(1);

      // …and appends rows of their own past the checkpoint: the chain is longer again, but not the one anchored.
      db = await openDatabase(target.settings);
      for (let i = 0; i < 3; i += 1) await appendAudit(db, { kind: 'sign_in', actor });
      await db.close();
      const rebuilt = await verify(target.env);
      expect(rebuilt.out).toContain(`row ${head}'s hash`);
      expect(rebuilt.out).toContain('differs from checkpoint');
      expect(rebuilt.code).toBe(1);
    } finally {
      await target.cleanup();
    }
  }, 180_000);

  test('a checkpoint added to the file by someone without the key is refused', async () => {
    const target = await spec.setup();
    try {
      await withApp(target, async () => undefined);
      expect(existsSync(target.anchorFile)).toBe(true);
      const genuine = JSON.parse(readFileSync(target.anchorFile, 'utf8').trim().split('\n').at(-1)!);
      // A forged "the trail is shorter" checkpoint, signed with another key.
      appendFileSync(
        target.anchorFile,
        `${JSON.stringify({ ...genuine, seq: 1, kid: 'ffffffffffffffff', sig: 'ab'.repeat(32) })}\n`,
      );
      const forged = await verify(target.env);
      expect(forged.out).toMatch(/line 2 is signed by another key/);
      expect(forged.code).toBe(1);
    } finally {
      await target.cleanup();
    }
  }, 120_000);

  test('relabelling a granted reveal in the reveal log (its trigger off): the audit page keeps the chain’s word, audit:verify names the row', async () => {
    const target = await spec.setup();
    try {
      const { result } = await withApp(target, async (t, cookie) => {
        const attempt = {
          userId: 'usr_agent',
          email: 'agent@example.com',
          role: 'support_agent',
          accountId: 'acct_1',
          reason: 'Caller verified',
          ip: '127.0.0.1',
          userAgent: 'test',
        };
        const relabelled = await insertRevealAttempt(t.app.db, {
          ...attempt,
          cardId: 'ic_relabelled',
          outcome: 'granted',
          denyReason: null,
        });
        // A key Stripe really refused: chained (reveal.key_refused), shown as denied, not a mismatch.
        const refused = await insertRevealAttempt(t.app.db, {
          ...attempt,
          cardId: 'ic_refused',
          outcome: 'granted',
          denyReason: null,
        });
        await markDenied(t.app.db, refused, 'nonce_rejected');

        await t.app.db.transaction(async (tx) => {
          await tx.query('ALTER TABLE reveal_audit DISABLE TRIGGER reveal_audit_trail');
          await tx.query(`UPDATE reveal_audit SET outcome = 'denied', deny_reason = 'nonce_rejected' WHERE id = $1`, [
            relabelled,
          ]);
          await tx.query('ALTER TABLE reveal_audit ENABLE TRIGGER reveal_audit_trail');
        });

        const page = async (card: string) => {
          const res = await t.inject({ method: 'GET', url: `/api/audit?card=${card}`, cookie });
          expect(res.statusCode).toBe(200);
          return res.json<{ data: { kind: string; outcome: string | null; deny_reason: string | null }[] }>().data;
        };
        // What the hashes cover: granted, whatever reveal_audit now says.
        expect((await page('ic_relabelled')).map((r) => [r.kind, r.outcome, r.deny_reason])).toEqual([
          ['reveal', 'granted', null],
        ]);
        expect((await page('ic_refused')).map((r) => [r.kind, r.outcome, r.deny_reason])).toEqual([
          ['reveal.key_refused', 'denied', 'nonce_rejected'],
          ['reveal', 'denied', 'nonce_rejected'],
        ]);
        return { relabelled, refused };
      });

      const checked = await verify(target.env);
      expect(checked.out).toContain('Audit trail intact'); // the chain itself was not touched
      expect(checked.out).toMatch(
        new RegExp(
          `reveal log row ${result.relabelled} says denied \\(nonce_rejected\\) but the trail \\(row \\d+\\) says granted`,
        ),
      );
      expect(checked.out).not.toContain(result.refused);
      expect(checked.code).toBe(1);
    } finally {
      await target.cleanup();
    }
  }, 180_000);
});
