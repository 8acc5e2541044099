// The audit page names every kind of row the server writes (review of issue 17, finding 9): a
// new kind without a label showed as its raw key (`sessions.revoked`), and the filter had no
// entry for the Security page's rows. The kinds are read from the server's own source: every
// literal `kind: '…'` handed to appendAudit/auditAction, and the users route's `audit(request, '…')`.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { AUDIT_KINDS, kindLabel } from '../../client/src/features/audit/lib/audit-kinds.ts';

const root = join(import.meta.dirname, '..', '..');

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    if (statSync(path).isDirectory()) return sources(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** Audit kinds written by the server and the console scripts, by their literal names. */
function writtenKinds(): Set<string> {
  const kinds = new Set<string>();
  for (const file of [...sources(join(root, 'server')), ...sources(join(root, 'scripts'))]) {
    const text = readFileSync(file, 'utf8');
    if (!/appendAudit|auditAction|auditGrant|reveal_audit/.test(text)) continue;
    for (const m of text.matchAll(
      /\bkind: (?:[^'\n]*\? )?'([a-z_]+(?:\.[a-z_]+)?)'(?: : '([a-z_]+(?:\.[a-z_]+)?)')?/g,
    )) {
      kinds.add(m[1]!);
      if (m[2]) kinds.add(m[2]);
    }
    for (const m of text.matchAll(
      /\baudit\(request, (?:[^'\n]*\? )?'([a-z_]+\.[a-z_]+)'(?: : '([a-z_]+\.[a-z_]+)')?/g,
    )) {
      kinds.add(m[1]!);
      if (m[2]) kinds.add(m[2]);
    }
  }
  // Second-factor kinds and storage backends share the `kind` name; they are no audit rows.
  for (const other of ['pglite', 'postgres', 'totp', 'webauthn']) kinds.delete(other);
  return kinds;
}

describe('audit kinds', () => {
  const kinds = writtenKinds();

  it('finds the kinds the Security page writes (the scan works)', () => {
    for (const k of ['second_factor.enrolled', 'sessions.revoked', 'user.password_changed', 'card.issued', 'sign_in'])
      expect(kinds).toContain(k);
  });

  it('every kind the server writes has a label in words', () => {
    const unlabelled = [...kinds].filter((k) => kindLabel(k) === k);
    expect(unlabelled).toEqual([]);
  });

  it('the filter offers every family of kinds the server writes', () => {
    const offered = new Set(AUDIT_KINDS.map((k) => k.value));
    const missing = [...kinds].filter((k) => !offered.has(k) && !offered.has(k.split('.')[0]!));
    expect(missing).toEqual([]);
    for (const family of ['second_factor', 'sessions']) expect(offered).toContain(family);
  });
});
