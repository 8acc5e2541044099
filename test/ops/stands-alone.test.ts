// The project stands alone: cloned anywhere, nothing it runs or tests may read beside the
// repository (issue 10: the conformance suites used to read ../shared/stripe-reference/). No
// relative path written in tracked code may resolve next to the repository.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

describe('the project stands alone', () => {
  it('no tracked source names a path outside the repository', () => {
    const files = execFileSync('git', ['ls-files'], { cwd: root, encoding: 'utf8' })
      .split('\n')
      .filter((file) => /\.(ts|tsx|mts|mjs|js|cjs|json)$/.test(file));
    const outside: string[] = [];
    for (const file of files) {
      let text: string;
      try {
        text = readFileSync(resolve(root, file), 'utf8');
      } catch {
        continue; // deleted in the working tree
      }
      for (const match of text.matchAll(/['"`]((?:\.\.\/)+[^'"`\s]*)['"`]/g)) {
        const target = resolve(root, dirname(file), match[1]!);
        // Beside the repository (../shared/…); probes such as ../../etc/passwd in the security tests aim elsewhere.
        const beside = target.startsWith(dirname(root) + sep) && target !== root && !target.startsWith(root + sep);
        if (beside) outside.push(`${file}: ${match[1]}`);
      }
    }
    expect(files.length).toBeGreaterThan(100);
    expect(outside).toEqual([]);
  });

  it('the Stripe reference files the conformance suites read are in the repository, with their source', () => {
    for (const file of ['openapi-subset.json', 'fixtures.json', 'SOURCES.md']) {
      expect(readFileSync(resolve(root, 'test/emulator/reference', file), 'utf8').length).toBeGreaterThan(100);
    }
  });
});
