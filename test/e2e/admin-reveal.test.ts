// The walking skeleton's promise, in a real browser: the demo admin signs in, opens a
// connected account, sees its cards, opens a virtual card, presses "Show numbers" and sees a
// Luhn-valid 16-digit number, rendered inside the emulator's iframe and never passing through
// the app server.
import { expect } from 'vitest';
import { stackTest } from '../helpers/fixtures.ts';
import { recordConsole, passesLuhn, recordTraffic, revealedNumber, signIn } from '../helpers/browser.ts';

const test = stackTest();

test('admin reveals a virtual card number through the embedded card component', async ({ stack, context, page }) => {
  const appTraffic = recordTraffic(context, stack.appUrl);

  await signIn(page, stack.appUrl, 'admin@example.com');
  // The admin lands on the overview: the accounts list is one link away.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  // Pages with Stripe's components stay silent: no warning (e.g. "connect.js loaded twice"), no error.
  const consoleLines = recordConsole(page);

  // The accounts the admin may see, one link each; open the first.
  const accounts = await stack.stripe.accounts.list({ limit: 100 });
  const account = accounts.data[0]!;
  const accountName = account.business_profile?.name ?? account.id;
  await page
    .getByRole('link', { name: new RegExp(accountName) })
    .first()
    .click();

  // The account's cards, as Stripe (the emulator) has them; open a virtual one.
  const cards = await stack.stripe.issuing.cards.list(
    { type: 'virtual', status: 'active', limit: 100 },
    { stripeAccount: account.id },
  );
  const card = cards.data[0]!;
  await page
    .getByRole('link', { name: new RegExp(card.last4) })
    .first()
    .click();

  await page.getByRole('button', { name: 'Show numbers' }).click();

  // The number appears inside a frame on the emulator's origin.
  await expect.poll(() => revealedNumber(page, stack.emulatorUrl), { timeout: 15_000 }).toMatch(/^\d{16}$/);
  const number = await revealedNumber(page, stack.emulatorUrl);

  expect(number).toHaveLength(16);
  expect(passesLuhn(number)).toBe(true);
  expect(number.endsWith(card.last4)).toBe(true);

  // The app's own page never holds the number; the app server never carried it.
  expect(await page.content()).not.toContain(number);
  await page.waitForTimeout(200);
  expect(appTraffic.length).toBeGreaterThan(0);
  for (const exchange of appTraffic) {
    expect(exchange.responseBody, exchange.url).not.toContain(number);
    expect(exchange.requestBody, exchange.url).not.toContain(number);
  }
  expect(consoleLines).toEqual([]);
  await context.close();
});
