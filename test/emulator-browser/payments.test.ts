// The emulator's Payment Element flow of "finalize payments on the server" in real Chromium:
// card typed in the emulator's frame -> elements.submit() -> createConfirmationToken (the frame
// posts the card to the emulator) -> the stand-in app confirms a PaymentIntent with the token ->
// handleNextAction shows the emulator's 3DS challenge, whose buttons decide the outcome.
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { Page } from 'playwright-core';
import { hostDomText, startHarness, visible, type Harness } from './harness.ts';

// Stripe's test card that always asks for 3D Secure authentication.
const THREE_DS_CARD = '4000002760003184';

let harness: Harness;

beforeAll(async () => {
  harness = await startHarness();
});

afterAll(async () => {
  await harness?.close();
});

type PageWindow = Window & {
  __stripe: any;
  __appPost: (path: string, body: unknown) => Promise<any>;
  __elements: any;
  __next: Promise<any> | undefined;
};

async function payWithThreeDs(page: Page): Promise<void> {
  await page.goto(harness.pageUrl({ mode: 'stripe' }));
  await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
  await page.evaluate(() => {
    const w = window as unknown as PageWindow;
    const elements = w.__stripe.elements({
      mode: 'payment',
      amount: 2500,
      currency: 'usd',
      paymentMethodCreation: 'manual',
    });
    w.__elements = elements;
    elements.create('payment').mount('#elements');
  });
  const frame = page.frameLocator('iframe[title="Secure payment input frame"]');
  await frame.getByLabel('Card number').fill(THREE_DS_CARD);
  await frame.getByLabel(/Expiration date/).fill('1234');
  await frame.getByLabel(/Security code/).fill('123');
  await frame.getByLabel('Postal code').fill('94110');

  const created = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const submitted = await w.__elements.submit();
    if (submitted.error) return { error: submitted.error };
    const { confirmationToken, error } = await w.__stripe.createConfirmationToken({ elements: w.__elements });
    if (error) return { error };
    const payment = await w.__appPost('/app/payment', { confirmation_token: confirmationToken.id, amount: 2500 });
    w.__next = w.__stripe.handleNextAction({ clientSecret: payment.client_secret });
    return { token: confirmationToken.id as string, status: payment.status as string };
  });
  expect(created).toMatchObject({ status: 'requires_action' });
  expect((created as { token: string }).token).toMatch(/^ctoken_/);
  // The card number never reached the host page: not its DOM, not a message it received.
  expect(await hostDomText(page)).not.toContain(THREE_DS_CARD);
  const messages = await page.evaluate(
    () => (window as unknown as { __record: { messages: string[] } }).__record.messages,
  );
  expect(messages.length).toBeGreaterThan(0);
  for (const message of messages) expect(message).not.toContain(THREE_DS_CARD);
  await visible(page.getByRole('dialog', { name: '3D Secure authentication' }));
}

test('handleNextAction: completing the challenge resolves the succeeded PaymentIntent', async () => {
  const { context, page } = await harness.newPage();
  await payWithThreeDs(page);
  await page
    .frameLocator('iframe[title="3D Secure authentication challenge"]')
    .getByRole('button', { name: 'Complete' })
    .click();
  const result = await page.evaluate(() => (window as unknown as PageWindow).__next);
  expect(result.error).toBeUndefined();
  expect(result.paymentIntent.status).toBe('succeeded');
  expect(await page.getByRole('dialog').count()).toBe(0);
  await context.close();
});

test('handleNextAction: failing the challenge resolves an error and the PaymentIntent needs a new payment method', async () => {
  const { context, page } = await harness.newPage();
  await payWithThreeDs(page);
  await page
    .frameLocator('iframe[title="3D Secure authentication challenge"]')
    .getByRole('button', { name: 'Fail' })
    .click();
  const result = await page.evaluate(() => (window as unknown as PageWindow).__next);
  expect(result.paymentIntent).toBeUndefined();
  expect(result.error.payment_intent.status).toBe('requires_payment_method');
  await context.close();
});

test('createConfirmationToken needs a successful elements.submit() first', async () => {
  const { context, page } = await harness.newPage();
  await page.goto(harness.pageUrl({ mode: 'stripe' }));
  await page.waitForFunction(() => (window as unknown as { __ready?: boolean }).__ready === true);
  const result = await page.evaluate(async () => {
    const w = window as unknown as PageWindow;
    const elements = w.__stripe.elements({
      mode: 'payment',
      amount: 100,
      currency: 'usd',
      paymentMethodCreation: 'manual',
    });
    elements.create('payment').mount('#elements');
    return w.__stripe.createConfirmationToken({ elements });
  });
  expect(result.error.message).toBe('elements.submit() must be called before stripe.createConfirmationToken().');
  await context.close();
});
