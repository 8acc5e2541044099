// What a page costs in Stripe calls and in time while Stripe is slow (issue 18, items 3 and 4),
// in Debian's Chromium with every /v1 answer of the emulator delayed 200 ms, as the issue
// measured it. Pages read from the app's mirror: the only Stripe calls a view makes are the
// Account Session (once per account for the page's lifetime) and the component's ephemeral key.
// - sign-in to the account page: 1 call by the app (the Account Session), ≤ 2 round trips one
//   after another (the session, then the component's list of cards);
// - card page by in-app link: 1 call by the app (the key); its own panels (facts, remaining
//   limits, authorizations) with 0 Stripe round trips; the whole page with the component's "Show
//   numbers" ≤ 3 round trips (its median time is printed; the ≤ 800 ms target is the bench's);
// - card page reloaded: 2 calls by the app (the Account Session and the key).
// "Stripe calls" are the app's, with the platform's key (the platform's budget, item 5); the
// page's components call Stripe with their own session, counted and printed apart.
// Figures are printed (`[view-costs] …`); how they are measured: test/helpers/view-costs.ts.
import type Stripe from 'stripe';
import { expect } from 'vitest';
import { stackTest } from '../helpers/fixtures.ts';
import {
  describeFigures,
  summarize,
  viewMeasurer,
  viewSubjects,
  type Measurer,
  type ViewRun,
  type ViewSubjects,
} from '../helpers/view-costs.ts';

/** Card page loads per role (the latency target is a median of these). */
const RUNS = 5;
const ACCOUNT_SESSION = 'POST /v1/account_sessions';
const KEY = 'POST /v1/ephemeral_keys';
/** The only app requests that may call Stripe on these views. */
const CALLING_ROUTES = ['POST /api/account-sessions', 'POST /api/ephemeral-keys'];

let subjects: ViewSubjects;
let measurer: Measurer;

const median = (values: number[]) => [...values].sort((a, b) => a - b)[Math.floor((values.length - 1) / 2)]!;

const test = stackTest();

test.beforeAll(async ({ stack, browser }) => {
  // Measured in a settled deployment: the backfill done and the reconciler's first pass over,
  // so that no background work of the app calls Stripe while a view is measured.
  await stack.app.cardIndex.whenBackfilled();
  const mirror = (stack.app as { mirror?: { reconcile?: () => Promise<unknown> } }).mirror;
  await mirror?.reconcile?.();
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  subjects = await viewSubjects(stack, accounts.at(-1) as Stripe.Account); // the demo account user's account
  measurer = viewMeasurer(stack, browser, subjects);
}, 120_000);

test.afterAll(async () => {
  await measurer?.close();
});

/** The checks every run of a card page passes: exact calls, none from the app's own panels. */
function expectCardRun(run: ViewRun, appCalls: string[]) {
  expect([...run.appCalls].sort(), JSON.stringify(run)).toEqual(appCalls);
  // The requests behind the facts, limits and authorizations called Stripe 0 times.
  expect(
    Object.keys(run.appRequestsCallingStripe).filter((route) => !CALLING_ROUTES.includes(route)),
    JSON.stringify(run),
  ).toEqual([]);
}

async function cardPage(role: string, email: string) {
  const page = await measurer.signIn(email);
  const byLink: ViewRun[] = [];
  for (let i = 0; i < RUNS; i++) byLink.push(await measurer.cardPageByLink(page));
  const reloaded: ViewRun[] = [];
  for (let i = 0; i < 3; i++) reloaded.push(await measurer.cardPageReloaded(page));
  const linkFigures = summarize(`card page by in-app link (${role})`, byLink);
  const reloadFigures = summarize(`card page reloaded (${role})`, reloaded);
  console.log(describeFigures(linkFigures));
  console.log(describeFigures(reloadFigures));

  for (const run of byLink) expectCardRun(run, [KEY]);
  for (const run of reloaded) expectCardRun(run, [ACCOUNT_SESSION, KEY].sort());
  // Its own panels wait for no Stripe answer; the whole page for at most 3 one after another.
  expect(median(byLink.map((r) => r.panelRoundTrips!)), JSON.stringify(byLink)).toBe(0);
  expect(median(byLink.map((r) => r.roundTrips)), JSON.stringify(byLink)).toBeLessThanOrEqual(3);
  // The time (median ≤ 800 ms) is printed here and held as a target by `npm run bench -- views`:
  // speed claims come from the bench, not from a timed test on a machine shared with other tests
  // (the app, the emulator and PGlite share one event loop here). The round trips above are
  // counted from the emulator's arrival and answer times, not inferred from the clock.
}

test('sign-in to the account page with Stripe 200 ms away: 1 Stripe call (the Account Session), ≤ 2 round trips one after another', async () => {
  const runs: ViewRun[] = [];
  for (let i = 0; i < 3; i++) runs.push((await measurer.signInToAccountPage('account@example.com')).run);
  const figures = summarize('sign-in to the account page (account user)', runs);
  console.log(describeFigures(figures));
  for (const run of runs) {
    expect(run.appCalls, JSON.stringify(run)).toEqual([ACCOUNT_SESSION]);
    expect(Object.keys(run.appRequestsCallingStripe), JSON.stringify(run)).toEqual(['POST /api/account-sessions']);
  }
  expect(median(runs.map((r) => r.roundTrips)), JSON.stringify(runs)).toBeLessThanOrEqual(2);
}, 120_000);

test('card page of an account user with Stripe 200 ms away: by link 1 Stripe call, panels 0 round trips, whole page ≤ 3 (median ≤ 800 ms); reloaded 2 calls', async () => {
  await cardPage('account user', 'account@example.com');
}, 180_000);

test('card page of a platform admin with Stripe 200 ms away: by link 1 Stripe call, panels 0 round trips, whole page ≤ 3 (median ≤ 800 ms); reloaded 2 calls', async () => {
  await cardPage('platform admin', 'admin@example.com');
}, 180_000);
