// An account whose card_issuing capability is not active (Stripe refuses its cardholders and
// cards) shows why on its page, in words, with the issue-card form disabled, instead of failing
// on the first cardholder or card; once the platform provides what Stripe requires, the same page
// lets the admin issue. The accounts list marks such an account too.
import { expect } from 'vitest';
import { testOnboardingParams } from '../../shared/stripe-test-onboarding.ts';
import { signIn } from '../helpers/browser.ts';
import { stackTest } from '../helpers/fixtures.ts';

// Webhooks delivered, as in a deployment: the pages read the mirror they feed (issue 18).
const test = stackTest({ webhookSecret: 'whsec_account_issuing_readiness_e2e' });

test('admin: an account that cannot issue yet says what Stripe needs; once provided, cards can be issued', async ({
  stack,
  context,
  page,
}) => {
  const account = await stack.stripe.accounts.create({
    type: 'custom',
    country: 'US',
    email: 'new@foxtrot.example',
    business_profile: { name: 'Foxtrot Freight' },
    capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
  });
  // An account connected after the deployment's backfill listed the accounts: the mirror learns
  // it from its events (none for a creation here) or an operator's resync.
  await stack.app.cardIndex.whenBackfilled();
  await stack.app.cardIndex.backfill();
  await signIn(page, stack.appUrl, 'admin@example.com');
  // Signed in (the login page's own 401 for /api/me is expected): no console errors from here on.
  const errors: string[] = [];
  page.on('console', (message) => {
    if (message.type() === 'error') errors.push(message.text());
  });

  // The accounts list marks it.
  await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Accounts' }).click();
  const row = page.getByRole('row', { name: /Foxtrot Freight/ });
  await row.waitFor();
  expect(await row.innerText()).toContain('Card issuing not active');
  await row.getByRole('link', { name: 'Foxtrot Freight' }).click();
  await page.getByRole('heading', { level: 1, name: 'Foxtrot Freight' }).waitFor();

  // Why, in words a platform admin understands.
  const notice = page.getByRole('region', { name: 'Card issuing is not active' });
  await notice.waitFor();
  const needs = await notice
    .getByRole('list', { name: 'What Stripe still needs' })
    .getByRole('listitem')
    .allInnerTexts();
  expect(needs).toEqual(
    expect.arrayContaining([
      'Business type (individual or company)',
      'Business category (merchant category code)',
      'Acceptance of the Stripe Issuing terms (date and IP address)',
      'Acceptance of the Stripe services agreement (date and IP address)',
    ]),
  );
  // The issue-card form is there but disabled, saying why.
  const form = page.getByRole('form', { name: 'Issue a card' });
  expect(await form.getByRole('button', { name: 'Issue card' }).isDisabled()).toBe(true);
  expect(await form.innerText()).toContain('once Stripe activates card issuing');

  // The platform provides what Stripe requires (as `npm run seed` does): the page lets it issue.
  await stack.stripe.accounts.update(
    account.id,
    testOnboardingParams({
      businessName: 'Foxtrot Freight',
      url: 'https://foxtrot.example',
      person: { first_name: 'Fay', last_name: 'Fox', email: 'fay@foxtrot.example', phone: '+14155550166' },
      address: { city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
      acceptedAt: Math.floor(Date.now() / 1000),
      acceptedFromIp: '192.0.2.1',
    }),
  );
  await stack.stripe.issuing.cardholders.create(
    {
      name: 'Fay Fox',
      billing: { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
    },
    { stripeAccount: account.id },
  );
  await page.reload();
  await page.getByRole('heading', { level: 1, name: 'Foxtrot Freight' }).waitFor();
  await form.getByLabel('Cardholder').waitFor();
  expect(await notice.count()).toBe(0);
  await form.getByRole('button', { name: 'Issue card' }).click();
  await form.getByRole('status').getByRole('link').waitFor();
  expect((await stack.stripe.issuing.cards.list({}, { stripeAccount: account.id })).data).toHaveLength(1);
  expect(errors).toEqual([]);
  await context.close();
});
