// Vitest fixtures for the setups the suites share, so a test file states what it needs instead
// of repeating the lines that start and stop it:
//   - `stack`: the emulator and the app (./stack.ts), one per test file;
//   - `browser`: Debian's Chromium (./browser.ts), one per test file;
//   - `context` and `page`: a fresh browser context and a page in it, per test, closed after it;
//   - the security suites' world (securityTest): their stack (test/security/stack.ts, both
//     servers' logs captured) and the sessions and ids of each role (test/security/probes.ts).
//
//   const test = stackTest({ webhookSecret: 'whsec_…' });
//   test('…', async ({ stack, page }) => { … });
//
// The file-scoped fixtures are started in a beforeAll, so they start before the first test,
// under the hook timeout as the hand-written beforeAll did, not inside the first test's 30 s.
// A file's own beforeAll that prepares data takes them as arguments: test.beforeAll(({ stack }) => …).
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { test as base, expect } from 'vitest';
import { loadWorld, type World } from '../security/probes.ts';
import { startSecurityStack, summary, type SecurityStack, type SecurityStackOptions } from '../security/stack.ts';
import { launchBrowser } from './browser.ts';
import { startStack, type Stack, type StackOptions } from './stack.ts';

/** A `test` whose tests receive `stack` (started with `options`), `browser`, `context` and `page`. */
export function stackTest(options: StackOptions = {}) {
  const test = base
    .extend('stack', { scope: 'file' }, async ({}, { onCleanup }): Promise<Stack> => {
      const stack = await startStack(options);
      onCleanup(() => stack.close());
      return stack;
    })
    .extend('browser', { scope: 'file' }, async ({}, { onCleanup }): Promise<Browser> => {
      const browser = await launchBrowser();
      onCleanup(() => browser.close());
      return browser;
    })
    .extend('context', async ({ browser }, { onCleanup }): Promise<BrowserContext> => {
      const context = await browser.newContext();
      onCleanup(() => context.close());
      return context;
    })
    .extend('page', async ({ context }): Promise<Page> => context.newPage());
  test.beforeAll(async ({ stack, browser }) => {
    void stack;
    void browser;
  });
  return test;
}

/**
 * A `test` whose tests receive the security stack and its `world`. With `scanLogsAs`, the file
 * ends as every security suite does: the secrets it met are looked for in both servers' logs,
 * the count printed in the summary under that name, and any found fails the file.
 */
export function securityTest(options: SecurityStackOptions & { scanLogsAs?: string } = {}) {
  const { scanLogsAs, ...stackOptions } = options;
  const test = base
    .extend('stack', { scope: 'file' }, async ({}, { onCleanup }): Promise<SecurityStack> => {
      const stack = await startSecurityStack(stackOptions);
      onCleanup(() => stack.close());
      return stack;
    })
    .extend('world', { scope: 'file' }, async ({ stack }): Promise<World> => loadWorld(stack));
  test.beforeAll(async ({ world }) => {
    void world;
  });
  if (scanLogsAs !== undefined) {
    test.afterAll(async ({ stack }) => {
      const leaked = stack.leakedSecrets();
      summary(scanLogsAs, { leakedSecretsInLogs: leaked.length });
      expect(leaked).toEqual([]);
    });
  }
  return test;
}
