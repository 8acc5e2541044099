// What a view costs in Stripe calls and in Stripe round trips (issue 18, items 3 and 4), measured
// from outside in Debian's Chromium with every /v1 answer of the emulator delayed (its `delay`
// fault): the emulator records each /v1 request it serves (who sent it, when it arrived, when its
// answer left), the page records when what the user waits for is on screen. Shared by
// test/e2e/view-costs.test.ts (asserts) and bench/lib/view-costs.ts (`npm run bench -- views`).
//
// Two figures of "round trips one after another", as the issue measures them:
// - by time: the view's elapsed time ÷ the delay (an upper bound: it includes the app's own work);
// - by count: the longest chain of Stripe calls each of which started after the previous one
//   had answered, among the calls that answered before the view was on screen (calls that ran
//   side by side count once). Calls still in flight when the view shows did not hold it up.
import { loadavg } from 'node:os';
import type { FastifyReply } from 'fastify';
import type { Browser, Page } from 'playwright-core';
import type Stripe from 'stripe';
import type { EmulatorApp } from '../../emulator/app.ts';
import type { ApiContext, RequestHook } from '../../emulator/api/router.ts';
import { signIn } from './browser.ts';
import type { Stack } from './stack.ts';

/** Each /v1 answer of the emulator is delayed this long (the issue's figure). */
export const STRIPE_DELAY_MS = 200;

export interface StripeCall {
  method: string;
  path: string;
  /**
   * Who sent it: `secret` = the app with the platform's key (what counts against the platform's
   * budget: "Stripe calls" below); `connect` / `ephemeral` / `publishable` = the page, i.e.
   * Stripe's components and Stripe.js in the browser with their own credentials.
   */
  principal: string;
  account: string;
  /** Epoch ms (high resolution) when the request reached the emulator and when its answer left. */
  start: number;
  end: number;
}

const epochNow = () => performance.timeOrigin + performance.now();

/** Records every /v1 request the emulator serves from now on (before its delay runs). */
export function recordStripeCalls(emulator: EmulatorApp): { calls: StripeCall[]; stop(): void } {
  const calls: StripeCall[] = [];
  const hooks = emulator.emulator.requestHooks;
  const hook: RequestHook = (ctx: ApiContext, reply: FastifyReply) => {
    const call: StripeCall = {
      method: ctx.method,
      path: ctx.path,
      principal: ctx.principal.kind,
      account: ctx.account,
      start: epochNow(),
      end: Number.NaN,
    };
    calls.push(call);
    const ended = () => {
      if (Number.isNaN(call.end)) call.end = epochNow();
    };
    // When the answer is handed to the socket: before the browser can have it ('finish' comes
    // later, after a busy event loop lets it, and could fall after the page showed the answer).
    const raw = reply.raw;
    const end = raw.end.bind(raw) as (...args: unknown[]) => typeof raw;
    raw.end = ((...args: unknown[]) => {
      ended();
      return end(...args);
    }) as typeof raw.end;
    raw.once('close', ended);
  };
  // First, so that the arrival is recorded before the fault hook's delay.
  hooks.unshift(hook);
  return { calls, stop: () => void hooks.splice(hooks.indexOf(hook), 1) };
}

/** The longest chain of calls each starting after the previous one answered (interval scheduling). */
export function sequentialRoundTrips(calls: readonly StripeCall[], until = Number.POSITIVE_INFINITY): number {
  const done = calls.filter((c) => !Number.isNaN(c.end) && c.end <= until).sort((a, b) => a.end - b.end);
  let chain = 0;
  let lastEnd = Number.NEGATIVE_INFINITY;
  for (const call of done) {
    if (call.start >= lastEnd) {
      chain += 1;
      lastEnd = call.end;
    }
  }
  return chain;
}

const endpoint = (c: StripeCall) =>
  `${c.method} ${c.path.replace(/\/(ic|ich|iauth|acct|ipi|ephkey|eph)_[A-Za-z0-9]+/g, '/:id')}`;

/** What one view cost. */
export interface ViewRun {
  /** From the user's action to what they wait for on screen. */
  ms: number;
  /** The app's own panels (the card page's facts, limits, authorizations) on screen, when measured. */
  panelsMs?: number;
  /** Calls with the platform's key (the app's), by endpoint, in the order sent. */
  appCalls: string[];
  /** The page's own calls to Stripe (components, Stripe.js), by endpoint. */
  pageCalls: string[];
  /**
   * The app's API requests of the view that called Stripe, with their calls: from the app's
   * `request completed` log lines (`stripeCalls`), so an extra call names the request behind it.
   */
  appRequestsCallingStripe: Record<string, number>;
  /** Each Stripe call, ms from the action: `+start–end METHOD endpoint (who)`, for finding a waterfall. */
  timeline: string[];
  /** By count: until the view was on screen, and until its own panels were. */
  roundTrips: number;
  panelRoundTrips?: number;
}

export interface ViewFigures {
  view: string;
  runs: ViewRun[];
  /** The median run's figures (by elapsed time). */
  medianMs: number;
  medianPanelsMs?: number;
  /** The most over all runs. */
  maxAppCalls: number;
  maxRoundTrips: number;
  maxPanelRoundTrips?: number;
  /** medianMs ÷ the delay. */
  roundTripsByTime: number;
}

function median(values: number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

export function summarize(view: string, runs: ViewRun[]): ViewFigures {
  const withPanels = runs.filter((r) => r.panelsMs !== undefined);
  return {
    view,
    runs,
    medianMs: Math.round(median(runs.map((r) => r.ms))),
    ...(withPanels.length ? { medianPanelsMs: Math.round(median(withPanels.map((r) => r.panelsMs!))) } : {}),
    maxAppCalls: Math.max(...runs.map((r) => r.appCalls.length)),
    maxRoundTrips: Math.max(...runs.map((r) => r.roundTrips)),
    ...(withPanels.length ? { maxPanelRoundTrips: Math.max(...withPanels.map((r) => r.panelRoundTrips!)) } : {}),
    roundTripsByTime: Math.round((median(runs.map((r) => r.ms)) / STRIPE_DELAY_MS) * 10) / 10,
  };
}

/** One line for the test's output and the bench's log. */
export function describeFigures(f: ViewFigures): string {
  const last = f.runs.at(-1)!;
  const byRequest = Object.entries(last.appRequestsCallingStripe).map(([route, n]) => `${route} ${n}`);
  const calls = `${f.maxAppCalls} Stripe call${f.maxAppCalls === 1 ? '' : 's'} by the app${last.appCalls.length ? ` (${last.appCalls.join(', ')}; from ${byRequest.join(', ') || 'no request'})` : ''}`;
  const page = `${last.pageCalls.length} by the page's Stripe components${last.pageCalls.length ? ` (${last.pageCalls.join(', ')})` : ''}`;
  const time = `median ${(f.medianMs / 1000).toFixed(2)} s = ${f.roundTripsByTime} × ${STRIPE_DELAY_MS} ms, ${f.maxRoundTrips} round trip${f.maxRoundTrips === 1 ? '' : 's'} one after another by count`;
  const panels =
    f.medianPanelsMs !== undefined
      ? `; own panels: median ${(f.medianPanelsMs / 1000).toFixed(2)} s, ${f.maxPanelRoundTrips} round trips`
      : '';
  // Times move with how busy the machine is (two shared cores): say how busy it was.
  return `[view-costs] ${f.view}: ${calls}, ${page}; ${time}${panels} (${f.runs.length} run${f.runs.length === 1 ? '' : 's'}, load average ${loadavg()[0]!.toFixed(1)})`;
}

// ---------------------------------------------------------------- in the page

type Screen = { kind: 'card-panels' | 'card-whole'; card: string } | { kind: 'account-whole'; name: string };

/**
 * The page's time (epoch ms) if `screen` is on the page, else false: plain DOM, through the open
 * shadow roots of Stripe's (the emulator's) components. Runs in the page, so it is
 * self-contained (Playwright sends its source; the app's CSP forbids eval in the page).
 */
function onScreenAt(screen: Screen): number | false {
  // No named inner functions: tsx (esbuild, keepNames) would wrap them in a `__name` helper that
  // does not exist in the page.
  const at = performance.timeOrigin + performance.now();
  const elements: Element[] = [];
  const roots: Array<Document | ShadowRoot> = [document];
  while (roots.length) {
    for (const el of roots.pop()!.querySelectorAll('*')) {
      elements.push(el);
      if (el.shadowRoot) roots.push(el.shadowRoot);
    }
  }
  // The page's panels by heading: whether each has its data (no spinner, no error, a table, a list or "none").
  const loaded: Record<string, boolean> = {};
  let cardLinks = false;
  for (const section of document.querySelectorAll('section.panel')) {
    const heading = (section.querySelector('h2')?.textContent ?? '').trim();
    const key = heading.startsWith('Authorizations') ? 'authorizations' : heading;
    loaded[key] =
      !section.querySelector('.status-loading, .status-error') &&
      !!section.querySelector('table, ol.authorizations, ul.limits, .status-empty');
    if (heading === 'Open a card') cardLinks = !!section.querySelector('a[href*="/cards/"]');
  }
  if (screen.kind === 'account-whole') {
    // Its name, its card links, its authorizations and the component's list of cards.
    const shown =
      document.querySelector('h1')?.textContent === screen.name &&
      cardLinks &&
      loaded.authorizations === true &&
      elements.some(
        (el) => el.tagName === 'BUTTON' && /, card ending in \d{4}$/.test(el.getAttribute('aria-label') ?? ''),
      );
    return shown ? at : false;
  }
  // The card page's own panels: the card's facts (the line with its id), remaining limits, authorizations.
  const panels =
    [...document.querySelectorAll('p.muted code')].some((c) => c.textContent === screen.card) &&
    loaded['Remaining limits'] === true &&
    loaded.authorizations === true;
  if (screen.kind === 'card-panels') return panels ? at : false;
  // The whole page: and the component's "Show numbers".
  return panels && elements.some((el) => el.tagName === 'BUTTON' && el.textContent?.trim() === 'Show numbers')
    ? at
    : false;
}

/**
 * Resolves with the epoch time (ms) of the first animation frame at which `screen` is on the
 * page. Checked in the page, once a frame, so the time is the page's, not Playwright's.
 */
async function whenOnScreen(page: Page, what: string, screen: Screen, timeoutMs = 20_000): Promise<number> {
  try {
    const handle = await page.waitForFunction(onScreenAt, screen, { polling: 'raf', timeout: timeoutMs });
    return (await handle.jsonValue()) as number;
  } catch (error) {
    const alerts = await page
      .getByRole('alert')
      .allInnerTexts()
      .catch(() => []);
    throw new Error(
      `${what} was not on screen within ${timeoutMs} ms at ${page.url()}${alerts.length ? `; the page says: ${alerts.join(' | ')}` : ''} (${(error as Error).message.split('\n')[0]})`,
      { cause: error },
    );
  }
}

// ---------------------------------------------------------------- the views

export interface ViewSubjects {
  /** The connected account the views are of, its name, and a virtual active card of it on its first page of cards. */
  account: string;
  accountName: string;
  card: Stripe.Issuing.Card;
}

/** A connected account's virtual active card among the first cards the account page links to. */
export async function viewSubjects(stack: Stack, account: Stripe.Account): Promise<ViewSubjects> {
  const card = (
    await stack.stripe.issuing.cards.list(
      { type: 'virtual', status: 'active', limit: 1 },
      { stripeAccount: account.id },
    )
  ).data[0];
  if (!card) throw new Error(`account ${account.id} has no virtual active card`);
  return { account: account.id, accountName: account.business_profile?.name ?? account.id, card };
}

/** Waits until no /v1 call is in flight and none started for `quietMs`. */
async function stripeQuiet(calls: readonly StripeCall[], quietMs = 400, maxMs = 15_000): Promise<void> {
  const started = Date.now();
  for (;;) {
    const now = epochNow();
    const busy = calls.some((c) => Number.isNaN(c.end) || now - c.start < quietMs || now - c.end < quietMs);
    if (!busy || Date.now() - started > maxMs) return;
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** `METHOD /api/path` of each request whose log line counts Stripe calls, summed per route. */
export function requestsCallingStripe(logLines: string): Record<string, number> {
  const urls = new Map<string, string>();
  const out: Record<string, number> = {};
  for (const line of logLines.split('\n')) {
    if (!line.startsWith('{')) continue;
    let entry: { reqId?: string; msg?: string; req?: { method: string; url: string }; stripeCalls?: number };
    try {
      entry = JSON.parse(line);
    } catch {
      continue;
    }
    if (!entry.reqId) continue;
    if (entry.msg === 'incoming request' && entry.req) {
      urls.set(
        entry.reqId,
        `${entry.req.method} ${entry.req.url.split('?')[0]!.replace(/\/(ic|ich|iauth|acct)_[A-Za-z0-9]+/g, '/:id')}`,
      );
    } else if (entry.msg === 'request completed' && entry.stripeCalls) {
      const route = urls.get(entry.reqId) ?? '(a request before the view)';
      out[route] = (out[route] ?? 0) + entry.stripeCalls;
    }
  }
  return out;
}

/** The calls of one view: those that started from `t0` on, once the page has gone quiet. */
async function costOf(
  calls: StripeCall[],
  logsSince: () => string,
  t0: number,
  shownAt: number,
  panelsAt?: number,
): Promise<ViewRun> {
  await stripeQuiet(calls);
  const mine = calls.filter((c) => c.start >= t0);
  return {
    appRequestsCallingStripe: requestsCallingStripe(logsSince()),
    ms: Math.round(shownAt - t0),
    ...(panelsAt !== undefined
      ? { panelsMs: Math.round(panelsAt - t0), panelRoundTrips: sequentialRoundTrips(mine, panelsAt) }
      : {}),
    appCalls: mine.filter((c) => c.principal === 'secret').map(endpoint),
    pageCalls: mine.filter((c) => c.principal !== 'secret').map(endpoint),
    roundTrips: sequentialRoundTrips(mine, shownAt),
    timeline: mine.map(
      (c) =>
        `+${Math.round(c.start - t0)}–${Math.round(c.end - t0)} ${endpoint(c)} (${c.principal === 'secret' ? 'app' : c.principal})`,
    ),
  };
}

export interface Measurer {
  /** A fresh browser context signed in as `email`, from the click on "Sign in" to the account page complete. */
  signInToAccountPage(email: string): Promise<{ page: Page; run: ViewRun }>;
  /** A fresh browser context signed in as `email` through the form (with the second factor when asked), not measured. */
  signIn(email: string): Promise<Page>;
  /** On a signed-in page: the account page (loaded afresh, not measured), then its link to the card. */
  cardPageByLink(page: Page): Promise<ViewRun>;
  /** On the card page: reload, to the whole page. */
  cardPageReloaded(page: Page): Promise<ViewRun>;
  close(): Promise<void>;
}

/**
 * Measures the views of `subjects` on `stack`: installs the delay on every /v1 answer and the
 * call recorder; `close()` removes both (and the browser contexts it opened).
 */
export function viewMeasurer(stack: Stack, browser: Browser, subjects: ViewSubjects): Measurer {
  const recorder = recordStripeCalls(stack.emulator);
  stack.emulator.emulator.faults.add({ path: '/v1/', kind: 'delay', delay_ms: STRIPE_DELAY_MS });
  const contexts: Array<{ close(): Promise<void> }> = [];
  const accountPath = `/accounts/${subjects.account}`;
  const cardPath = `${accountPath}/cards/${subjects.card.id}`;
  const logsFromNow = () => {
    const offset = stack.logs().length;
    return () => stack.logs().slice(offset);
  };

  return {
    async signInToAccountPage(email) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await page.goto(stack.appUrl);
      await page.getByLabel('Email').fill(email);
      await page.getByLabel('Password').fill('demo1234');
      await stripeQuiet(recorder.calls);
      const logs = logsFromNow();
      const t0 = await page.evaluate(() => {
        const button = [...document.querySelectorAll('button')].find((b) => b.textContent?.trim() === 'Sign in')!;
        const t = performance.timeOrigin + performance.now();
        // For a look at the page's own requests of the view (resource timing after this mark).
        performance.mark('view-costs:action');
        button.click();
        return t;
      });
      const shownAt = await whenOnScreen(page, 'the account page', {
        kind: 'account-whole',
        name: subjects.accountName,
      });
      if (!page.url().endsWith(accountPath)) throw new Error(`sign-in landed on ${page.url()}, not ${accountPath}`);
      return { page, run: await costOf(recorder.calls, logs, t0, shownAt) };
    },

    async signIn(email) {
      const context = await browser.newContext();
      contexts.push(context);
      const page = await context.newPage();
      await signIn(page, stack.appUrl, email);
      return page;
    },

    async cardPageByLink(page) {
      await page.goto(`${stack.appUrl}${accountPath}`);
      await whenOnScreen(page, 'the account page', { kind: 'account-whole', name: subjects.accountName });
      await stripeQuiet(recorder.calls);
      const logs = logsFromNow();
      const t0 = await page.evaluate((href) => {
        const region = [...document.querySelectorAll('section.panel')].find(
          (s) => s.querySelector('h2')?.textContent?.trim() === 'Open a card',
        );
        const link = region?.querySelector<HTMLAnchorElement>(`a[href="${href}"]`);
        if (!link) throw new Error(`no link to ${href} under "Open a card"`);
        const t = performance.timeOrigin + performance.now();
        // For a look at the page's own requests of the view (resource timing after this mark).
        performance.mark('view-costs:action');
        link.click();
        return t;
      }, cardPath);
      const [panelsAt, shownAt] = await Promise.all([
        whenOnScreen(page, "the card page's panels", { kind: 'card-panels', card: subjects.card.id }),
        whenOnScreen(page, 'the card page with "Show numbers"', { kind: 'card-whole', card: subjects.card.id }),
      ]);
      return costOf(recorder.calls, logs, t0, shownAt, panelsAt);
    },

    async cardPageReloaded(page) {
      if (!page.url().endsWith(cardPath)) await page.goto(`${stack.appUrl}${cardPath}`);
      await whenOnScreen(page, 'the card page with "Show numbers"', { kind: 'card-whole', card: subjects.card.id });
      await stripeQuiet(recorder.calls);
      const logs = logsFromNow();
      const t0 = epochNow();
      await page.reload({ waitUntil: 'commit' });
      const [panelsAt, shownAt] = await Promise.all([
        whenOnScreen(page, "the card page's panels", { kind: 'card-panels', card: subjects.card.id }),
        whenOnScreen(page, 'the card page with "Show numbers"', { kind: 'card-whole', card: subjects.card.id }),
      ]);
      return costOf(recorder.calls, logs, t0, shownAt, panelsAt);
    },

    async close() {
      recorder.stop();
      // The stack is the measurer's caller's: no other fault rule is expected on it.
      stack.emulator.emulator.faults.clear();
      for (const context of contexts) await context.close().catch(() => {});
    },
  };
}

/**
 * The /v1 requests ("METHOD /path") the emulator serves while `fn` runs: what a view costs in
 * Stripe calls. First waits until the webhooks already sent are delivered (their handlers may call
 * Stripe too), unless `settled: false`.
 */
export async function stripeCallsDuring<T>(
  emulator: EmulatorApp,
  fn: () => Promise<T>,
  { settled = true } = {},
): Promise<{ result: T; calls: string[] }> {
  if (settled) await emulator.emulator.webhooks.dispatcher.idle();
  const recording = recordStripeCalls(emulator);
  try {
    return { result: await fn(), calls: recording.calls.map((call) => `${call.method} ${call.path}`) };
  } finally {
    recording.stop();
  }
}
