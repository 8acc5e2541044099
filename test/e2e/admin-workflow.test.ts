// The platform admin's whole job in a real browser: find an account by searching, issue a card
// there, see it in the account's list, reveal it once, freeze it, activate it, cancel it (with a
// confirmation saying cancellation is permanent, "Keep card" focused first), report another card
// lost (confirmed) and cancel and replace it (confirmed; the page moves to the new card), then
// find that reveal in the audit log, filter the log by the card and export it as CSV. Throughout,
// the app server never carries the card's number or CVC.
import { readFile } from 'node:fs/promises';
import type { Page } from 'playwright-core';
import { expect } from 'vitest';
import { recordTraffic, revealedNumber, signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';
import type { Stack } from '../helpers/stack.ts';
import { cardMask } from '../../shared/card-words.ts';

const test = stackTest();

async function stripeStatus(stack: Stack, cardId: string, account: string): Promise<string> {
  return (await stack.stripe.issuing.cards.retrieve(cardId, {}, { stripeAccount: account })).status;
}

function statusRegion(page: Page) {
  return page.getByRole('region', { name: 'Card status' });
}

test('admin: search, issue, freeze, activate, cancel, audit and CSV', async ({ stack, browser }) => {
  const context = await browser.newContext({ acceptDownloads: true });
  const traffic = recordTraffic(context, stack.appUrl);
  const page = await context.newPage();
  await signIn(page, stack.appUrl, 'admin@example.com');

  // -- Accounts: search by part of a name; the row shows the account's card count.
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  const account = accounts[1]!;
  const name = account.business_profile!.name!;
  const cardsBefore = (await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account.id })).data
    .length;
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  await page.getByLabel('Search accounts').fill(name.slice(0, 6));
  const row = page.getByRole('row', { name: new RegExp(name) });
  await expect.poll(() => page.getByRole('row').count()).toBe(2); // header + the one match
  expect(await row.getByRole('cell').last().innerText()).toBe(String(cardsBefore));
  // Searching by id works as well.
  await page.getByLabel('Search accounts').fill(account.id);
  await expect.poll(() => row.count()).toBe(1);
  await row.getByRole('link', { name }).click();
  await page.getByRole('heading', { level: 1, name }).waitFor();

  // -- Issue a virtual card to the first cardholder.
  const holders = (
    await stack.stripe.issuing.cardholders.list({ limit: 100 }, { stripeAccount: account.id })
  ).data.filter((h) => h.status !== 'blocked');
  const issueForm = page.getByRole('form', { name: 'Issue a card' });
  await issueForm.getByLabel('Cardholder').selectOption(holders[0]!.id);
  await issueForm.getByRole('radio', { name: 'Virtual' }).check();
  await issueForm.getByLabel('Currency').selectOption('usd');
  await issueForm.getByRole('radio', { name: 'Active', exact: true }).check();
  await issueForm.getByRole('button', { name: 'Issue card' }).click();
  const issuedLink = issueForm.getByRole('status').getByRole('link');
  await issuedLink.waitFor();

  const after = (await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account.id })).data;
  expect(after).toHaveLength(cardsBefore + 1);
  const issued = after[0]!;
  expect(issued).toMatchObject({ type: 'virtual', status: 'active', currency: 'usd' });
  expect(await issuedLink.innerText()).toContain(issued.last4);

  // -- The new card is in the account's list; open it from there.
  const openCard = page.getByRole('region', { name: 'Open a card' });
  await openCard.getByRole('link', { name: new RegExp(issued.last4) }).click();
  await statusRegion(page).waitFor();

  // -- Reveal it once in Stripe's component (its key, fetched as the card loaded, is in the audit log below).
  await page.getByRole('button', { name: 'Show numbers' }).click();
  await expect.poll(() => revealedNumber(page, stack.emulatorUrl), { timeout: 15_000 }).toMatch(/^\d{16}$/);
  const number = await revealedNumber(page, stack.emulatorUrl);

  // -- Freeze, then activate.
  await statusRegion(page).getByRole('button', { name: 'Freeze card' }).click();
  await statusRegion(page).getByText('Card frozen.').waitFor();
  expect(await statusRegion(page).innerText()).toContain('Frozen');
  expect(await stripeStatus(stack, issued.id, account.id)).toBe('inactive');

  await statusRegion(page).getByRole('button', { name: 'Activate card' }).click();
  await statusRegion(page).getByText('Card activated.').waitFor();
  expect(await stripeStatus(stack, issued.id, account.id)).toBe('active');

  // -- Cancel: a dialog says it is permanent; "Keep card" changes nothing.
  await statusRegion(page).getByRole('button', { name: 'Cancel card…' }).click();
  let dialog = page.getByRole('dialog', { name: 'Cancel this card?' });
  await dialog.waitFor();
  expect(await dialog.innerText()).toMatch(/permanent/i);
  // The safe choice has the focus, not the first reason (issue 20).
  const focused = () => page.evaluate(() => document.activeElement?.textContent ?? '');
  expect(await focused()).toBe('Keep card');
  await dialog.getByRole('button', { name: 'Keep card' }).click();
  await dialog.waitFor({ state: 'detached' });
  expect(await stripeStatus(stack, issued.id, account.id)).toBe('active');

  await statusRegion(page).getByRole('button', { name: 'Cancel card…' }).click();
  dialog = page.getByRole('dialog', { name: 'Cancel this card?' });
  await dialog.getByRole('radio', { name: 'Stolen' }).check();
  await dialog.getByRole('button', { name: 'Cancel card permanently' }).click();
  await statusRegion(page).getByText('Card canceled.').waitFor();
  const canceled = await stack.stripe.issuing.cards.retrieve(issued.id, {}, { stripeAccount: account.id });
  expect(canceled).toMatchObject({ status: 'canceled', cancellation_reason: 'stolen' });
  // The page says so and offers no more actions.
  expect(await statusRegion(page).innerText()).toMatch(/Canceled[\s\S]*permanent/);
  expect(await statusRegion(page).getByRole('button').count()).toBe(0);

  // -- Another card reported lost (confirmed: what happens now, what happens next), then canceled
  // and replaced by the admin (confirmed; Escape changes nothing): the page moves to the new card.
  const lost = (
    await stack.stripe.issuing.cards.list(
      { status: 'active', type: 'virtual', limit: 1 },
      { stripeAccount: account.id },
    )
  ).data[0]!;
  await page.goto(`${stack.appUrl}/accounts/${account.id}/cards/${lost.id}`);
  await statusRegion(page).getByRole('button', { name: 'Report lost…' }).click();
  const report = page.getByRole('dialog', { name: `Report ${cardMask(lost.last4)} lost?` });
  expect(await report.innerText()).toMatch(/frozen now[\s\S]*admin cancels it[\s\S]*replacement/);
  expect(await focused()).toBe('Cancel');
  await report.getByRole('button', { name: 'Report lost and freeze' }).click();
  await statusRegion(page)
    .getByText(`Card ${cardMask(lost.last4)} reported lost and frozen.`)
    .waitFor();
  expect(await stripeStatus(stack, lost.id, account.id)).toBe('inactive');
  expect(await statusRegion(page).innerText()).toMatch(/Reported lost on/);

  const replaceButton = statusRegion(page).getByRole('button', { name: 'Cancel and replace…' });
  await replaceButton.click();
  const replaceDialog = page.getByRole('dialog', { name: `Cancel and replace ${cardMask(lost.last4)}?` });
  expect(await replaceDialog.innerText()).toMatch(/canceled for good[\s\S]*new number[\s\S]*same spending controls/);
  await page.keyboard.press('Escape');
  await replaceDialog.waitFor({ state: 'detached' });
  await expect.poll(() => replaceButton.evaluate((el) => el === document.activeElement)).toBe(true);
  expect(await stripeStatus(stack, lost.id, account.id)).toBe('inactive');
  await replaceButton.click();
  await replaceDialog.getByRole('button', { name: 'Cancel and replace', exact: true }).click();
  await page.waitForURL((url) => /\/cards\/ic_/.test(url.pathname) && !url.pathname.endsWith(lost.id));
  const replacementId = new URL(page.url()).pathname.split('/').at(-1)!;
  const [oldCard, newCard] = await Promise.all([
    stack.stripe.issuing.cards.retrieve(lost.id, {}, { stripeAccount: account.id }),
    stack.stripe.issuing.cards.retrieve(replacementId, {}, { stripeAccount: account.id }),
  ]);
  expect(oldCard).toMatchObject({ status: 'canceled', cancellation_reason: 'lost', replaced_by: replacementId });
  expect(newCard).toMatchObject({ replacement_for: lost.id, replacement_reason: 'lost', status: 'active' });
  // The new card's page says what happened, and it is announced to screen readers.
  await page.getByRole('heading', { level: 1, name: new RegExp(newCard.last4) }).waitFor();
  const replacedNotice = `Card ${cardMask(lost.last4)} is canceled. Its replacement, ${cardMask(newCard.last4)}`;
  await statusRegion(page).getByText(replacedNotice).waitFor();
  await expect.poll(() => page.getByTestId('announcer').textContent()).toContain(replacedNotice);
  await statusRegion(page).getByRole('link', { name: 'Open the card it replaces' }).waitFor();

  // -- Audit log: the reveal is there, with who, role, card, account (by name) and outcome, and
  // so are the issue, the freeze, the activation and the cancellation.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Audit log' }).click();
  const revealRow = page.getByRole('row').filter({ hasText: issued.id }).filter({ hasText: 'Granted' });
  await revealRow.first().waitFor();
  const rowText = await revealRow.first().innerText();
  expect(rowText).toContain('admin@example.com');
  expect(rowText).toContain('Platform admin');
  expect(rowText).toContain(name);
  expect(rowText).toContain('Granted');
  const changes = page.getByRole('row').filter({ hasText: issued.id }).filter({ hasText: 'Card status changed' });
  expect(await changes.allInnerTexts()).toEqual([
    expect.stringContaining('Active → Canceled, stolen'),
    expect.stringContaining('Inactive → Active'),
    expect.stringContaining('Active → Inactive'),
  ]);
  expect(await page.getByRole('row').filter({ hasText: issued.id }).filter({ hasText: 'Card issued' }).count()).toBe(1);

  // Filter by the card: only its rows remain.
  await page.getByLabel('Card').fill(issued.id);
  await page.getByRole('button', { name: 'Apply filters' }).click();
  await expect.poll(() => page.url()).toContain(`card=${issued.id}`);
  await expect
    .poll(async () => {
      const texts = await page.getByRole('row').allInnerTexts();
      return texts.slice(1).every((t) => t.includes(issued.id)) && texts.length > 1;
    })
    .toBe(true);

  // Export the filtered rows as CSV.
  const [download] = await Promise.all([
    page.waitForEvent('download'),
    page.getByRole('link', { name: 'Export these rows as CSV' }).click(),
  ]);
  const csv = await readFile(await download.path(), 'utf8');
  const lines = csv.trim().split(/\r?\n/);
  expect(lines[0]).toMatch(/card_id/);
  expect(lines.length).toBeGreaterThan(1);
  expect(lines.slice(1).every((line) => line.includes(issued.id))).toBe(true);
  expect(csv).toContain('admin@example.com');

  // -- A session that has ended sends the user back to the login page, to return here after.
  await context.clearCookies();
  // The next request meets the ended session: this filter, or a refetch of the page's own that
  // gets there first (then the page is already on its way to /login and the button is gone, so
  // the click is only a trigger and may find nothing to press; seen in CI as a click waiting on
  // a detached button until the test's timeout).
  await page
    .getByLabel('User')
    .fill('admin@example.com')
    .catch(() => {});
  await page
    .getByRole('button', { name: 'Apply filters' })
    .click({ timeout: 5_000 })
    .catch(() => {});
  await expect.poll(() => new URL(page.url()).pathname).toBe('/login');
  expect(new URL(page.url()).searchParams.get('redirectTo')).toMatch(/^\/audit/);

  // -- The app server never carried the number.
  await page.waitForTimeout(200);
  expect(traffic.length).toBeGreaterThan(10);
  for (const exchange of traffic) {
    expect(exchange.requestBody, exchange.url).not.toContain(number);
    expect(exchange.responseBody, exchange.url).not.toContain(number);
  }
  await context.close();
  // The whole job, a lost card's replacement included: longer than the default 30 s on a loaded machine.
}, 60_000);
