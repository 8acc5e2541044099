// The cardholders page in a real browser: the admin searches an account's cardholders and
// creates one, seeing the empty required fields marked, then the server's and Stripe's refusals
// on the field at fault; the account user changes a cardholder's own spending limit.
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';

let accounts: Stripe.Account[];

const test = stackTest();

test.beforeAll(async ({ stack }) => {
  accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
});

test('admin: finds cardholders, creates one, Stripe’s refusal shown on its field', async ({ stack, page }) => {
  const account = accounts[0]!;
  const holders = (await stack.stripe.issuing.cardholders.list({ limit: 100 }, { stripeAccount: account.id })).data;
  await signIn(page, stack.appUrl, 'admin@example.com');
  await page.goto(`${stack.appUrl}/accounts/${account.id}`);
  await page.getByRole('link', { name: 'Cardholders' }).click();
  await page.getByRole('heading', { level: 1, name: 'Cardholders' }).waitFor();
  const table = page.getByRole('table');
  await expect.poll(() => table.getByRole('row').count()).toBe(holders.length + 1);

  // Search by part of a name.
  const target = holders[0]!;
  await page.getByLabel('Search cardholders').fill(target.name.slice(0, 5));
  await expect.poll(() => table.getByRole('row').filter({ hasText: target.name }).count()).toBe(1);
  await page.getByLabel('Search cardholders').fill('');

  const form = page.getByRole('form', { name: 'Create a cardholder' });
  const invalid = (label: string) => form.getByLabel(label, { exact: true }).getAttribute('aria-invalid');
  // Sent empty: the required First and Last name are marked, each with its message, and focus
  // goes to the first; the optional "Name on the card" is not marked. Nothing reaches the server.
  const creates: string[] = [];
  page.on('request', (r) => r.method() === 'POST' && r.url().endsWith('/api/cardholders') && creates.push(r.url()));
  await form.getByRole('button', { name: 'Create cardholder' }).click();
  await expect.poll(() => invalid('First name')).toBe('true');
  expect(await invalid('Last name')).toBe('true');
  expect(await invalid('Name on the card (optional)')).toBeNull();
  expect(await form.getByText('First name is required.').first().isVisible()).toBe(true);
  expect(await form.getByText('Last name is required.').first().isVisible()).toBe(true);
  expect(await form.getByLabel('First name', { exact: true }).evaluate((el) => el === document.activeElement)).toBe(
    true,
  );
  expect(creates).toEqual([]);

  // Create a person. The server's schema refuses a three-letter country in words, on its field;
  // then Stripe refuses the email, and says so on the Email field.
  await form.getByLabel('First name').fill('Grace');
  await form.getByLabel('Last name').fill('Hopper');
  await form.getByLabel('Email (optional)').fill('grace-at-navy');
  await form.getByLabel('Billing address').fill('1 Navy Way');
  await form.getByLabel('City').fill('Arlington');
  await form.getByLabel('State or region (optional)').fill('VA');
  await form.getByLabel('Postal code').fill('22202');
  await form.getByLabel('Country (2 letters)').fill('USA');
  await form.getByRole('button', { name: 'Create cardholder' }).click();
  await expect.poll(() => invalid('Country (2 letters)')).toBe('true');
  expect(await form.getByText('Country must be 2 capital letters, like US.').first().isVisible()).toBe(true);
  expect(await invalid('First name')).toBeNull();
  await form.getByLabel('Country (2 letters)').fill('US');
  await form.getByRole('button', { name: 'Create cardholder' }).click();
  const email = form.getByLabel('Email (optional)');
  await expect.poll(() => email.getAttribute('aria-invalid')).toBe('true');
  expect(await form.getByText('Invalid email address: grace-at-navy').first().isVisible()).toBe(true);
  expect(await form.getByLabel('City').getAttribute('aria-invalid')).toBeNull();

  await email.fill('grace@navy.example');
  await form.getByRole('button', { name: 'Create cardholder' }).click();
  await form.getByRole('status').filter({ hasText: 'Grace Hopper was created.' }).waitFor();
  await table.getByRole('row').filter({ hasText: 'Grace Hopper' }).waitFor();
  const created = (
    await stack.stripe.issuing.cardholders.list(
      { email: 'grace@navy.example', limit: 1 },
      { stripeAccount: account.id },
    )
  ).data[0]!;
  expect(created).toMatchObject({
    name: 'Grace Hopper',
    type: 'individual',
    individual: { first_name: 'Grace', last_name: 'Hopper' },
  });
  await page.context().close();
});

test('account user: sets a cardholder’s own spending limit; cannot create cardholders', async ({ stack, page }) => {
  const account = accounts.at(-1)!;
  const holder = (
    await stack.stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, { stripeAccount: account.id })
  ).data[0]!;
  await signIn(page, stack.appUrl, 'account@example.com');
  await page.goto(`${stack.appUrl}/accounts/${account.id}/cardholders`);
  const row = page.getByRole('row').filter({ hasText: holder.name });
  await row.getByRole('button', { name: `Edit limits of ${holder.name}` }).click();
  const form = page.getByRole('form', { name: `Spending limits of ${holder.name}` });
  while (await form.getByRole('button', { name: 'Remove' }).count())
    await form.getByRole('button', { name: 'Remove' }).first().click();
  await form.getByRole('button', { name: 'Add a limit' }).click();
  await form.getByLabel(/^Amount/).fill('200');
  await form.getByLabel('Interval').selectOption('weekly');
  await form.getByRole('button', { name: 'Save limits' }).click();
  await form.waitFor({ state: 'detached' });
  await expect.poll(() => row.innerText()).toContain('$200.00 per week');
  const saved = await stack.stripe.issuing.cardholders.retrieve(holder.id, {}, { stripeAccount: account.id });
  expect(saved.spending_controls?.spending_limits).toEqual([
    expect.objectContaining({ amount: 20000, interval: 'weekly' }),
  ]);
  expect(await page.getByRole('form', { name: 'Create a cardholder' }).count()).toBe(0);
  await page.context().close();
});
