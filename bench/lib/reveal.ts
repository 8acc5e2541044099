// The card reveal in Debian's Chromium: from pressing the reveal button to the 16-digit number
// being in the page (inside Stripe's, here the emulator's, iframe). Uses the support agent's
// reveal page when the client has it, else the admin's "Show numbers" in the embedded card
// component; the report says which.
import type { Page } from 'playwright-core';
import { launchBrowser, revealedNumber, signIn } from '../../test/helpers/browser.ts';

export interface RevealReport {
  view: string;
  runsMs: number[];
  medianMs: number;
  pollIntervalMs: number;
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

async function timeUntilNumber(page: Page, emulatorUrl: string, press: () => Promise<void>): Promise<number> {
  const started = performance.now();
  await press();
  const deadline = started + 15_000;
  while (performance.now() < deadline) {
    if (/^\d{16}$/.test(await revealedNumber(page, emulatorUrl))) return Math.round(performance.now() - started);
    await new Promise((r) => setTimeout(r, 5));
  }
  throw new Error('the number did not appear within 15 s');
}

export async function measureReveal(opts: {
  appUrl: string;
  emulatorUrl: string;
  account: string;
  card: string;
  runs: number;
}): Promise<RevealReport> {
  const browser = await launchBrowser();
  try {
    const context = await browser.newContext();
    const page = await context.newPage();
    const supportPage = `${opts.appUrl}/accounts/${opts.account}/cards/${opts.card}/reveal`;

    await signIn(page, opts.appUrl, 'support@example.com');
    await page.goto(supportPage);
    const button = page.getByRole('button', { name: 'Reveal card details' });
    const hasSupportView = await button.waitFor({ timeout: 10_000 }).then(
      () => true,
      () => false,
    );

    let view: string;
    let run: () => Promise<number>;
    if (hasSupportView) {
      view = 'support agent: reveal page (client/src/features/reveal), reason filled, "Reveal card details"';
      run = async () => {
        await page.goto(supportPage);
        await page.getByLabel(/Reason for revealing/).fill('bench: caller verified');
        return timeUntilNumber(page, opts.emulatorUrl, () =>
          page.getByRole('button', { name: 'Reveal card details' }).click(),
        );
      };
    } else {
      await context.clearCookies();
      await signIn(page, opts.appUrl, 'admin@example.com');
      view = 'platform admin: "Show numbers" in the embedded card component (no support reveal view in this build)';
      run = async () => {
        await page.goto(`${opts.appUrl}/accounts/${opts.account}/cards/${opts.card}`);
        const show = page.getByRole('button', { name: 'Show numbers' });
        await show.waitFor({ timeout: 15_000 });
        return timeUntilNumber(page, opts.emulatorUrl, () => show.click());
      };
    }
    await run(); // warm-up: first load of the route's chunk and the frames
    const runsMs: number[] = [];
    for (let i = 0; i < opts.runs; i++) runsMs.push(await run());
    return { view, runsMs, medianMs: median(runsMs), pollIntervalMs: 5 };
  } finally {
    await browser.close();
  }
}
