// The support agent's whole job in a real browser: find a card across accounts by last4 and by
// cardholder email, give a reason, see number, CVC and expiry in Stripe's (the emulator's) Issuing
// Elements, copy the number, and watch the details disappear after the policy's timeout. A
// reveal without a reason is refused, every attempt is in the audit log, and the app server never
// carries a card number or CVC.
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type Stripe from 'stripe';
import { axeViolations } from '../helpers/axe.ts';
import { stackTest } from '../helpers/fixtures.ts';
import { elementText, passesLuhn, recordTraffic, signIn, type RecordedExchange } from '../helpers/browser.ts';

/** Short, so that the test sees the details hidden without waiting the policy's 30 seconds. */
const DISPLAY_TIMEOUT_SECONDS = 8;

let account: Stripe.Account;
let card: Stripe.Issuing.Card;
let cardholder: Stripe.Issuing.Cardholder;

const test = stackTest({ env: { REVEAL_DISPLAY_TIMEOUT_SECONDS: String(DISPLAY_TIMEOUT_SECONDS) } });

test.beforeAll(async ({ stack }) => {
  // A virtual card in an account other than the account user's, with a cardholder who has an email.
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  account = accounts[1]!;
  const cards = await stack.stripe.issuing.cards.list(
    { type: 'virtual', status: 'active', limit: 100 },
    { stripeAccount: account.id },
  );
  card = cards.data.find((c) => c.cardholder.email)!;
  cardholder = card.cardholder;
});

/**
 * No card data in the app server's traffic. The 16-digit number is looked for everywhere; a
 * 3-digit CVC (or a PIN) would match by chance inside the static bundle, which was built before
 * the test and cannot carry runtime data, so those are looked for as whole numbers in every
 * other exchange (API calls, pages).
 */
function expectNoCardData(traffic: RecordedExchange[], secrets: { number: string; cvc: string; pin?: string }): void {
  for (const exchange of traffic) {
    const bodies = [exchange.requestBody, exchange.responseBody];
    for (const body of bodies) expect(body, exchange.url).not.toContain(secrets.number);
    if (new URL(exchange.url).pathname.startsWith('/assets/')) continue;
    for (const short of [secrets.cvc, secrets.pin].filter((s): s is string => Boolean(s))) {
      const whole = new RegExp(`(^|\\D)${short}(\\D|$)`);
      for (const body of bodies) expect(body, `${exchange.method} ${exchange.url}`).not.toMatch(whole);
    }
  }
}

/** The element with keyboard focus, as `tag: text` ("body: …" when focus was lost). */
function focused(page: Page): Promise<string> {
  return page.evaluate(() => {
    const el = document.activeElement;
    return el ? `${el.tagName.toLowerCase()}: ${(el.textContent ?? '').trim().slice(0, 40)}` : 'none';
  });
}

async function search(page: Page, term: string): Promise<void> {
  await page.getByRole('searchbox', { name: 'Find a card' }).fill(term);
  await page.getByRole('button', { name: 'Search' }).click();
}

test('support agent looks a card up, reveals it with a reason, copies the number and sees it hidden again', async ({
  stack,
  context,
  page,
}) => {
  // The copy button writes to the clipboard from the emulator's frame; the test reads it back.
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.emulatorUrl });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: stack.appUrl });
  const appTraffic = recordTraffic(context, stack.appUrl);

  await signIn(page, stack.appUrl, 'support@example.com');
  await page.getByRole('heading', { name: 'Find a card' }).waitFor();

  // By last4 alone: not specific enough for a support agent (decision 030); the page says how to be.
  await search(page, card.last4);
  await page.getByText('Not specific enough to find one card').waitFor();
  // By last4 with part of the name: the row shows cardholder, account, last4, type and status.
  await search(page, `${card.last4} ${cardholder.name.split(' ').at(-1)}`);
  const row = page.getByRole('row').filter({ hasText: card.id });
  await row.waitFor();
  const rowText = await row.innerText();
  expect(rowText).toContain(cardholder.name);
  // The account by its name: ids mean nothing to the caller on the phone.
  expect(rowText).toContain(account.business_profile!.name!);
  expect(rowText).not.toContain(account.id);
  expect(rowText).toContain(card.last4);
  expect(rowText).toContain('Virtual');
  expect(rowText).toContain('Active');

  // By cardholder email: every card of that cardholder, across accounts.
  await search(page, cardholder.email!);
  await page.getByRole('row').filter({ hasText: card.id }).waitFor();
  const holderCards = await stack.stripe.issuing.cards.list(
    { cardholder: cardholder.id, limit: 100 },
    { stripeAccount: account.id },
  );
  for (const other of holderCards.data)
    await expect.poll(() => page.getByRole('row').filter({ hasText: other.id }).count()).toBe(1);
  await expect
    .poll(() => page.getByRole('cell').filter({ hasText: cardholder.email! }).count())
    .toBe(holderCards.data.length);

  await page
    .getByRole('row')
    .filter({ hasText: card.id })
    .getByRole('link', { name: /Reveal details/ })
    .click();
  await page.getByRole('heading', { name: /Reveal/ }).waitFor();

  // Without a reason the view refuses and says why; nothing is shown.
  await page.getByRole('button', { name: 'Reveal card details' }).click();
  await page.getByText('Give the reason for revealing this card').waitFor();
  expect(await page.getByLabel('Reason for revealing').getAttribute('aria-invalid')).toBe('true');
  expect(await page.locator('iframe[title="Card number"]').count()).toBe(0);

  // The server refuses it too (the browser's check is a courtesy), and logs the attempt.
  const nonce = await page.evaluate(
    async ({ pk, acct, cardId }) => {
      const stripe = (
        window as unknown as {
          Stripe: (k: string, o: object) => { createEphemeralKeyNonce(o: object): Promise<{ nonce: string }> };
        }
      ).Stripe(pk, { stripeAccount: acct });
      return (await stripe.createEphemeralKeyNonce({ issuingCard: cardId })).nonce;
    },
    { pk: stack.config.stripe.publishableKey, acct: account.id, cardId: card.id },
  );
  const refused = await page.request.post(`${stack.appUrl}/api/ephemeral-keys`, {
    data: { card_id: card.id, nonce },
    headers: { origin: stack.appUrl },
  });
  expect(refused.status()).toBe(400);
  expect((await refused.json()).error).toMatchObject({ code: 'reason_required', field: 'reason' });

  // With a reason: number, CVC and expiry appear inside the emulator's frames.
  const reason = 'Ticket SUP-1042: cardholder cannot read the printed number';
  await page.getByLabel('Reason for revealing').fill(reason);
  const cardFetches: string[] = [];
  context.on('request', (request) => {
    if (request.url().startsWith(`${stack.emulatorUrl}/v1/issuing/cards/${card.id}`)) cardFetches.push(request.url());
  });
  await page.getByRole('button', { name: 'Reveal card details' }).click();
  await expect.poll(() => elementText(page, 'Card number'), { timeout: 15_000 }).toMatch(/^\d{4} \d{4} \d{4} \d{4}$/);
  // Focus went from the Reveal button (gone) to the details' heading, not to <body>.
  expect(await focused(page)).toBe('h2: Card details');
  const number = (await elementText(page, 'Card number')).replace(/ /g, '');
  await expect.poll(() => elementText(page, 'Card CVC')).toMatch(/^\d{3}$/);
  const cvc = await elementText(page, 'Card CVC');
  await expect.poll(() => elementText(page, 'Card expiry date')).toMatch(/^\d{2}\/\d{2}$/);
  expect(await elementText(page, 'Card expiry date')).toBe(
    `${String(card.exp_month).padStart(2, '0')}/${String(card.exp_year).slice(-2)}`,
  );
  expect(passesLuhn(number)).toBe(true);
  expect(number.endsWith(card.last4)).toBe(true);
  // Physical-only PIN element is not offered for a virtual card.
  expect(await page.locator('iframe[title="Card PIN"]').count()).toBe(0);
  await page.getByRole('timer').waitFor();

  // Copy: Stripe's copy button beside the number copies inside its frame; the page says "Copied".
  const numberRow = page.locator('.reveal-field[data-field="number"]');
  await numberRow.frameLocator('iframe[title="Copy button"]').getByRole('button', { name: 'Copy card number' }).click();
  await numberRow.getByRole('status').filter({ hasText: 'Copied' }).waitFor();
  expect(await page.evaluate(() => navigator.clipboard.readText())).toBe(number);
  // Stripe.js fetched the card once, with number and CVC, for all six elements (values and copy buttons).
  expect(await page.locator('iframe[title="Copy button"]').count()).toBe(3);
  expect(cardFetches.map((url) => decodeURIComponent(new URL(url).search))).toEqual(['?expand[]=number&expand[]=cvc']);

  // After the policy's timeout the elements are gone and the page says so.
  await page
    .getByText(`The card details were hidden after ${DISPLAY_TIMEOUT_SECONDS} seconds.`)
    .waitFor({ timeout: (DISPLAY_TIMEOUT_SECONDS + 10) * 1000 });
  expect(await page.locator('iframe[title="Card number"]').count()).toBe(0);
  expect(await page.locator('iframe[title="Copy button"]').count()).toBe(0);
  expect(await page.content()).not.toContain(number);
  // Focus was in the details (the copy button's frame): it is back on the Reveal button.
  await expect.poll(() => focused(page)).toBe('button: Reveal card details');

  // The audit log has the granted reveal with its reason and the refused one.
  const audit = await stack.app.inject({
    method: 'GET',
    url: `/api/audit?card=${card.id}`,
    headers: { cookie: await stack.loginCookie('admin@example.com') },
  });
  const rows = audit.json().data as Array<{
    email: string;
    role: string;
    outcome: string;
    reason: string | null;
    deny_reason: string | null;
    account_id: string;
  }>;
  expect(rows).toContainEqual(
    expect.objectContaining({
      email: 'support@example.com',
      role: 'support_agent',
      outcome: 'granted',
      reason,
      account_id: account.id,
    }),
  );
  expect(rows).toContainEqual(
    expect.objectContaining({ email: 'support@example.com', outcome: 'denied', deny_reason: 'reason_required' }),
  );

  // The card's own page shows what verifies the caller, from the app: no Account Session, so
  // no embedded component listing the account's other cards and cardholders (decision 030).
  await page.goto(`${stack.appUrl}/accounts/${account.id}/cards/${card.id}`);
  const facts = page.getByRole('region', { name: 'Verify the caller' });
  await facts.waitFor();
  expect(await facts.innerText()).toContain(cardholder.name);
  expect(await facts.innerText()).toContain(card.last4);
  expect(await page.locator('stripe-connect-issuing-card').count()).toBe(0);

  // The app server carried neither the number nor the CVC, in any request or response.
  await page.waitForTimeout(200);
  expect(appTraffic.length).toBeGreaterThan(0);
  expect(appTraffic.filter((exchange) => exchange.url.includes('/api/account-sessions'))).toEqual([]);
  expectNoCardData(appTraffic, { number, cvc });
  await context.close();
});

test('a reveal Stripe cannot serve is reported readably, and the agent can try again, on a phone', async ({
  stack,
  context,
  page,
}) => {
  await signIn(page, stack.appUrl, 'support@example.com');
  await page.setViewportSize({ width: 390, height: 844 });
  // On a phone the lookup's rows are cards: the row's "Reveal details" is on the screen, not
  // beyond its right edge.
  await search(page, `${card.last4} ${cardholder.name.split(' ').at(-1)}`);
  const revealLink = page
    .getByRole('row')
    .filter({ hasText: card.id })
    .getByRole('link', { name: /Reveal details/ });
  const linkBox = (await revealLink.boundingBox())!;
  expect(linkBox.x + linkBox.width).toBeLessThanOrEqual(390);
  await revealLink.click();
  await page.getByLabel('Reason for revealing').fill('Ticket SUP-1043');

  // Stripe answers the ephemeral key request with errors (the SDK's retries included).
  await fetch(`${stack.emulatorUrl}/_emulator/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ path: '/v1/ephemeral_keys', kind: 'server_error', times: 3 }),
  });
  await page.getByRole('button', { name: 'Reveal card details' }).click();
  // Stripe failing is "cannot be reached" (503 stripe_unreachable, docs/decisions/152): nothing revealed, nothing changed.
  const alert = page.getByRole('alert').filter({ hasText: 'Reveal unavailable' });
  await alert.waitFor();
  expect(await alert.innerText()).toMatch(/Stripe cannot be reached/);
  expect(await page.locator('iframe[title="Card number"]').count()).toBe(0);
  // The button was disabled while asking; focus waits on it again to try once more.
  await expect.poll(() => focused(page)).toBe('button: Reveal card details');

  // Once Stripe is back, the same form reveals, and "Hide now" takes the details away at once.
  await fetch(`${stack.emulatorUrl}/_emulator/faults`, { method: 'DELETE' });
  await page.getByRole('button', { name: 'Reveal card details' }).click();
  await expect.poll(() => elementText(page, 'Card number'), { timeout: 15_000 }).toMatch(/\d{4}$/);
  expect(await focused(page)).toBe('h2: Card details');
  // On a phone the details fit: the whole number shows in its frame, the copy buttons sit
  // inside the panel, and the page does not scroll sideways.
  const numberValue = page.frameLocator('iframe[title="Card number"]').locator('.value');
  const width = await numberValue.evaluate((el) => ({ shown: el.clientWidth, needed: el.scrollWidth }));
  expect(width.needed, 'the number is cut').toBeLessThanOrEqual(width.shown);
  const panel = (await page.locator('.reveal-panel').boundingBox())!;
  const copies = await page.locator('.reveal-copy').evaluateAll((els) =>
    els.map((el) => {
      const r = el.getBoundingClientRect();
      return { left: r.left, right: r.right };
    }),
  );
  expect(copies).toHaveLength(3);
  for (const copy of copies) {
    expect(copy.left).toBeGreaterThanOrEqual(panel.x);
    expect(copy.right).toBeLessThanOrEqual(panel.x + panel.width);
  }
  expect(await page.evaluate(() => document.documentElement.scrollWidth - window.innerWidth)).toBe(0);
  // The revealed details pass axe too, Stripe's (the emulator's) frames included.
  expect(await axeViolations(page)).toEqual([]);

  await page.getByRole('button', { name: 'Hide now' }).click();
  await page.getByText('The card details are hidden.').waitFor();
  expect(await page.locator('iframe[title="Card number"]').count()).toBe(0);
  // The "Hide now" button is gone with the details: focus is on the Reveal button, not <body>.
  await expect.poll(() => focused(page)).toBe('button: Reveal card details');
  await context.close();
});

test('past the policy’s reveals per minute the view says so instead of showing anything', async ({
  stack,
  context,
  page,
}) => {
  await signIn(page, stack.appUrl, 'support@example.com');
  await page.goto(`${stack.appUrl}/accounts/${account.id}/cards/${card.id}/reveal`);
  await page.getByLabel('Reason for revealing').fill('Ticket SUP-1044');

  // Use up the agent's reveals for this minute directly against the API.
  const newNonce = () =>
    page.evaluate(
      async ({ pk, acct, cardId }) => {
        const stripe = (
          window as unknown as {
            Stripe: (k: string, o: object) => { createEphemeralKeyNonce(o: object): Promise<{ nonce: string }> };
          }
        ).Stripe(pk, { stripeAccount: acct });
        return (await stripe.createEphemeralKeyNonce({ issuingCard: cardId })).nonce;
      },
      { pk: stack.config.stripe.publishableKey, acct: account.id, cardId: card.id },
    );
  let status = 0;
  for (let attempt = 0; attempt < 15 && status !== 429; attempt++) {
    const res = await page.request.post(`${stack.appUrl}/api/ephemeral-keys`, {
      data: { card_id: card.id, nonce: await newNonce(), reason: 'using up the rate' },
      headers: { origin: stack.appUrl },
    });
    status = res.status();
  }
  expect(status).toBe(429);

  await page.getByRole('button', { name: 'Reveal card details' }).click();
  const alert = page.getByRole('alert').filter({ hasText: 'Too many reveals' });
  await alert.waitFor();
  expect(await alert.innerText()).toMatch(/per minute/);
  expect(await page.locator('iframe[title="Card number"]').count()).toBe(0);
  await context.close();
});
