// When the Account Session behind a mounted component expires, the next request is refused and
// connect.js calls fetchClientSecret again, claims the new session and carries on, as Stripe's
// Connect.js does (docs.stripe.com/connect/get-started-connect-embedded-components).
import { afterAll, beforeAll, expect, test } from 'vitest';
import { manualClock } from '../../emulator/api/store.ts';
import { startHarness, visible, type Harness } from './harness.ts';

const clock = manualClock();
let harness: Harness;

beforeAll(async () => {
  harness = await startHarness({ clock });
  harness.app.features = { card_management: true };
});

afterAll(async () => {
  await harness?.close();
});

test('an expired session is renewed through fetchClientSecret and the action goes through', async () => {
  const accounts = await harness.stripe.accounts.list({ limit: 100 });
  const account = accounts.data[0]!;
  const cards = await harness.stripe.issuing.cards.list(
    { limit: 100, status: 'active' },
    { stripeAccount: account.id },
  );
  const card = cards.data[0]!;

  const { context, page } = await harness.newPage();
  await page.goto(harness.pageUrl({ component: 'issuing-card', account: account.id, defaultCard: card.id }));
  await visible(page.getByRole('button', { name: 'Freeze card' }));
  const fetches = () =>
    page.evaluate(() => (window as unknown as { __record: { secretFetches: number } }).__record.secretFetches);
  expect(await fetches()).toBe(1);

  clock.advance(2 * 60 * 60 * 1000); // well past any Account Session's lifetime
  await page.getByRole('button', { name: 'Freeze card' }).click();
  await visible(page.getByRole('button', { name: 'Activate card' }));
  expect(await fetches()).toBe(2);
  const updated = await harness.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: account.id });
  expect(updated.status).toBe('inactive');
  await context.close();
});
