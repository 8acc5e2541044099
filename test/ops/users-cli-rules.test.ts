// `npm run users` keeps the web's rules (issue 19, item 4): it changes users through the web's own
// functions (server/domain/user-access.ts), so `reset-second-factor` is audited as the Users
// page's reset is, and a chosen password meets shared/password-rule.ts as an invitation's does.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { listAudit, verifyAuditChain } from '../../server/db/audit-trail.ts';
import { openDatabase } from '../../server/db/database.ts';
import { addConfirmedTotp, hasFactor, unusedRecoveryCodes } from '../../server/db/second-factors.ts';
import { createSession } from '../../server/db/sessions.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import { issueRecoveryCodes } from '../../server/domain/second-factor.ts';
import { PASSWORD_MIN_LENGTH } from '../../shared/password-rule.ts';
import { runUsersCli } from '../helpers/users-cli.ts';

const users = (dir: string, args: string[]) => runUsersCli(args, { PGLITE_DIR: dir });

describe('npm run users keeps the web rules', () => {
  let dir: string;
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'users-cli-rules-'));
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  test('a password one character short of the rule is refused by add and set-password, naming the rule', async () => {
    const nine = 'n'.repeat(PASSWORD_MIN_LENGTH - 1);
    const added = await users(dir, ['add', 'short@cli.example', 'support_agent', '--password', nine]);
    expect(added.code).toBe(2);
    expect(added.stderr).toContain(`The password must have at least ${PASSWORD_MIN_LENGTH} characters.`);
    expect(added.stderr).not.toContain(nine);

    expect(
      (await users(dir, ['add', 'short@cli.example', 'support_agent', '--password', 'n'.repeat(PASSWORD_MIN_LENGTH)]))
        .code,
    ).toBe(0);
    const set = await users(dir, ['set-password', 'short@cli.example', '--password', nine]);
    expect(set.code).toBe(2);
    expect(set.stderr).toContain(`at least ${PASSWORD_MIN_LENGTH} characters`);

    const db = await openDatabase({ kind: 'pglite', dir });
    try {
      // Only the 10-character add reached the database, and the trail.
      expect((await listAudit(db, { kind: 'user', limit: 10 })).map((r) => r.kind)).toEqual(['user.added']);
    } finally {
      await db.close();
    }
  }, 120_000);

  test('reset-second-factor removes the factors and codes, ends the sessions and writes user.second_factor_reset with the console actor', async () => {
    expect(
      (await users(dir, ['add', 'lost.phone@cli.example', 'platform_admin', '--password', 'a long password'])).code,
    ).toBe(0);
    let db = await openDatabase({ kind: 'pglite', dir });
    const user = (await findUserByEmail(db, 'lost.phone@cli.example'))!;
    try {
      await addConfirmedTotp(db, user.id, 'JBSWY3DPEHPK3PXP', 'Authenticator app');
      await issueRecoveryCodes(db, user.id);
      await createSession(db, user.id, 3600);
    } finally {
      await db.close(); // PGlite is single-process: the script opens the directory itself
    }

    const reset = await users(dir, ['reset-second-factor', 'Lost.Phone@cli.example']);
    expect(reset.stderr).toBe('');
    expect(reset.stdout).toContain('Removed the second factors of lost.phone@cli.example');

    db = await openDatabase({ kind: 'pglite', dir });
    try {
      expect(await hasFactor(db, user.id)).toBe(false);
      expect(await unusedRecoveryCodes(db, user.id)).toBe(0);
      expect(await db.query('SELECT id FROM sessions WHERE user_id = $1 AND revoked_at IS NULL', [user.id])).toEqual(
        [],
      );
      const [row] = await listAudit(db, { kind: 'user.second_factor_reset', limit: 10 });
      expect(row).toMatchObject({
        kind: 'user.second_factor_reset',
        subject: 'lost.phone@cli.example',
        details: { user_id: user.id, via: 'console' },
      });
      expect(row!.user_agent).toMatch(/^npm run users \(os user /);
      expect((await verifyAuditChain(db)).ok).toBe(true);
    } finally {
      await db.close();
    }
  }, 120_000);
});
