// Servers and browser for the emulator's browser scripts: the emulator (buildEmulator, on port 0)
// and a tiny stand-in app on another origin whose page loads connect.js / stripe.js from the
// emulator and uses the real @stripe/connect-js and @stripe/stripe-js loaders. The stand-in app's
// two endpoints do what the real app server does with the secret key (Account Sessions and
// ephemeral keys), through the official `stripe` SDK.
import { randomBytes } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import Fastify, { type FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import type { Browser, BrowserContext, Locator, Page } from 'playwright-core';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import type { Clock } from '../../emulator/api/store.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { launchBrowser } from '../helpers/browser.ts';

export const SECRET_KEY = 'sk_test_emulatorbrowser';
export const PUBLISHABLE_KEY = 'pk_test_emulatorbrowser';

const root = fileURLToPath(new URL('../../', import.meta.url));

export type Features = Partial<
  Record<
    'card_management' | 'spend_control_management' | 'cardholder_management' | 'card_spend_dispute_management',
    boolean
  >
>;

export interface Harness {
  emulator: EmulatorApp;
  emulatorUrl: string;
  appUrl: string;
  stripe: Stripe;
  browser: Browser;
  /** What the stand-in app does; tests change it between pages. */
  app: {
    features: Features;
    /** Answer POST /app/ephemeral-key with this status and message instead of a key. */
    refuseKeys: { status: number; message: string } | null;
    /** Client secrets to hand out before creating new ones (e.g. one already used). */
    queuedSecrets: string[];
    /** Make fetchClientSecret fail. */
    failSecrets: boolean;
  };
  pageUrl(params: Record<string, string>): string;
  newPage(): Promise<{ context: BrowserContext; page: Page; consoleMessages: string[] }>;
  close(): Promise<void>;
}

async function listen(app: FastifyInstance): Promise<string> {
  const address = await app.listen({ port: 0, host: '127.0.0.1' });
  return address.replace('127.0.0.1', 'localhost');
}

export async function startHarness(options: { clock?: Clock } = {}): Promise<Harness> {
  // The emulator answers on 127.0.0.1, the app on localhost: two origins, as in production.
  const emulator = await buildEmulator({
    seed: true,
    logger: false,
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const emulatorAddress = await emulator.listen({ port: 0, host: '127.0.0.1' });
  const emulatorUrl = emulatorAddress.replace('localhost', '127.0.0.1');
  emulator.emulator.publicUrl = emulatorUrl;
  const port = Number(new URL(emulatorUrl).port);
  const stripe = new Stripe(SECRET_KEY, { host: '127.0.0.1', port, protocol: 'http', maxNetworkRetries: 0 });

  const state: Harness['app'] = { features: {}, refuseKeys: null, queuedSecrets: [], failSecrets: false };

  const app = Fastify({ logger: false });
  const connectJs = await readFile(`${root}node_modules/@stripe/connect-js/dist/connect.esm.js`, 'utf8');
  const stripeJs = await readFile(`${root}node_modules/@stripe/stripe-js/dist/index.mjs`, 'utf8');
  const pageJs = await readFile(fileURLToPath(new URL('./fixtures/test-page.js', import.meta.url)), 'utf8');

  app.get('/', (_request, reply) => {
    const config = JSON.stringify({ publishableKey: PUBLISHABLE_KEY });
    const nonce = randomBytes(16).toString('base64');
    // The app's own emulator-mode policy (server/plugins/external/helmet.ts), plus a nonce for
    // this page's inline import map and config: the stand-ins must work without eval or inline scripts.
    const csp = [
      "default-src 'self'",
      `script-src 'self' 'nonce-${nonce}' ${emulatorUrl}`,
      `frame-src ${emulatorUrl}`,
      `connect-src 'self' ${emulatorUrl}`,
      "style-src 'self' 'unsafe-inline'",
      "object-src 'none'",
      "frame-ancestors 'none'",
    ].join('; ');
    reply.header('content-security-policy', csp).type('text/html').send(`<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<title>Emulator browser test page</title>
<script src="${emulatorUrl}/v1.0/connect.js"></script>
<script src="${emulatorUrl}/v3/stripe.js"></script>
<script type="importmap" nonce="${nonce}">{"imports":{"@stripe/connect-js":"/modules/connect-js.mjs","@stripe/stripe-js":"/modules/stripe-js.mjs"}}</script>
<script nonce="${nonce}">window.__testConfig = ${config};</script>
</head>
<body>
<main id="app"></main>
<div id="elements"></div>
<script type="module" src="/page.js"></script>
</body>
</html>`);
  });
  app.get('/modules/connect-js.mjs', (_request, reply) => reply.type('text/javascript').send(connectJs));
  app.get('/modules/stripe-js.mjs', (_request, reply) => reply.type('text/javascript').send(stripeJs));
  app.get('/page.js', (_request, reply) => reply.type('text/javascript').send(pageJs));
  app.get('/favicon.ico', (_request, reply) => reply.code(204).send());

  app.post('/app/account-session', async (request, reply) => {
    if (state.failSecrets)
      return reply.code(500).send({ error: { message: 'The app could not create an account session.' } });
    const queued = state.queuedSecrets.shift();
    if (queued) return { client_secret: queued };
    const { account } = request.body as { account: string };
    const session = await stripe.accountSessions.create({
      account,
      components: {
        issuing_card: { enabled: true, features: state.features },
        issuing_cards_list: { enabled: true, features: state.features },
      },
    });
    return { client_secret: session.client_secret };
  });

  app.post('/app/ephemeral-key', async (request, reply) => {
    if (state.refuseKeys)
      return reply
        .code(state.refuseKeys.status)
        .send({ error: { code: 'forbidden', message: state.refuseKeys.message } });
    const { account, card_id: cardId, nonce } = request.body as { account: string; card_id: string; nonce: string };
    const key = await stripe.ephemeralKeys.create(
      { issuing_card: cardId, nonce },
      { apiVersion: STRIPE_API_VERSION, stripeAccount: account },
    );
    return { ephemeralKeySecret: key.secret, expires: key.expires, issuingCard: cardId, nonce };
  });

  app.post('/app/payment', async (request) => {
    const {
      account,
      confirmation_token: confirmationToken,
      amount,
    } = request.body as { account?: string; confirmation_token: string; amount: number };
    const intent = await stripe.paymentIntents.create(
      {
        amount,
        currency: 'usd',
        confirm: true,
        confirmation_token: confirmationToken,
        automatic_payment_methods: { enabled: true, allow_redirects: 'never' },
      },
      account ? { stripeAccount: account } : {},
    );
    return { status: intent.status, client_secret: intent.client_secret };
  });

  const appUrl = await listen(app);
  const browser = await launchBrowser();

  return {
    emulator,
    emulatorUrl,
    appUrl,
    stripe,
    browser,
    app: state,
    pageUrl(params) {
      return `${appUrl}/?${new URLSearchParams(params).toString()}`;
    },
    async newPage() {
      const context = await browser.newContext();
      const page = await context.newPage();
      const consoleMessages: string[] = [];
      page.on('console', (message) => consoleMessages.push(`${message.type()}: ${message.text()}`));
      page.on('pageerror', (error) => consoleMessages.push(`pageerror: ${error.message}`));
      return { context, page, consoleMessages };
    },
    async close() {
      await browser.close();
      await app.close();
      await emulator.close();
    },
  };
}

/** Everything the host page holds as markup or text, shadow roots included. */
export async function hostDomText(page: Page): Promise<string> {
  return page.evaluate(() => {
    const parts: string[] = [document.documentElement.outerHTML];
    const walk = (root: Document | ShadowRoot) => {
      root.querySelectorAll('*').forEach((el) => {
        if (el.shadowRoot) {
          parts.push(el.shadowRoot.innerHTML, (el.shadowRoot as unknown as { textContent: string }).textContent);
          walk(el.shadowRoot);
        }
      });
    };
    walk(document);
    return parts.join('\n');
  });
}

/** The first Luhn-valid 16-digit number shown (grouped 4-4-4-4) in a frame on `origin`. */
export async function numberInFrames(page: Page, origin: string): Promise<string> {
  for (const frame of page.frames()) {
    if (!frame.url().startsWith(origin)) continue;
    const text = await frame
      .locator('body')
      .innerText()
      .catch(() => '');
    const match = /\b(\d{4}) (\d{4}) (\d{4}) (\d{4})\b/.exec(text);
    if (match) return match.slice(1).join('');
  }
  return '';
}

/** Waits until the locator's element is visible (Playwright's auto-waiting, without @playwright/test). */
export async function visible(locator: Locator, timeout = 10_000): Promise<void> {
  await locator.waitFor({ state: 'visible', timeout });
}

/** Whether the element has focus, looking through shadow roots. */
export function isFocused(locator: Locator): Promise<boolean> {
  return locator.evaluate((el) => (el.getRootNode() as Document | ShadowRoot).activeElement === el).catch(() => false);
}
