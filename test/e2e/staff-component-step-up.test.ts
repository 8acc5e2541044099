// Issue 17.2 in Chromium (docs/decisions/104): a platform admin's embedded card component shows
// numbers only while the admin's second-factor check is fresh. With a stale check the page asks no
// key at all and offers "Verify to show numbers"; once verified, the component is remounted with
// its key callback and "Show numbers" shows the number; when the check goes stale again, the
// button goes and the offer comes back. No refused request on the way (the console stays silent),
// no key asked for a physical card, and the audit names the keys as keys that can show numbers.
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { passesLuhn, recordConsole, revealedNumber, signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';
import type { Stack } from '../helpers/stack.ts';
import { nextTotpCode } from '../helpers/totp.ts';

const STEP_UP_SECONDS = 15;
let account: string;
let virtualCard: Stripe.Issuing.Card;
let physicalCard: Stripe.Issuing.Card;

const test = stackTest({ env: { STEP_UP_MAX_AGE_SECONDS: String(STEP_UP_SECONDS) } });

test.beforeAll(async ({ stack }) => {
  account = (await stack.stripe.accounts.list({ limit: 100 })).data[0]!.id;
  const cards = (await stack.stripe.issuing.cards.list({ status: 'active', limit: 100 }, { stripeAccount: account }))
    .data;
  virtualCard = cards.find((c) => c.type === 'virtual')!;
  physicalCard = cards.find((c) => c.type === 'physical')!;
});

const waitSeconds = (seconds: number) => new Promise((resolve) => setTimeout(resolve, seconds * 1000));

function keyRequests(stack: Stack, page: Page): { card: string; status: number }[] {
  const seen: { card: string; status: number }[] = [];
  page.on('response', (response) => {
    if (response.url() !== `${stack.appUrl}/api/ephemeral-keys`) return;
    const body = response.request().postDataJSON() as { card_id: string };
    seen.push({ card: body.card_id, status: response.status() });
  });
  return seen;
}

test('stale check: "Verify to show numbers" and no key asked; verified: Show numbers shows the number; stale again: the button goes', async ({
  stack,
  context,
  page,
}) => {
  await signIn(page, stack.appUrl, 'admin@example.com');
  const keys = keyRequests(stack, page);
  // The check of the sign-in goes stale.
  await waitSeconds(STEP_UP_SECONDS + 1);
  const consoleLines = recordConsole(page);

  await page.goto(`${stack.appUrl}/accounts/${account}/cards/${virtualCard.id}`);
  const component = page.getByRole('region', { name: 'Card (Stripe)' });
  await component.getByRole('heading', { name: new RegExp(`•••• ${virtualCard.last4}`) }).waitFor({ timeout: 15_000 });
  const verify = page.getByRole('button', { name: 'Verify to show numbers' });
  await verify.waitFor();
  await page.waitForTimeout(500);
  expect(await page.getByRole('button', { name: 'Show numbers', exact: true }).count()).toBe(0);
  expect(keys).toEqual([]);

  await verify.click();
  await page.getByRole('heading', { name: 'Confirm it is you' }).waitFor();
  await page
    .getByLabel('Authentication code')
    .fill(await nextTotpCode(`${stack.appUrl}|admin@example.com`, DEMO_TOTP_SECRET));
  await page.getByRole('button', { name: 'Verify', exact: true }).click();

  const show = component.getByRole('button', { name: 'Show numbers', exact: true });
  await show.waitFor({ timeout: 10_000 });
  expect(await verify.count()).toBe(0);
  await show.click();
  await expect.poll(() => revealedNumber(page, stack.emulatorUrl), { timeout: 10_000 }).toMatch(/^\d{16}$/);
  const number = await revealedNumber(page, stack.emulatorUrl);
  expect(passesLuhn(number)).toBe(true);
  expect(number.endsWith(virtualCard.last4)).toBe(true);
  expect(keys).toEqual([{ card: virtualCard.id, status: 200 }]);

  // The check goes stale with the page open: the component starts over without its key callback.
  await page.getByRole('button', { name: 'Verify to show numbers' }).waitFor({ timeout: (STEP_UP_SECONDS + 5) * 1000 });
  await component.getByRole('heading', { name: new RegExp(`•••• ${virtualCard.last4}`) }).waitFor({ timeout: 15_000 });
  expect(await page.getByRole('button', { name: 'Show numbers', exact: true }).count()).toBe(0);
  expect(await page.locator('iframe[title^="Card details"]').count()).toBe(0);
  expect(keys).toHaveLength(1);
  expect(consoleLines).toEqual([]);
  await context.close();
}, 120_000);

test('a fresh admin on a physical card: no key asked, no offer to verify; the audit names the earlier key as one that can show numbers', async ({
  stack,
  context,
  page,
}) => {
  await signIn(page, stack.appUrl, 'admin@example.com');
  const keys = keyRequests(stack, page);
  const consoleLines = recordConsole(page);
  await page.goto(`${stack.appUrl}/accounts/${account}/cards/${physicalCard.id}`);
  await page
    .getByRole('region', { name: 'Card (Stripe)' })
    .getByRole('heading', { name: new RegExp(`•••• ${physicalCard.last4}`) })
    .waitFor({ timeout: 15_000 });
  await page.waitForTimeout(1000);
  expect(keys).toEqual([]);
  expect(await page.getByRole('button', { name: 'Verify to show numbers' }).count()).toBe(0);

  await page.goto(`${stack.appUrl}/audit?kind=component_key`);
  const rows = page.getByRole('table').getByRole('row').filter({ hasText: 'Component key: can show card numbers' });
  await expect.poll(() => rows.count(), { timeout: 15_000 }).toBe(1);
  expect(await rows.first().innerText()).toContain(
    'Number, CVC and expiry can be shown in the card view; second factor checked: authenticator code',
  );
  expect(consoleLines).toEqual([]);
  await context.close();
}, 60_000);
