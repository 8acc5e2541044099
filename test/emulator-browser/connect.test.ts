// The emulator's connect.js in real Chromium, driven through the real @stripe/connect-js loader:
// what a user of the issuing components sees and can do, and where card numbers may appear.
import { afterAll, beforeAll, beforeEach, describe, expect, test } from 'vitest';
import type Stripe from 'stripe';
import { StripeApiError } from '../../emulator/api/errors.ts';
import type { RequestHook } from '../../emulator/api/router.ts';
import { passesLuhn } from '../helpers/browser.ts';
import { hostDomText, isFocused, numberInFrames, startHarness, visible, type Harness } from './harness.ts';

let harness: Harness;
let account: Stripe.Account;
let cards: Stripe.Issuing.Card[];

beforeAll(async () => {
  harness = await startHarness();
  const accounts = await harness.stripe.accounts.list({ limit: 100 });
  // The account with the most cards, so filters have something to narrow.
  let best: { account: Stripe.Account; cards: Stripe.Issuing.Card[] } | null = null;
  for (const candidate of accounts.data) {
    const list = await harness.stripe.issuing.cards.list(
      { limit: 100, expand: ['data.cardholder'] },
      { stripeAccount: candidate.id },
    );
    if (!best || list.data.length > best.cards.length) best = { account: candidate, cards: list.data };
  }
  account = best!.account;
  cards = best!.cards;
});

afterAll(async () => {
  await harness?.close();
});

beforeEach(() => {
  harness.app.features = { card_management: true, spend_control_management: true };
  harness.app.refuseKeys = null;
  harness.app.queuedSecrets = [];
  harness.app.failSecrets = false;
});

function holderName(card: Stripe.Issuing.Card): string {
  return typeof card.cardholder === 'object' ? card.cardholder.name : card.cardholder;
}

describe('issuing cards list', () => {
  test("shows the account's cards, filters them, and reveals a number only inside the emulator's frame", async () => {
    const { context, page, consoleMessages } = await harness.newPage();
    const hostResponses: string[] = [];
    page.on('response', (response) => {
      if (response.frame() !== page.mainFrame()) return;
      response.text().then(
        (text) => hostResponses.push(text),
        () => {},
      );
    });
    await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id, reveal: '1' }));

    // Every card of the account is listed, one row button each, named by cardholder and last4:
    // its accessible name starts with its visible text (WCAG 2.5.3, axe's label-content-name-mismatch).
    for (const card of cards) {
      const button = page.getByRole('button', { name: `${holderName(card)}, card ending in ${card.last4}` });
      await visible(button);
      expect(await button.innerText()).toBe(holderName(card));
    }
    const rowButtons = page.getByRole('button', { name: /, card ending in \d{4}$/ });
    expect(await rowButtons.count()).toBe(cards.length);

    // Filtering by type leaves only that type.
    await page.getByLabel('Card type').selectOption('virtual');
    const virtual = cards.filter((c) => c.type === 'virtual');
    expect(await rowButtons.count()).toBe(virtual.length);
    await page.getByLabel('Card type').selectOption('');

    // Filtering by cardholder.
    const someHolder = cards[0]!.cardholder;
    await page.getByLabel('Cardholder').selectOption(someHolder.id);
    const ofHolder = cards.filter((c) => c.cardholder.id === someHolder.id);
    expect(await rowButtons.count()).toBe(ofHolder.length);
    await page.getByLabel('Cardholder').selectOption('');

    // Open an active virtual card with the keyboard.
    const card = cards.find((c) => c.type === 'virtual' && c.status === 'active')!;
    await page.getByRole('button', { name: `${holderName(card)}, card ending in ${card.last4}` }).focus();
    await page.keyboard.press('Enter');
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${card.last4}`) }));

    await page.getByRole('button', { name: 'Show numbers' }).click();
    await expect.poll(() => numberInFrames(page, harness.emulatorUrl), { timeout: 15_000 }).toMatch(/^\d{16}$/);
    const number = await numberInFrames(page, harness.emulatorUrl);
    expect(passesLuhn(number)).toBe(true);
    expect(number.endsWith(card.last4)).toBe(true);
    await visible(page.getByRole('button', { name: 'Hide numbers' }));

    // appearance.variables style the component and reach the frame.
    const back = page.getByRole('button', { name: 'Back to cards' });
    expect(await back.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(10, 125, 51)');
    expect(await back.evaluate((el) => getComputedStyle(el).fontFamily)).toBe('serif');
    const frameVariable = await page
      .frameLocator('iframe[title^="Card details"]')
      .locator('html')
      .evaluate((el) => getComputedStyle(el).getPropertyValue('--cx-color-primary').trim());
    expect(frameVariable).toBe('#0a7d33');

    // The host page never holds the number: not in its DOM (shadow roots included), not in a
    // message it received, not in a response to a request it made.
    const grouped = number.replace(/(\d{4})(?=\d)/g, '$1 ');
    const dom = await hostDomText(page);
    expect(dom).not.toContain(number);
    expect(dom).not.toContain(grouped);
    const messages = await page.evaluate(
      () => (window as unknown as { __record: { messages: string[] } }).__record.messages,
    );
    expect(messages.length).toBeGreaterThan(0);
    for (const message of messages) expect(message).not.toContain(number);
    expect(hostResponses.length).toBeGreaterThan(0);
    for (const body of hostResponses) expect(body).not.toContain(number);

    // The frame got its key by postMessage, never in its URL.
    for (const frame of page.frames()) expect(frame.url()).not.toMatch(/ek_test_/);

    // The loader start was reported; nothing failed; the loaders found our scripts without warning
    // about Stripe.js's version.
    const record = await page.evaluate(
      () => (window as unknown as { __record: { loaderStarts: unknown[]; loadErrors: unknown[] } }).__record,
    );
    expect(record.loaderStarts).toEqual([{ elementTagName: 'stripe-connect-issuing-cards-list' }]);
    expect(record.loadErrors).toEqual([]);
    expect(consoleMessages.filter((m) => m.startsWith('error') || m.startsWith('pageerror'))).toEqual([]);

    // Back to the list, focus returns to the card's row.
    await page.getByRole('button', { name: 'Back to cards' }).click();
    await expect
      .poll(() => isFocused(page.getByRole('button', { name: `${holderName(card)}, card ending in ${card.last4}` })))
      .toBe(true);
    await context.close();
  });

  test('without fetchEphemeralKey there is no Show numbers button', async () => {
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id }));
    const card = cards[0]!;
    await page.getByRole('button', { name: `${holderName(card)}, card ending in ${card.last4}` }).click();
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${card.last4}`) }));
    await expect.poll(() => page.getByRole('button', { name: 'Show numbers' }).count()).toBe(0);
    await context.close();
  });

  test('the key is fetched as each card opens, before any click; no key, no Show numbers button', async () => {
    // Stripe: "Stripe generates a nonce from the Card ID … when a card is selected or loaded. Stripe
    // then calls your callback function … and then renders a Show numbers button if the ephemeral
    // key is valid." (docs.stripe.com/issuing/connect/embedded-components#sensitive-data-display)
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id, reveal: '1' }));
    const keyFetches = () =>
      page.evaluate(() => (window as unknown as { __record: { keyFetches: number } }).__record.keyFetches);
    const active = cards.filter((c) => c.status === 'active' && c.type === 'virtual').slice(0, 2);
    expect(active).toHaveLength(2);
    await visible(page.getByRole('button', { name: `${holderName(active[0]!)}, card ending in ${active[0]!.last4}` }));
    expect(await keyFetches()).toBe(0); // the list alone asks for no key
    for (const [index, card] of active.entries()) {
      await page.getByRole('button', { name: `${holderName(card)}, card ending in ${card.last4}` }).click();
      await visible(page.getByRole('button', { name: 'Show numbers' }));
      expect(await keyFetches()).toBe(index + 1); // fetched on opening, nobody clicked
      await page.getByRole('button', { name: 'Back to cards' }).click();
    }
    await context.close();

    // A refused key: no button and no frame, however long one waits.
    harness.app.refuseKeys = { status: 403, message: 'You may not reveal this card.' };
    const refused = await harness.newPage();
    await refused.page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id, reveal: '1' }));
    const card = active[0]!;
    await refused.page.getByRole('button', { name: `${holderName(card)}, card ending in ${card.last4}` }).click();
    await visible(refused.page.getByRole('heading', { name: new RegExp(`•••• ${card.last4}`) }));
    await expect
      .poll(() =>
        refused.page.evaluate(() => (window as unknown as { __record: { keyFetches: number } }).__record.keyFetches),
      )
      .toBe(1);
    await refused.page.waitForTimeout(300);
    expect(await refused.page.getByRole('button', { name: 'Show numbers' }).count()).toBe(0);
    // (stripe.js's hidden controller frame is on every page; no card-details frame was opened.)
    expect(
      refused.page
        .frames()
        .filter((f) => f.url().startsWith(`${harness.emulatorUrl}/_emulator/frames/card-details.html`)),
    ).toHaveLength(0);
    await refused.context.close();
  });

  test('a physical card gets no key and no button (sensitive data display is for virtual cards)', async () => {
    const physical = cards.find((c) => c.type === 'physical' && c.status === 'active')!;
    const { context, page } = await harness.newPage();
    await page.goto(
      harness.pageUrl({ component: 'issuing-card', account: account.id, reveal: '1', defaultCard: physical.id }),
    );
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${physical.last4}`) }));
    await page.waitForTimeout(300);
    expect(
      await page.evaluate(() => (window as unknown as { __record: { keyFetches: number } }).__record.keyFetches),
    ).toBe(0);
    expect(await page.getByRole('button', { name: 'Show numbers' }).count()).toBe(0);
    await context.close();
  });

  test('the card component fetches a key for the card it loads and for each card selected', async () => {
    const { context, page } = await harness.newPage();
    const active = cards.filter((c) => c.status === 'active' && c.type === 'virtual');
    const first = active[0]!;
    const second = active.find((c) => c.id !== first.id)!;
    await page.goto(
      harness.pageUrl({ component: 'issuing-card', account: account.id, reveal: '1', defaultCard: first.id }),
    );
    const keyFetches = () =>
      page.evaluate(() => (window as unknown as { __record: { keyFetches: number } }).__record.keyFetches);
    await visible(page.getByRole('button', { name: 'Show numbers' }));
    expect(await keyFetches()).toBe(1);
    await page.getByLabel('Card', { exact: true }).selectOption(second.id);
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${second.last4}`) }));
    await expect.poll(keyFetches).toBe(2);
    await visible(page.getByRole('button', { name: 'Show numbers' }));
    await page.getByRole('button', { name: 'Show numbers' }).click();
    await expect
      .poll(() => numberInFrames(page, harness.emulatorUrl), { timeout: 15_000 })
      .toMatch(new RegExp(`${second.last4}$`));
    expect(await keyFetches()).toBe(2); // showing used the key fetched on selection
    await context.close();
  });

  test('a failing fetchClientSecret is reported to onLoadError and shown', async () => {
    harness.app.failSecrets = true;
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id }));
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('The app could not create an account session.');
    const record = await page.evaluate(
      () =>
        (
          window as unknown as {
            __record: { loadErrors: Array<{ error: { type: string; message: string }; elementTagName: string }> };
          }
        ).__record,
    );
    expect(record.loadErrors).toHaveLength(1);
    expect(record.loadErrors[0]!.error.type).toBe('account_session_create_error');
    expect(record.loadErrors[0]!.elementTagName).toBe('stripe-connect-issuing-cards-list');
    await context.close();
  });

  test('a client secret that was already used is replaced by calling fetchClientSecret again', async () => {
    const used = await harness.stripe.accountSessions.create({
      account: account.id,
      components: { issuing_cards_list: { enabled: true, features: {} } },
    });
    const claim = await fetch(`${harness.emulatorUrl}/_emulator/connect/claim`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ client_secret: used.client_secret }),
    });
    expect(claim.status).toBe(200);
    harness.app.queuedSecrets = [used.client_secret];
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id }));
    await visible(page.getByRole('button', { name: /, card ending in \d{4}$/ }).first());
    const record = await page.evaluate(
      () => (window as unknown as { __record: { secretFetches: number; loadErrors: unknown[] } }).__record,
    );
    expect(record.secretFetches).toBe(2);
    expect(record.loadErrors).toEqual([]);
    await context.close();
  });
});

test('update() restyles mounted components; logout() ends the session and disables them', async () => {
  const { context, page } = await harness.newPage();
  const tokens: string[] = [];
  page.on('request', (request) => {
    const auth = request.headers()['authorization'];
    if (auth?.startsWith('Bearer emcs_')) tokens.push(auth.slice('Bearer '.length));
  });
  await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id }));
  const firstRow = page.getByRole('button', { name: /, card ending in \d{4}$/ }).first();
  await visible(firstRow);
  await page.evaluate(() =>
    (window as unknown as { __connect: { update(o: unknown): void } }).__connect.update({
      appearance: { variables: { colorPrimary: '#123456' } },
    }),
  );
  await expect.poll(() => firstRow.evaluate((el) => getComputedStyle(el).color)).toBe('rgb(18, 52, 86)');

  await page.evaluate(() => (window as unknown as { __connect: { logout(): Promise<void> } }).__connect.logout());
  await visible(page.getByText('This session has ended.'));
  expect(tokens.length).toBeGreaterThan(0);
  const after = await fetch(`${harness.emulatorUrl}/v1/issuing/cards`, {
    headers: { Authorization: `Bearer ${tokens[0]}` },
  });
  expect(after.status).toBe(401);
  await context.close();
});

test('shows a loading state, then an API error with its Stripe type, and recovers on Try again', async () => {
  let release!: () => void;
  const gate = new Promise<void>((resolve) => {
    release = resolve;
  });
  let failures = 1;
  const hook: RequestHook = async (ctx) => {
    if (ctx.principal.kind !== 'connect' || ctx.path !== '/v1/issuing/cards') return;
    await gate;
    if (failures > 0) {
      failures -= 1;
      throw new StripeApiError(429, 'Too many requests hit the API too quickly.', {
        code: 'rate_limit',
        idempotent: false,
      });
    }
  };
  harness.emulator.emulator.requestHooks.push(hook);
  try {
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: account.id }));
    await visible(page.getByRole('status').getByText('Loading…'));
    const record = () =>
      page.evaluate(
        () =>
          (
            window as unknown as {
              __record: { loaderStarts: unknown[]; loadErrors: Array<{ error: { type: string; message: string } }> };
            }
          ).__record,
      );
    expect((await record()).loaderStarts).toHaveLength(1);
    release();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('Too many requests hit the API too quickly.');
    expect((await record()).loadErrors.map((e) => e.error.type)).toEqual(['rate_limit_error']);
    await page.getByRole('button', { name: 'Try again' }).click();
    await visible(page.getByRole('button', { name: /, card ending in \d{4}$/ }).first());
    await context.close();
  } finally {
    const index = harness.emulator.emulator.requestHooks.indexOf(hook);
    if (index >= 0) harness.emulator.emulator.requestHooks.splice(index, 1);
  }
});

test('an account without cards shows an empty state', async () => {
  const empty = await harness.stripe.accounts.create({
    type: 'custom',
    country: 'US',
    capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
  });
  const { context, page } = await harness.newPage();
  await page.goto(harness.pageUrl({ component: 'issuing-cards-list', account: empty.id }));
  await visible(page.getByText('This account has no cards yet.'));
  await context.close();
});

describe('issuing card', () => {
  test('honours defaultCard, switches cards, freezes, activates and cancels with a confirmation', async () => {
    const active = cards.filter((c) => c.status === 'active');
    const target = active[0]!;
    const other = active[1] ?? cards.find((c) => c.id !== target.id)!;
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-card', account: account.id, defaultCard: target.id }));
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${target.last4}`) }));

    // Switch cards with the labelled select.
    await page.getByLabel('Card', { exact: true }).selectOption(other.id);
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${other.last4}`) }));
    await page.getByLabel('Card', { exact: true }).selectOption(target.id);

    await page.getByRole('button', { name: 'Freeze card' }).click();
    await visible(page.getByRole('button', { name: 'Activate card' }));
    expect((await harness.stripe.issuing.cards.retrieve(target.id, {}, { stripeAccount: account.id })).status).toBe(
      'inactive',
    );
    await page.getByRole('button', { name: 'Activate card' }).click();
    await visible(page.getByRole('button', { name: 'Freeze card' }));
    expect((await harness.stripe.issuing.cards.retrieve(target.id, {}, { stripeAccount: account.id })).status).toBe(
      'active',
    );

    await page.getByRole('button', { name: 'Cancel card', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await expect.poll(() => dialog.innerText()).toContain('permanent');
    // A reason is required.
    await dialog.getByRole('button', { name: 'Cancel card permanently' }).click();
    await expect.poll(() => dialog.getByRole('alert').innerText()).toContain('lost or stolen');
    await dialog.getByRole('radio', { name: 'Stolen' }).check();
    await dialog.getByRole('button', { name: 'Cancel card permanently' }).click();
    await expect.poll(() => page.getByRole('dialog').count()).toBe(0);
    await visible(page.getByText('This card is canceled.'));
    const canceled = await harness.stripe.issuing.cards.retrieve(target.id, {}, { stripeAccount: account.id });
    expect(canceled.status).toBe('canceled');
    expect(canceled.cancellation_reason).toBe('stolen');
    await context.close();
  });

  test('without card_management there are no card actions; with cardSwitching off there is no card select', async () => {
    harness.app.features = {};
    const card = cards.find((c) => c.status === 'active')!;
    const { context, page } = await harness.newPage();
    await page.goto(
      harness.pageUrl({ component: 'issuing-card', account: account.id, defaultCard: card.id, cardSwitching: '0' }),
    );
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${card.last4}`) }));
    await expect
      .poll(() => page.getByRole('button', { name: /Freeze card|Activate card|Cancel card/ }).count())
      .toBe(0);
    await expect.poll(() => page.getByLabel('Card', { exact: true }).count()).toBe(0);
    await context.close();
  });

  test('spend controls: shown with showSpendControls, saved with spend_control_management, errors shown', async () => {
    const card =
      cards.find((c) => c.status === 'active' && c.id !== cards.find((x) => x.status === 'active')!.id) ?? cards[0]!;
    const { context, page } = await harness.newPage();
    await page.goto(
      harness.pageUrl({ component: 'issuing-card', account: account.id, defaultCard: card.id, spend: '1' }),
    );
    await page.getByRole('tab', { name: 'Spend controls' }).click();
    await expect
      .poll(() => page.getByRole('tab', { name: 'Spend controls' }).getAttribute('aria-selected'))
      .toBe('true');

    // Replace the limits with one: 123.45 per week on restaurants; block two categories.
    while (await page.getByRole('button', { name: /^Remove limit/ }).count()) {
      await page
        .getByRole('button', { name: /^Remove limit/ })
        .first()
        .click();
    }
    await page.getByRole('button', { name: 'Add spending limit' }).click();
    await page.getByLabel(/^Amount/).fill('123.45');
    await page.getByLabel('Interval').selectOption('weekly');
    await page.getByLabel(/^Categories \(optional/).fill('eating_places_restaurants');
    await page.getByRole('radio', { name: 'Block these categories' }).check();
    await page.getByLabel(/^Categories \(comma-separated/).fill('betting_casino_gambling, not_a_category');
    await page.getByRole('button', { name: 'Save spend controls' }).click();
    await expect
      .poll(() => page.getByRole('alert').innerText())
      .toContain('Unknown merchant category "not_a_category"');

    await page.getByLabel(/^Categories \(comma-separated/).fill('betting_casino_gambling, dating_escort_services');
    await page.getByRole('button', { name: 'Save spend controls' }).click();
    await visible(page.getByText('Spend controls saved.'));
    const saved = await harness.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: account.id });
    expect(saved.spending_controls.spending_limits).toEqual([
      { amount: 12345, interval: 'weekly', categories: ['eating_places_restaurants'] },
    ]);
    expect(saved.spending_controls.blocked_categories).toEqual(['betting_casino_gambling', 'dating_escort_services']);
    expect(saved.spending_controls.allowed_categories).toBeNull();
    await context.close();

    // Without the feature the controls are read-only.
    harness.app.features = { card_management: true };
    const second = await harness.newPage();
    await second.page.goto(
      harness.pageUrl({ component: 'issuing-card', account: account.id, defaultCard: card.id, spend: '1' }),
    );
    await second.page.getByRole('tab', { name: 'Spend controls' }).click();
    await visible(second.page.getByText('$123.45 per week on Eating places restaurants').last());
    await expect.poll(() => second.page.getByRole('button', { name: 'Save spend controls' }).count()).toBe(0);
    await second.context.close();
  });

  test('a defaultCard set later (as React effects do) switches the card shown', async () => {
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-card', account: account.id }));
    await visible(page.getByRole('heading', { level: 2 }));
    const shown = await page.getByRole('heading', { level: 2 }).innerText();
    const other = cards.find((c) => !shown.includes(`•••• ${c.last4}`))!;
    await page.evaluate((id) => {
      (
        document.querySelector('stripe-connect-issuing-card') as unknown as { setDefaultCard(id: string): void }
      ).setDefaultCard(id);
    }, other.id);
    await visible(page.getByRole('heading', { name: new RegExp(`•••• ${other.last4}`) }));
    await context.close();
  });

  test('no spend controls tab unless showSpendControls', async () => {
    const { context, page } = await harness.newPage();
    await page.goto(harness.pageUrl({ component: 'issuing-card', account: account.id }));
    await visible(page.getByRole('heading', { level: 2 }));
    await expect.poll(() => page.getByRole('tab').count()).toBe(0);
    await context.close();
  });
});
