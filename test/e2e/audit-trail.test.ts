// The audit trail in a real browser. The admin freezes a card in the app's status panel and
// changes its limit in Stripe's embedded component (learned from Stripe's event, attributed
// through the admin's Account Session), then finds both on the audit page with who did them and
// what changed. A support agent freezes a card reported lost and can do nothing else to it. The
// chain verifies, and stops verifying at the row someone altered.
import { randomBytes } from 'node:crypto';
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { verifyAuditChain } from '../../server/db/audit-trail.ts';
import { signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';
import type { Stack } from '../helpers/stack.ts';
import { cardMask } from '../../shared/card-words.ts';

let account: Stripe.Account;

const test = stackTest({ webhookSecret: `whsec_${randomBytes(24).toString('hex')}` });

test.beforeAll(async ({ stack }) => {
  // Events reach the app's webhook, signed, as Stripe delivers them.
  account = (await stack.stripe.accounts.list({ limit: 100 })).data[1]!;
});

async function freshCard(stack: Stack): Promise<Stripe.Issuing.Card> {
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account.id })
  ).data[0]!;
  return stack.stripe.issuing.cards.create(
    { cardholder: holder.id, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: account.id },
  );
}

const stripeStatus = async (stack: Stack, card: Stripe.Issuing.Card) =>
  (await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: account.id })).status;
const statusRegion = (page: Page) => page.getByRole('region', { name: 'Card status' });

async function auditRowsFor(page: Page, cardId: string) {
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  const filters = page.getByRole('form', { name: 'Filter the audit log' });
  await filters.getByLabel('Card').fill(cardId);
  await filters.getByLabel('What').selectOption('card');
  await filters.getByRole('button', { name: 'Apply filters' }).click();
  await page.waitForURL(/kind=card/);
  return page.getByRole('table').getByRole('row');
}

test('admin: a freeze and a limit change in the audit log, with who, before and after', async ({
  stack,
  context,
  page,
}) => {
  const card = await freshCard(stack);
  await signIn(page, stack.appUrl, 'admin@example.com');
  await page.goto(`${stack.appUrl}/accounts/${account.id}/cards/${card.id}`);

  // One set of status controls: the app's panel. Stripe's component beside it shows the same
  // card and the same word for its status, with no freeze or cancel button of its own.
  await statusRegion(page).getByRole('button', { name: 'Freeze card' }).click();
  await statusRegion(page).getByText('Card frozen.').waitFor();
  expect(await stripeStatus(stack, card)).toBe('inactive');
  // (Its content is in a shadow root, which locators pierce.)
  await page
    .locator('stripe-connect-issuing-card')
    .getByText('Inactive', { exact: true })
    .first()
    .waitFor({ timeout: 15_000 });
  // The app's word for Stripe's `inactive` (shared/card-words.ts); Stripe's component keeps its own.
  expect(await statusRegion(page).innerText()).toContain('Frozen');
  expect(
    await page
      .locator('stripe-connect-issuing-card')
      .getByRole('button', { name: /freeze|cancel|deactivate/i })
      .count(),
  ).toBe(0);

  // The limit, in Stripe's embedded component.
  await page.getByRole('tab', { name: 'Spend controls' }).click();
  while (await page.getByRole('button', { name: /^Remove limit/ }).count()) {
    await page
      .getByRole('button', { name: /^Remove limit/ })
      .first()
      .click();
  }
  await page.getByRole('button', { name: 'Add spending limit' }).click();
  await page.getByLabel(/^Amount \(USD\)/).fill('50');
  await page.getByLabel('Interval').selectOption('per_authorization');
  await page.getByRole('button', { name: 'Save spend controls' }).click();
  await page.getByText('Spend controls saved.').waitFor();
  await stack.emulator.emulator.webhooks.dispatcher.idle();

  const rows = await auditRowsFor(page, card.id);
  const freeze = rows.filter({ hasText: 'Card status changed' });
  const limit = rows.filter({ hasText: 'Spending controls changed' });
  await expect.poll(() => limit.count(), { timeout: 10_000 }).toBe(1);
  expect(await freeze.count()).toBe(1);
  expect(await freeze.innerText()).toMatch(/admin@example\.com[\s\S]*Platform admin[\s\S]*Active → Inactive/);
  expect(await limit.innerText()).toMatch(
    /admin@example\.com[\s\S]*\$500\.00 daily → \$50\.00 per authorization \(in the embedded component\)/,
  );
  // The account by its name, not its id.
  expect(await freeze.innerText()).toContain(account.business_profile!.name!);
  await context.close();
});

test('support agent: freezes a card reported lost, and nothing more', async ({ stack, browser }) => {
  const card = await freshCard(stack);
  const context = await browser.newContext();
  const page = await context.newPage();
  await signIn(page, stack.appUrl, 'support@example.com');
  await page.goto(`${stack.appUrl}/accounts/${account.id}/cards/${card.id}`);
  const panel = statusRegion(page);
  const reveal = page.getByRole('link', { name: 'Reveal card details' });
  await reveal.waitFor();
  await panel.getByLabel('Note for the audit log (optional)').fill('Caller verified by phone, SUP-88');
  await panel.getByRole('button', { name: 'Report lost and freeze…' }).click();
  // Confirmed first (decision 164): the dialog says what happens next.
  const confirm = page.getByRole('dialog', { name: `Report ${cardMask(card.last4)} lost?` });
  expect(await confirm.innerText()).toMatch(/frozen now[\s\S]*admin cancels it/);
  await confirm.getByRole('button', { name: 'Report lost and freeze' }).click();
  await panel.getByText('Card frozen. The report is in the audit log.').waitFor();
  expect(await stripeStatus(stack, card)).toBe('inactive');
  expect(await panel.innerText()).toContain('Frozen');
  // Frozen as lost, it waits for an admin to cancel and replace it: its details are no longer offered.
  expect(await panel.innerText()).toMatch(/reported lost[\s\S]*admin cancels it and issues a replacement/i);
  expect(await reveal.count()).toBe(0);
  // No way back, and no cancel, for this role.
  expect(await page.getByRole('button', { name: /activate|unfreeze|cancel/i }).count()).toBe(0);
  await context.close();

  const admin = await (await browser.newContext()).newPage();
  await signIn(admin, stack.appUrl, 'admin@example.com');
  const rows = await auditRowsFor(admin, card.id);
  const report = rows.filter({ hasText: 'Card status changed' });
  // Exactly one row for the report (the table may be re-rendering while it loads).
  await expect.poll(() => report.count(), { timeout: 10_000 }).toBe(1);
  expect(await report.innerText()).toMatch(
    /support@example\.com[\s\S]*Support agent[\s\S]*Active → Inactive, reported lost: “Caller verified by phone, SUP-88”/,
  );
  await admin.context().close();
});

test('audit:verify passes, then names the row after one is altered', async ({ stack }) => {
  await stack.emulator.emulator.webhooks.dispatcher.idle();
  const intact = await verifyAuditChain(stack.app.db);
  expect(intact.ok).toBe(true);
  const [target] = await stack.app.db.query<{ seq: string; id: string }>(
    `SELECT seq, id FROM audit_trail WHERE kind = 'card.status_changed' ORDER BY seq LIMIT 1`,
  );
  // "Someone else did it": the row now names another user.
  await stack.app.db.query(`UPDATE audit_trail SET actor_email = 'someone-else@example.com' WHERE seq = $1`, [
    target!.seq,
  ]);
  const broken = await verifyAuditChain(stack.app.db);
  expect(broken).toMatchObject({ ok: false, firstBad: { seq: Number(target!.seq), id: target!.id } });
});
