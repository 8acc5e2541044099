// `npm run screenshots`: regenerates the pictures of docs/screenshots/ that the README links, from
// the running product: the emulator with its seed, the app on in-memory PGlite with webhooks
// delivered (so its mirror is filled as in `npm start`), the built client, Debian's Chromium.
// A platform admin's overview and a card's page on a desktop (1366×900), and the same card's page
// on a phone (390×844). Run it after a change to what those pages show.
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { ensureClientBuilt } from './client-build.mjs';
import { launchBrowser, signIn } from '../test/helpers/browser.ts';
import { startStack } from '../test/helpers/stack.ts';

const OUT = join(import.meta.dirname, '..', 'docs', 'screenshots');

/** Waits until the page has settled: its heading shown, the network quiet, charts drawn. */
async function settle(page: Page): Promise<void> {
  await page.getByRole('heading', { level: 1 }).first().waitFor();
  await page.waitForLoadState('networkidle');
  await page.waitForTimeout(1_000);
}

async function main(): Promise<void> {
  await ensureClientBuilt({ quiet: true });
  mkdirSync(OUT, { recursive: true });
  const stack = await startStack({ webhookSecret: 'whsec_screenshots' });
  const browser = await launchBrowser();
  try {
    // The seed's first account (listed last) has the demo purchases; the picture shows an active
    // card with approved and declined ones (its first cardholder's first card).
    const account = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!;
    const authorizations = await stack.stripe.issuing.authorizations.list(
      { limit: 100 },
      { stripeAccount: account.id },
    );
    const onActiveCards = authorizations.data.filter((a) => a.card.status === 'active');
    const cardId = onActiveCards.find(
      (a) => !a.approved && onActiveCards.some((b) => b.approved && b.card.id === a.card.id),
    )?.card.id;
    if (!cardId) throw new Error(`the seed gave ${account.id} no authorizations to show`);
    const cardPath = `/accounts/${account.id}/cards/${cardId}`;

    const desktop = await browser.newContext({ viewport: { width: 1366, height: 900 } });
    const page = await desktop.newPage();
    await signIn(page, stack.appUrl, 'admin@example.com');
    await page.goto(`${stack.appUrl}/overview`);
    await settle(page);
    await page.screenshot({ path: join(OUT, 'overview.png'), fullPage: true });
    await page.goto(`${stack.appUrl}${cardPath}`);
    await settle(page);
    await page.screenshot({ path: join(OUT, 'card.png'), fullPage: true });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.goto(`${stack.appUrl}${cardPath}`);
    await settle(page);
    await page.screenshot({ path: join(OUT, 'card-phone.png'), fullPage: true });
    await desktop.close();
    console.log(`Wrote overview.png, card.png and card-phone.png to ${OUT}`);
  } finally {
    await browser.close();
    await stack.close();
  }
}

await main();
