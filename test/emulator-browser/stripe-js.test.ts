// The emulator's stripe.js in real Chromium through the real @stripe/stripe-js loader: Issuing
// Elements show card data only inside frames on the emulator's origin; the Payment Element
// validates inside its frame.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type Stripe from 'stripe';
import type { Page } from 'playwright-core';
import { passesLuhn } from '../helpers/browser.ts';
import { readCardDetails } from '../helpers/card-details.ts';
import { hostDomText, numberInFrames, PUBLISHABLE_KEY, startHarness, visible, type Harness } from './harness.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';

let harness: Harness;
let account: Stripe.Account;
let card: Stripe.Issuing.Card;

beforeAll(async () => {
  harness = await startHarness();
  const accounts = await harness.stripe.accounts.list({ limit: 100 });
  account = accounts.data[0]!;
  const cards = await harness.stripe.issuing.cards.list(
    { limit: 100, type: 'virtual', status: 'active' },
    { stripeAccount: account.id },
  );
  card = cards.data[0]!;
});

afterAll(async () => {
  await harness?.close();
});

async function openStripePage(withAccount = true) {
  const opened = await harness.newPage();
  await opened.page.goto(harness.pageUrl(withAccount ? { mode: 'stripe', account: account.id } : { mode: 'stripe' }));
  await opened.page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
  return opened;
}

// Runs in the page: window.__stripe is what loadStripe() resolved to.
type PageWindow = Window & {
  __stripe: any;
  __appPost: (path: string, body: unknown) => Promise<any>;
  __events: string[];
  __elements: any;
};

async function frameText(page: Page, title: string): Promise<string> {
  const frame = page.frameLocator(`iframe[title="${title}"]`);
  return frame
    .locator('body')
    .innerText()
    .catch(() => '');
}

test("loadStripe resolves to the emulator's Stripe without a version warning", async () => {
  const { context, page, consoleMessages } = await openStripePage();
  const version = await page.evaluate(() => (window as unknown as { Stripe: { version: string } }).Stripe.version);
  expect(version).toBe('endive');
  expect(consoleMessages.filter((m) => m.includes('Stripe.js@'))).toEqual([]);
  await context.close();
});

test('Issuing Elements show number, CVC, expiry and PIN in emulator frames; the copy button copies inside its frame', async () => {
  const { context, page, consoleMessages } = await openStripePage();
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.emulatorUrl });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: harness.appUrl });

  const retrieved = await page.evaluate(
    async ({ cardId, accountId }) => {
      const w = window as unknown as PageWindow;
      const stripe = w.__stripe;
      const nonceResult = await stripe.createEphemeralKeyNonce({ issuingCard: cardId });
      const key = await w.__appPost('/app/ephemeral-key', {
        account: accountId,
        card_id: cardId,
        nonce: nonceResult.nonce,
      });
      const result = await stripe.retrieveIssuingCard(cardId, {
        ephemeralKeySecret: key.ephemeralKeySecret,
        nonce: nonceResult.nonce,
        expand: ['number', 'cvc'],
      });
      w.__events = [];
      const elements = stripe.elements();
      w.__elements = elements;
      const options = {
        issuingCard: cardId,
        nonce: nonceResult.nonce,
        ephemeralKeySecret: key.ephemeralKeySecret,
        style: { base: { color: 'rgb(10, 20, 30)', fontSize: '18px' } },
      };
      const host = document.getElementById('elements')!;
      for (const type of [
        'issuingCardNumberDisplay',
        'issuingCardCvcDisplay',
        'issuingCardExpiryDisplay',
        'issuingCardPinDisplay',
      ]) {
        const slot = document.createElement('div');
        slot.id = type;
        host.append(slot);
        const element = elements.create(type, options);
        element.on('ready', (event: { elementType: string }) => w.__events.push(`ready:${event.elementType}`));
        element.mount(`#${type}`);
      }
      const copySlot = document.createElement('div');
      copySlot.id = 'copy';
      copySlot.style.cssText = 'position: relative; width: 120px; height: 32px;';
      host.append(copySlot);
      const copy = elements.create('issuingCardCopyButton', { toCopy: 'number' });
      copy.on('click', (event: { elementType: string }) => w.__events.push(`click:${event.elementType}`));
      copy.mount(copySlot);
      const paste = document.createElement('textarea');
      paste.setAttribute('aria-label', 'Paste here');
      host.append(paste);
      return { nonce: nonceResult.nonce as string, card: result.issuingCard as Record<string, unknown> };
    },
    { cardId: card.id, accountId: account.id },
  );

  expect(retrieved.nonce).toMatch(/^ephkn_pub_/);
  expect(retrieved.card.id).toBe(card.id);
  expect(retrieved.card.last4).toBe(card.last4);
  expect(retrieved.card).not.toHaveProperty('number');
  expect(retrieved.card).not.toHaveProperty('cvc');

  await expect
    .poll(() => page.evaluate(() => (window as unknown as PageWindow).__events.slice().sort()), { timeout: 15_000 })
    .toEqual([
      'ready:issuingCardCvcDisplay',
      'ready:issuingCardExpiryDisplay',
      'ready:issuingCardNumberDisplay',
      'ready:issuingCardPinDisplay',
    ]);
  const number = await numberInFrames(page, harness.emulatorUrl);
  expect(number).toMatch(/^\d{16}$/);
  expect(passesLuhn(number)).toBe(true);
  expect(number.endsWith(card.last4)).toBe(true);
  expect(await frameText(page, 'Card CVC')).toMatch(/^\d{3}$/);
  expect(await frameText(page, 'Card PIN')).toMatch(/^\d{4,12}$/);
  expect(await frameText(page, 'Card expiry date')).toBe(
    `${String(card.exp_month).padStart(2, '0')}/${String(card.exp_year).slice(-2)}`,
  );
  // The style option reaches the frame.
  const color = await page
    .frameLocator('iframe[title="Card number"]')
    .locator('.value')
    .evaluate((el) => getComputedStyle(el).color);
  expect(color).toBe('rgb(10, 20, 30)');

  const dom = await hostDomText(page);
  expect(dom).not.toContain(number);

  // The copy button copies inside its frame and tells the host only that it was clicked.
  await page.frameLocator('iframe[title="Copy button"]').getByRole('button', { name: 'Copy card number' }).click();
  await expect
    .poll(() => page.evaluate(() => (window as unknown as PageWindow).__events.filter((e) => e.startsWith('click'))))
    .toEqual(['click:issuingCardCopyButton']);
  await page.getByLabel('Paste here').focus();
  await page.keyboard.press('Control+V');
  await expect.poll(() => page.getByLabel('Paste here').inputValue()).toBe(number);

  expect(consoleMessages.filter((m) => m.startsWith('error') || m.startsWith('pageerror'))).toEqual([]);
  await context.close();
});

test('createEphemeralKeyNonce and retrieveIssuingCard return Stripe errors instead of throwing', async () => {
  const { context, page } = await openStripePage();
  const results = await page.evaluate(async (cardId) => {
    const stripe = (window as unknown as PageWindow).__stripe;
    const unknownCard = await stripe.createEphemeralKeyNonce({ issuingCard: 'ic_doesnotexist' });
    const badKey = await stripe.retrieveIssuingCard(cardId, {
      ephemeralKeySecret: 'ek_test_nope',
      nonce: 'ephkn_pub_nope',
    });
    let thrown = '';
    try {
      await stripe.createEphemeralKeyNonce({});
    } catch (error) {
      thrown = (error as Error).message;
    }
    return { unknownCard, badKey, thrown };
  }, card.id);
  expect(results.unknownCard.error.message).toMatch(/ic_doesnotexist/);
  expect(results.badKey.error.type).toBe('invalid_request_error');
  expect(results.thrown).toMatch(/issuingCard/);
  await context.close();
});

test('with the issuing_elements_2 beta, a display element needs retrieveIssuingCard first', async () => {
  const { context, page } = await openStripePage();
  const message = await page.evaluate(
    async ({ cardId }) => {
      const stripe = new (window as unknown as { Stripe: any }).Stripe('pk_test_emulatorbrowser', {
        betas: ['issuing_elements_2'],
      });
      try {
        stripe.elements().create('issuingCardNumberDisplay', { issuingCard: cardId });
        return 'created';
      } catch (error) {
        return (error as Error).message;
      }
    },
    { cardId: card.id },
  );
  expect(message).toBe('Issuing card has not been retrieved.');
  await context.close();
});

test('the Payment Element validates inside its frame: incomplete, invalid, then complete', async () => {
  const { context, page } = await openStripePage(false);
  await page.evaluate(() => {
    const w = window as unknown as PageWindow;
    w.__events = [];
    const elements = w.__stripe.elements({
      mode: 'payment',
      amount: 1999,
      currency: 'usd',
      paymentMethodCreation: 'manual',
      appearance: { variables: { colorPrimary: '#0a7d33' } },
    });
    w.__elements = elements;
    const payment = elements.create('payment');
    payment.on('ready', () => w.__events.push('ready'));
    payment.on('change', (event: { complete: boolean }) => w.__events.push(`change:${event.complete}`));
    payment.mount('#elements');
  });
  await expect.poll(() => page.evaluate(() => (window as unknown as PageWindow).__events.includes('ready'))).toBe(true);
  const submit = () => page.evaluate(() => (window as unknown as PageWindow).__elements.submit());

  const empty = await submit();
  expect(empty.error).toMatchObject({
    type: 'validation_error',
    code: 'incomplete_number',
    message: 'Your card number is incomplete.',
  });
  const frame = page.frameLocator('iframe[title="Secure payment input frame"]');
  await visible(frame.getByText('Your card number is incomplete.'));

  await frame.getByLabel('Card number').fill('4242424242424241');
  await frame.getByLabel(/Expiration date/).fill('1230');
  await frame.getByLabel(/Security code/).fill('123');
  await frame.getByLabel('Postal code').fill('94110');
  expect((await submit()).error).toMatchObject({ code: 'invalid_number' });

  await frame.getByLabel('Card number').fill('4242424242424242');
  expect(await frame.getByLabel('Card number').inputValue()).toBe('4242 4242 4242 4242');
  expect(await submit()).toEqual({ selectedPaymentMethod: 'card' });
  expect(await page.evaluate(() => (window as unknown as PageWindow).__events.includes('change:true'))).toBe(true);

  // Typed card data stays in the frame.
  expect(await hostDomText(page)).not.toContain('4242 4242 4242 4242');
  await context.close();
});

test('one card fetch per reveal: the controller frame retrieves the card for every element, which load from preloaded frames', async () => {
  const { context, page, consoleMessages } = await openStripePage();
  const physical = (
    await harness.stripe.issuing.cards.list(
      { limit: 100, type: 'physical', status: 'active' },
      { stripeAccount: account.id },
    )
  ).data[0]!;
  const secrets = await readCardDetails(
    {
      emulatorUrl: harness.emulatorUrl,
      stripe: harness.stripe,
      config: { stripe: { publishableKey: PUBLISHABLE_KEY, apiVersion: STRIPE_API_VERSION } },
    },
    physical.id,
    account.id,
    ['number', 'cvc', 'pin.number'],
  );
  const pin = secrets.pin?.number ?? '';
  expect(pin).toMatch(/^\d{4,12}$/);
  const types = [
    'issuingCardNumberDisplay',
    'issuingCardCvcDisplay',
    'issuingCardExpiryDisplay',
    'issuingCardPinDisplay',
  ];

  // A Stripe instance for Issuing Elements preloads their frames, hidden from sight, assistive
  // technology and the tab order, before any element exists.
  await page.evaluate(
    ({ pk, acct }) => {
      const w = window as unknown as PageWindow & { __issuing: unknown };
      w.__issuing = new (window as unknown as { Stripe: any }).Stripe(pk, {
        stripeAccount: acct,
        betas: ['issuing_elements_2'],
      });
    },
    { pk: PUBLISHABLE_KEY, acct: account.id },
  );
  const preloaded = page.locator('iframe[src*="/_emulator/frames/issuing-element.html"]');
  await expect.poll(() => preloaded.count()).toBe(8);
  await expect
    .poll(() =>
      Promise.all(
        page
          .frames()
          .filter((f) => f.url().includes('/issuing-element.html'))
          .map((f) => f.evaluate(() => document.readyState).catch(() => '')),
      ),
    )
    .toEqual(Array(8).fill('complete'));
  for (const frame of await preloaded.all()) {
    expect(await frame.getAttribute('aria-hidden')).toBe('true');
    expect(await frame.getAttribute('tabindex')).toBe('-1');
  }
  expect(await page.locator('iframe[title="Card number"]').count()).toBe(0);

  // From here on: what the reveal asks of the emulator.
  const requests: { url: string; frame: string }[] = [];
  context.on('request', (request) => requests.push({ url: request.url(), frame: request.frame().url() }));

  const retrieved = await page.evaluate(
    async ({ cardId, accountId, types }) => {
      const w = window as unknown as PageWindow & { __issuing: any };
      const stripe = w.__issuing;
      const { nonce } = await stripe.createEphemeralKeyNonce({ issuingCard: cardId });
      const key = await w.__appPost('/app/ephemeral-key', { account: accountId, card_id: cardId, nonce });
      const result = await stripe.retrieveIssuingCard(cardId, {
        ephemeralKeySecret: key.ephemeralKeySecret,
        nonce,
        expand: ['number', 'cvc', 'pin.number'],
      });
      const elements = stripe.elements();
      const host = document.getElementById('elements')!;
      const options = { issuingCard: cardId, nonce, ephemeralKeySecret: key.ephemeralKeySecret };
      for (const type of types) {
        const slot = document.createElement('div');
        host.append(slot);
        elements.create(type, options).mount(slot);
        const copySlot = document.createElement('div');
        copySlot.style.cssText = 'position: relative; width: 120px; height: 32px;';
        host.append(copySlot);
        elements
          .create('issuingCardCopyButton', {
            toCopy:
              type === 'issuingCardNumberDisplay'
                ? 'number'
                : type === 'issuingCardCvcDisplay'
                  ? 'cvc'
                  : type === 'issuingCardPinDisplay'
                    ? 'pin'
                    : 'expiry',
          })
          .mount(copySlot);
      }
      return result.issuingCard as Record<string, unknown>;
    },
    { cardId: physical.id, accountId: account.id, types },
  );

  expect(retrieved.id).toBe(physical.id);
  expect(retrieved).not.toHaveProperty('number');
  expect(retrieved).not.toHaveProperty('cvc');
  expect((retrieved.pin as Record<string, unknown> | null)?.number).toBeUndefined();

  await expect.poll(() => numberInFrames(page, harness.emulatorUrl), { timeout: 15_000 }).toBe(secrets.number);
  await expect.poll(() => frameText(page, 'Card CVC')).toBe(secrets.cvc);
  await expect.poll(() => frameText(page, 'Card PIN')).toBe(pin);
  await expect
    .poll(() => frameText(page, 'Card expiry date'))
    .toBe(`${String(physical.exp_month).padStart(2, '0')}/${String(physical.exp_year).slice(-2)}`);
  await expect.poll(() => page.locator('iframe[title="Copy button"]').count()).toBe(4);

  // One GET of the card, by the controller frame, with the three PCI fields; no frame page loaded.
  const cardFetches = requests.filter((r) => r.url.includes(`/v1/issuing/cards/${physical.id}`));
  expect(cardFetches).toHaveLength(1);
  expect(cardFetches[0]!.frame).toContain('/_emulator/frames/controller.html');
  expect(decodeURIComponent(cardFetches[0]!.url)).toContain('expand[]=number&expand[]=cvc&expand[]=pin.number');
  expect(requests.filter((r) => r.url.includes('/_emulator/frames/issuing-element.html'))).toEqual([]);

  // The host page saw neither the values nor any message carrying them.
  const seen = await page.evaluate(() =>
    (window as unknown as { __record: { messages: string[] } }).__record.messages.join('\n'),
  );
  expect(seen).not.toContain(secrets.number);
  expect(seen).not.toMatch(new RegExp(`(^|\\D)${pin}(\\D|$)`));
  expect(await hostDomText(page)).not.toContain(secrets.number);
  expect(consoleMessages.filter((m) => m.startsWith('error') || m.startsWith('pageerror'))).toEqual([]);
  await context.close();
});
