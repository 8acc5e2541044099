// Issue 12, "Everywhere": no console error or warning on any page. Chromium logs every refused
// request (4xx/5xx) as a console error, so this also proves that in normal use the app asks
// nothing it knows will be refused: the session before signing in, a lookup too broad for a
// support agent, what a role may not see. Each persona walks every page of the client router,
// from the sign-in page before signing in to the pages its role may not use.
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { launchBrowser, recordConsole, signIn } from '../helpers/browser.ts';
import { anonymousPages, loadPageWorld, openPage, PERSONAS, personaPages, type PageWorld } from '../helpers/persona-pages.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let browser: Browser;
let world: PageWorld;

beforeAll(async () => {
  stack = await startStack();
  browser = await launchBrowser();
  world = await loadPageWorld(stack);
});

afterAll(async () => {
  await browser?.close();
  await stack?.close();
});

describe.each(PERSONAS)('%s', (email) => {
  test('no console error or warning on any page, signed out or in', async () => {
    const context = await browser.newContext();
    const page = await context.newPage();
    const lines = recordConsole(page);
    // Each page's messages: those logged from its opening until the next page opens.
    const found: Record<string, string[]> = {};
    const visited: string[] = [];
    const note = (name: string, from: number) => {
      visited.push(name);
      if (lines.length > from) found[name] = lines.slice(from);
    };

    for (const visit of anonymousPages()) {
      const from = lines.length;
      await openPage(page, stack.appUrl, visit);
      note(visit.name, from);
    }
    let from = lines.length;
    await signIn(page, stack.appUrl, email);
    note('signing in', from);
    for (const visit of personaPages(email, world)) {
      from = lines.length;
      await openPage(page, stack.appUrl, visit);
      note(`${visit.name} ${visit.path}`, from);
    }

    console.log(`[console] ${email}: ${visited.length} pages (${visited.map((v) => v.split(' /')[0]).join(', ')}); messages: ${lines.length}${lines.length ? ` ${JSON.stringify(found)}` : ''}`);
    expect(found).toEqual({});
    await context.close();
  }, 180_000);
});
