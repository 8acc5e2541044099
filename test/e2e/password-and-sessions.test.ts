// The Security page's password and sessions in Chromium (issue 17, item 11), by keyboard: a
// password under the rule is refused next to its field; a change signs the other browser out and
// keeps this one; "End all other sessions" (under "Sign out everywhere else") does the same; the new password signs in.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, recordConsole, signIn } from '../helpers/browser.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let browser: Browser;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

const NEW_PASSWORD = 'correct horse battery';

async function stillSignedIn(page: Page): Promise<boolean> {
  return (await page.request.get(`${stack.appUrl}/api/me`)).status() === 200;
}

test('account user: change the password by keyboard, then end all other sessions; other browsers end, this one stays', async () => {
  const other = await (await browser.newContext()).newPage();
  await signIn(other, stack.appUrl, 'account@example.com');
  const page = await (await browser.newContext()).newPage();
  await signIn(page, stack.appUrl, 'account@example.com');
  const consoleLines = recordConsole(page);
  await page.getByRole('link', { name: 'Security' }).click();

  const form = page.getByRole('form', { name: 'Change password' });
  await form.getByLabel('Current password').focus();
  await page.keyboard.type('demo1234');
  await page.keyboard.press('Tab');
  await page.keyboard.type('too short');
  await page.keyboard.press('Tab');
  await page.keyboard.type('too short');
  await page.keyboard.press('Enter');
  // Said before anything is sent, next to the field.
  await form.getByRole('alert').filter({ hasText: 'at least 10 characters' }).waitFor();
  expect(await form.getByLabel('New password', { exact: true }).getAttribute('aria-invalid')).toBe('true');

  await form.getByLabel('New password', { exact: true }).fill(NEW_PASSWORD);
  await form.getByLabel('Confirm new password').fill(NEW_PASSWORD);
  await form.getByLabel('Confirm new password').press('Enter');
  await page.getByRole('status').filter({ hasText: 'Password changed. 1 other session was signed out.' }).waitFor();
  expect(await stillSignedIn(other)).toBe(false);
  expect(await stillSignedIn(page)).toBe(true);

  // Another browser with the new password; then "Sign out everywhere else" ends it.
  const third = await (await browser.newContext()).newPage();
  await signIn(third, stack.appUrl, 'account@example.com', NEW_PASSWORD);
  await page.getByRole('heading', { name: 'Sign out everywhere else' }).waitFor();
  const button = page.getByRole('button', { name: 'End all other sessions' });
  await button.focus();
  await page.keyboard.press('Enter');
  await page.getByRole('status').filter({ hasText: '1 other session was signed out.' }).waitFor();
  expect(await stillSignedIn(third)).toBe(false);
  expect(await stillSignedIn(page)).toBe(true);
  expect(consoleLines).toEqual([]);

  const kinds = await stack.app.db.query<{ kind: string }>(`SELECT kind FROM audit_trail WHERE kind IN ('user.password_changed', 'sessions.revoked') ORDER BY seq`);
  expect(kinds.map((r) => r.kind)).toEqual(['user.password_changed', 'sessions.revoked']);
}, 90_000);
