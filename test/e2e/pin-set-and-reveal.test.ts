// A PIN set through the JWE path, then read back by the PIN element, in a real browser: the
// account user sets the PIN of its physical card (the browser fetches Stripe's Issuing key for
// each attempt and sends only the JWE), then a support agent reveals that card and Stripe's
// (the emulator's) PIN element shows the PIN that was set. The app server never carries the PIN,
// the card number or the CVC.
import { expect } from 'vitest';
import type Stripe from 'stripe';
import { stackTest } from '../helpers/fixtures.ts';
import { elementText, recordTraffic, signIn, type RecordedExchange } from '../helpers/browser.ts';

let ownAccount: string;
let card: Stripe.Issuing.Card;

const test = stackTest({ env: { REVEAL_DISPLAY_TIMEOUT_SECONDS: '1200' } });

test.beforeAll(async ({ stack }) => {
  // Long enough that the reveal outlives its first ephemeral key (the test moves the page's clock).
  // Setting a PIN needs a second factor: the account user has the demo TOTP secret (the sign-in
  // helper types its code, and that check counts as fresh for the PIN).
  await stack.enrolTotp('account@example.com');
  // The account user's account is the oldest one (the last Stripe lists).
  ownAccount = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!.id;
  const cards = await stack.stripe.issuing.cards.list(
    { type: 'physical', status: 'active', limit: 100 },
    { stripeAccount: ownAccount },
  );
  card = cards.data[0]!;
});

/**
 * The number (16 digits) anywhere; short secrets (CVC, PIN) as whole numbers outside the prebuilt
 * bundle: not next to a digit or a letter, so a random id that happens to hold the digits
 * (`usr_ab2fb303b6…`) is not taken for a leaked CVC, while `"cvc":"303"` or `303,` still is.
 */
function expectNoCardData(traffic: RecordedExchange[], secrets: { number?: string; short: string[] }): void {
  for (const exchange of traffic) {
    const bodies = [exchange.requestBody, exchange.responseBody];
    if (secrets.number) for (const body of bodies) expect(body, exchange.url).not.toContain(secrets.number);
    if (new URL(exchange.url).pathname.startsWith('/assets/')) continue;
    for (const short of secrets.short) {
      const whole = new RegExp(`(^|[^0-9A-Za-z])${short}([^0-9A-Za-z]|$)`);
      for (const body of bodies) expect(body, `${exchange.method} ${exchange.url}`).not.toMatch(whole);
    }
  }
}

test('the account user sets a PIN through the JWE path; the support agent’s PIN element then shows it', async ({
  stack,
  browser,
}) => {
  // Six digits: long enough not to turn up by chance in ids or timestamps of the recorded traffic.
  const firstPin = '731940';
  const pin = '582613';

  // ---- the account user ------------------------------------------------------------------
  const userContext = await browser.newContext();
  const userTraffic = recordTraffic(userContext, stack.appUrl);
  const keyFetches: string[] = [];
  userContext.on('request', (request) => {
    if (request.url().startsWith(`${stack.emulatorUrl}/issuing-key/`)) keyFetches.push(request.url());
  });
  const userPage = await userContext.newPage();
  await signIn(userPage, stack.appUrl, 'account@example.com');
  await userPage.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Set a PIN' }).click();
  await userPage.getByRole('heading', { name: 'Set a PIN' }).waitFor();
  await userPage.getByLabel('Card', { exact: true }).selectOption(card.id);

  // The form checks the PIN before anything leaves the browser.
  await userPage.getByLabel('New PIN', { exact: true }).fill('12a4');
  await userPage.getByRole('button', { name: 'Set PIN' }).click();
  await userPage.getByText('A PIN is 4 to 12 digits').waitFor();
  await userPage.getByLabel('New PIN', { exact: true }).fill(firstPin);
  await userPage.getByLabel('Confirm new PIN').fill('731941');
  await userPage.getByRole('button', { name: 'Set PIN' }).click();
  await userPage.getByText('The two PINs differ').waitFor();
  expect(keyFetches).toHaveLength(0);

  await userPage.getByLabel('Confirm new PIN').fill(firstPin);
  await userPage.getByRole('button', { name: 'Set PIN' }).click();
  await userPage.getByRole('status').filter({ hasText: 'is set' }).waitFor();
  expect(await userPage.getByLabel('New PIN', { exact: true }).inputValue()).toBe('');

  // A second change: the key is fetched again (never cached), and the last PIN wins.
  await userPage.getByLabel('New PIN', { exact: true }).fill(pin);
  await userPage.getByLabel('Confirm new PIN').fill(pin);
  const pinRequest = userPage.waitForRequest((request) => request.url().endsWith(`/api/cards/${card.id}/pin`));
  await userPage.getByRole('button', { name: 'Set PIN' }).click();
  const sent = await pinRequest;
  await userPage.getByRole('status').filter({ hasText: 'is set' }).waitFor();
  expect(keyFetches).toHaveLength(2);

  // What went to the app server: a compact JWE with Stripe's header, nothing else.
  const body = JSON.parse(sent.postData() ?? '{}') as { encrypted_number?: string };
  expect(Object.keys(body)).toEqual(['encrypted_number']);
  const parts = body.encrypted_number!.split('.');
  expect(parts).toHaveLength(5);
  const header = JSON.parse(Buffer.from(parts[0]!, 'base64url').toString('utf8')) as Record<string, unknown>;
  expect(header).toMatchObject({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256' });
  expect(typeof header.kid).toBe('string');
  await userContext.close();

  // ---- the support agent -----------------------------------------------------------------
  const supportContext = await browser.newContext();
  const supportTraffic = recordTraffic(supportContext, stack.appUrl);
  const page = await supportContext.newPage();
  // The page's clock is the test's, so that the key's 15 minutes can pass in a moment.
  await page.clock.install();
  await signIn(page, stack.appUrl, 'support@example.com');
  await page.getByRole('searchbox', { name: 'Find a card' }).fill(card.id);
  await page.getByRole('button', { name: 'Search' }).click();
  const row = page.getByRole('row').filter({ hasText: card.id });
  await row.waitFor();
  expect(await row.innerText()).toContain('Physical');
  await row.getByRole('link', { name: /Reveal details/ }).click();
  await page.getByLabel('Reason for revealing').fill('Cardholder forgot the PIN of the physical card');
  await page.getByRole('button', { name: 'Reveal card details' }).click();

  await expect.poll(() => elementText(page, 'Card PIN'), { timeout: 15_000 }).toBe(pin);
  await expect.poll(() => elementText(page, 'Card number')).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
  const number = (await elementText(page, 'Card number')).replace(/ /g, '');
  const cvc = await elementText(page, 'Card CVC');
  expect(number.endsWith(card.last4)).toBe(true);
  // A copy button for the PIN too.
  expect(await page.locator('.reveal-field[data-field="pin"] iframe[title="Copy button"]').count()).toBe(1);

  // Before the ephemeral key's 15 minutes run out the view gets a new nonce and key (audited
  // again) and hands them to the mounted elements, which keep showing the card.
  const keyRequests = () =>
    supportTraffic.filter((e) => e.method === 'POST' && e.url.endsWith('/api/ephemeral-keys') && e.status === 200)
      .length;
  expect(keyRequests()).toBe(1);
  await page.clock.fastForward('14:00');
  await expect.poll(keyRequests, { timeout: 15_000 }).toBe(2);
  await expect.poll(() => elementText(page, 'Card PIN'), { timeout: 15_000 }).toBe(pin);
  expect(await page.getByRole('timer').isVisible()).toBe(true);
  const audit = await stack.app.inject({
    method: 'GET',
    url: `/api/audit?card=${card.id}`,
    headers: { cookie: await stack.loginCookie('admin@example.com') },
  });
  expect((audit.json().data as Array<{ outcome: string }>).filter((row) => row.outcome === 'granted')).toHaveLength(2);

  await page.getByRole('button', { name: 'Hide now' }).click();
  await page.getByText('The card details are hidden.').waitFor();
  expect(await page.locator('iframe[title="Card PIN"]').count()).toBe(0);

  await page.waitForTimeout(200);
  expect(userTraffic.length).toBeGreaterThan(0);
  expect(supportTraffic.length).toBeGreaterThan(0);
  expectNoCardData([...userTraffic, ...supportTraffic], { number, short: [pin, firstPin, cvc] });
  expect(stack.logs()).not.toContain(body.encrypted_number!);
  await supportContext.close();
});
