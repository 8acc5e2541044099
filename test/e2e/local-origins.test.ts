// A newcomer opens the dashboard under another spelling of this machine than PUBLIC_URL (issue 9,
// item 9): the stack's PUBLIC_URL is http://127.0.0.1:<port>; in Chromium, signing in on
// http://localhost:<port> works too, and a refusal would have named the address to use.
import { expect } from 'vitest';
import { signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';

const test = stackTest();

test('signing in works on both http://127.0.0.1 and http://localhost at the same port', async ({ stack, browser }) => {
  const port = new URL(stack.appUrl).port;
  expect(new URL(stack.config.publicUrl).hostname).toBe('127.0.0.1');
  // The demo account user has no second factor; the admin signs in with a TOTP code (a code is
  // accepted once per user, so each spelling gets its own user rather than waiting a step).
  for (const [host, email] of [
    ['127.0.0.1', 'admin@example.com'],
    ['localhost', 'account@example.com'],
  ] as const) {
    const context = await browser.newContext();
    const page = await context.newPage();
    await signIn(page, `http://${host}:${port}`, email); // resolves once "Sign out" shows: signed in
    expect(new URL(page.url()).hostname).toBe(host);
    await context.close();
  }
});
