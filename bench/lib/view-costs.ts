// Section `views` of `npm run bench`: what each page costs in Stripe calls and in time while
// Stripe is slow (issue 18, items 3 and 4), measured as test/e2e/view-costs.test.ts measures it
// (test/helpers/view-costs.ts): in-process stack (emulator and app, in-memory PGlite, the built
// client), Debian's Chromium, every /v1 answer of the emulator delayed 200 ms, the backfill and
// the reconciler's first pass done first. Prints one table (stderr) and writes `viewCosts`.
import type Stripe from 'stripe';
import { launchBrowser } from '../../test/helpers/browser.ts';
import { startStack } from '../../test/helpers/stack.ts';
import {
  recordStripeCalls,
  STRIPE_DELAY_MS,
  summarize,
  viewMeasurer,
  viewSubjects,
  type ViewFigures,
  type ViewRun,
} from '../../test/helpers/view-costs.ts';
import type { BenchSection, Target } from './section.ts';

/** Card page loads per role; sign-ins of the account user (the login limit is 10 a minute). */
const RUNS = { card: 5, reload: 3, signIn: 3 };

function table(rows: ViewFigures[]): string {
  const head = [
    'view',
    'Stripe calls (app)',
    'page’s own',
    'round trips (count)',
    'round trips (time)',
    `median ms @${STRIPE_DELAY_MS} ms`,
  ];
  const lines = rows.map((f) => [
    f.view,
    String(f.maxAppCalls),
    String(f.runs.at(-1)!.pageCalls.length),
    String(f.maxRoundTrips),
    String(f.roundTripsByTime),
    `${f.medianMs}${f.medianPanelsMs !== undefined ? ` (panels ${f.medianPanelsMs}, ${f.maxPanelRoundTrips} trips)` : ''}`,
  ]);
  const widths = head.map((h, i) => Math.max(h.length, ...lines.map((l) => l[i]!.length)));
  const fmt = (cells: string[]) => cells.map((c, i) => c.padEnd(widths[i]!)).join('  ');
  return [fmt(head), fmt(widths.map((w) => '-'.repeat(w))), ...lines.map(fmt)].join('\n');
}

const brief = (f: ViewFigures) => ({
  stripeCalls: f.maxAppCalls,
  stripeEndpoints: f.runs.at(-1)!.appCalls,
  pageCalls: f.runs.at(-1)!.pageCalls,
  roundTripsByCount: f.maxRoundTrips,
  roundTripsByTime: f.roundTripsByTime,
  medianMs: f.medianMs,
  runsMs: f.runs.map((r) => r.ms),
  ...(f.medianPanelsMs !== undefined
    ? { panelsMedianMs: f.medianPanelsMs, panelRoundTrips: f.maxPanelRoundTrips }
    : {}),
});

export const viewCostsSection: BenchSection = {
  name: 'views',
  description:
    'Stripe calls and round trips per page (sign-in to the account page, card page by link and reloaded) in Chromium, every Stripe answer delayed 200 ms',
  async run(ctx) {
    const stack = await startStack();
    const browser = await launchBrowser();
    try {
      await stack.app.cardIndex.whenBackfilled();
      await (stack.app as { mirror?: { reconcile?: () => Promise<unknown> } }).mirror?.reconcile?.();
      const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
      const subjects = await viewSubjects(stack, accounts.at(-1) as Stripe.Account);

      // An id no account has: answered by the mirror, not by asking Stripe (issue 18, item 3).
      const admin = await stack.loginCookie('admin@example.com');
      const unknown = recordStripeCalls(stack.emulator);
      const unknownStatus = (
        await stack.app.inject({ method: 'GET', url: '/api/cards/ic_doesnotexist', headers: { cookie: admin } })
      ).statusCode;
      unknown.stop();

      const measurer = viewMeasurer(stack, browser, subjects);
      const rows: ViewFigures[] = [];
      try {
        ctx.log('views: sign-in to the account page');
        const signIns: ViewRun[] = [];
        for (let i = 0; i < RUNS.signIn; i++)
          signIns.push((await measurer.signInToAccountPage('account@example.com')).run);
        rows.push(summarize('sign-in to the account page (account user)', signIns));
        for (const [role, email] of [
          ['account user', 'account@example.com'],
          ['platform admin', 'admin@example.com'],
        ] as const) {
          ctx.log(`views: card page (${role})`);
          const page = await measurer.signIn(email);
          const byLink: ViewRun[] = [];
          for (let i = 0; i < RUNS.card; i++) byLink.push(await measurer.cardPageByLink(page));
          const reloaded: ViewRun[] = [];
          for (let i = 0; i < RUNS.reload; i++) reloaded.push(await measurer.cardPageReloaded(page));
          rows.push(
            summarize(`card page by in-app link (${role})`, byLink),
            summarize(`card page reloaded (${role})`, reloaded),
          );
        }
      } finally {
        await measurer.close();
      }
      ctx.log(
        `views, every Stripe answer delayed ${STRIPE_DELAY_MS} ms ("Stripe calls" = the app's, with the platform's key; "page's own" = Stripe's components in the browser):\n${table(rows)}\nunknown card id: ${unknown.calls.length} Stripe calls (HTTP ${unknownStatus})`,
      );

      const byView = Object.fromEntries(rows.map((f) => [f.view, f]));
      const signIn = byView['sign-in to the account page (account user)']!;
      const targets: Target[] = [
        {
          name: 'views: unknown card id, Stripe calls',
          target: '0 (answer 404)',
          value: unknown.calls.length,
          met: unknown.calls.length === 0 && unknownStatus === 404,
        },
        {
          name: 'views: account page after sign-in, Stripe calls',
          target: '≤ 1 (the Account Session)',
          value: signIn.maxAppCalls,
          met: signIn.maxAppCalls <= 1,
        },
        {
          name: 'views: sign-in to the account page, round trips one after another',
          target: '≤ 2',
          value: signIn.maxRoundTrips,
          met: signIn.maxRoundTrips <= 2,
        },
      ];
      for (const role of ['account user', 'platform admin']) {
        const link = byView[`card page by in-app link (${role})`]!;
        const reload = byView[`card page reloaded (${role})`]!;
        targets.push(
          {
            name: `views: card page by link (${role}), Stripe calls`,
            target: '≤ 1 (the component’s key)',
            value: link.maxAppCalls,
            met: link.maxAppCalls <= 1,
          },
          {
            name: `views: card page by link (${role}), own panels' round trips`,
            target: '0',
            value: link.maxPanelRoundTrips,
            met: link.maxPanelRoundTrips === 0,
          },
          {
            name: `views: card page by link (${role}), whole page round trips`,
            target: '≤ 3',
            value: link.maxRoundTrips,
            met: link.maxRoundTrips <= 3,
          },
          {
            name: `views: card page by link (${role}), median ms`,
            target: '≤ 800',
            value: link.medianMs,
            met: link.medianMs <= 800,
          },
          {
            name: `views: card page reloaded (${role}), Stripe calls`,
            target: '≤ 2',
            value: reload.maxAppCalls,
            met: reload.maxAppCalls <= 2,
          },
        );
      }
      return {
        figures: {
          viewCosts: {
            stripeDelayMs: STRIPE_DELAY_MS,
            unknownCardId: { stripeCalls: unknown.calls.length, status: unknownStatus },
            ...Object.fromEntries(rows.map((f) => [f.view, brief(f)])),
          },
        },
        targets,
      };
    } finally {
      await browser.close();
      await stack.close();
    }
  },
};
