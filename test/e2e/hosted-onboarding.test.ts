// Hosted onboarding, end to end (docs/decisions/157-hosted-onboarding.md): an account user whose
// account cannot issue cards clicks "Finish onboarding", fills Stripe's hosted form (the
// emulator's page, prefilled with Stripe's test values), and lands back on the account's page,
// which reads the account again and says that card issuing is now active. A spent link brings the
// user back through refresh_url to a new one.
import { expect } from 'vitest';
import { addMembership, findUserByEmail } from '../../server/db/users.ts';
import { signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';

// No webhooks: the page learns the outcome by asking the server, which asks Stripe.
const test = stackTest();

test('account user: Finish onboarding, Stripe’s form, back on the account page that can now issue', async ({
  stack,
  context,
  page,
}) => {
  const account = await stack.stripe.accounts.create({
    type: 'custom',
    country: 'US',
    email: 'owner@lima.example',
    business_profile: { name: 'Lima Logistics' },
    capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
  });
  const user = await findUserByEmail(stack.app.db, 'account@example.com');
  await addMembership(stack.app.db, user!.id, account.id);
  await stack.app.cardIndex.whenBackfilled();
  await stack.app.cardIndex.backfill();

  await signIn(page, stack.appUrl, 'account@example.com');
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });
  await page.goto(`${stack.appUrl}/accounts/${account.id}`);
  const notice = page.getByRole('region', { name: 'Card issuing is not active' });
  await notice.getByRole('button', { name: 'Finish onboarding' }).click();

  // Stripe's hosted onboarding (the emulator's stand-in): labelled fields, prefilled.
  await page.waitForURL(`${stack.emulatorUrl}/setup/c/${account.id}/**`);
  // A link works once: opened again (a reload), Stripe sends the browser to refresh_url, the
  // account's page, which makes a new link and follows it.
  const first = page.url();
  await page.reload();
  await page.waitForURL((url) => url.href.startsWith(`${stack.emulatorUrl}/setup/c/`) && url.href !== first);
  expect(await page.getByLabel('Date of birth').inputValue()).toBe('1901-01-01');
  await page.getByLabel('I agree to the Stripe Connected Account Agreement.').check();
  await page.getByLabel(/I agree to the Stripe Issuing terms/).check();
  await page.getByRole('button', { name: 'Submit' }).click();

  // Back on the account's page, which asked Stripe what changed.
  await page.waitForURL(`${stack.appUrl}/accounts/${account.id}`);
  await page
    .getByRole('status')
    .filter({ hasText: 'Onboarding finished: Stripe has activated card issuing for this account.' })
    .waitFor();
  await page.getByRole('heading', { level: 1, name: 'Lima Logistics' }).waitFor();
  expect(await notice.count()).toBe(0);
  expect((await stack.stripe.accounts.retrieve(account.id)).capabilities?.card_issuing).toBe('active');
  expect(errors).toEqual([]);
  await context.close();
});
