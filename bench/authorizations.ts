// `npm run bench -- authorizations` (and a section of the full run): one card with 10,000
// authorizations, written straight into the emulator's store, and the app in front of it (in this
// process, tsx, in-memory PGlite). Measures the card's first page of authorizations and its
// remaining-limit view through the app's HTTP API, sequentially, and counts the Stripe calls each
// answer costs (every /v1 request the emulator serves while the app answers).
import type { AddressInfo } from 'node:net';
import { loadavg } from 'node:os';
import Stripe from 'stripe';
import { buildEmulator } from '../emulator/app.ts';
import { authorizations, type StoredAuthorization } from '../emulator/api/issuing/authorizations.ts';
import { EmulatorStore } from '../emulator/api/store.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { seedDemoUsers } from '../server/db/demo-users.ts';
import { findUserByEmail } from '../server/db/users.ts';
import { SESSION_COOKIE } from '../shared/constants.ts';
import { checked, tallyAnswers } from './lib/answers.ts';
import { freePort } from './lib/processes.ts';
import type { BenchSection } from './lib/section.ts';

const AUTHORIZATIONS = 10_000;
const RUNS = 25;
const TARGET_MS = 100;
const DAY = 86_400;

interface Measured {
  /** Answers by status; the figures below are of the answers 200 only (bench/lib/answers.ts). */
  statuses: Record<string, number>;
  runs: number;
  medianMs: number | null;
  p90Ms: number | null;
  failed: string | null;
  /** CPU time of this process (app and emulator together) per answer, median: what load on the machine does not inflate. */
  cpuMsMedian: number;
  stripeCalls: number;
  rows: number;
}

export async function benchAuthorizations(log: (msg: string) => void = () => {}) {
  let calls = 0;
  const store = new EmulatorStore();
  const emulator = await buildEmulator({
    store,
    seed: true,
    logger: false,
    // Measured as fast as one loop asks; Stripe's test-mode limits (25/s per endpoint) are not what is measured.
    rateLimits: false,
    requestHooks: [
      async () => {
        calls += 1;
      },
    ],
  });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const emulatorPort = (emulator.server.address() as AddressInfo).port;
  const stripe = new Stripe('sk_test_bench', { host: '127.0.0.1', port: emulatorPort, protocol: 'http' });

  // The card: 500 USD a day and 3,000 USD a month, as a team card might have.
  const account = (await stripe.accounts.list({ limit: 100 })).data.at(-1)!.id;
  const opts = { stripeAccount: account };
  const holder = (await stripe.issuing.cardholders.list({ status: 'active', limit: 1 }, opts)).data[0]!;
  const card = await stripe.issuing.cards.create(
    {
      cardholder: holder.id,
      type: 'virtual',
      currency: 'usd',
      status: 'active',
      spending_controls: {
        spending_limits: [
          { amount: 50_000, interval: 'daily' },
          { amount: 300_000, interval: 'monthly' },
        ],
      },
    },
    opts,
  );
  // Two real authorizations as templates (one approved, one declined by the daily limit) ...
  const approved = await stripe.testHelpers.issuing.authorizations.create(
    { card: card.id, amount: 1_000, merchant_data: { category: 'computer_software_stores', name: 'Template' } },
    opts,
  );
  const declined = await stripe.testHelpers.issuing.authorizations.create(
    { card: card.id, amount: 60_000, merchant_data: { category: 'computer_software_stores', name: 'Template' } },
    opts,
  );
  const data = store.accountData(account);
  const collection = authorizations(data);
  const templates = { approved: collection.get(approved.id)!, declined: collection.get(declined.id)! };
  collection.delete(approved.id);
  collection.delete(declined.id);
  // ... cloned 10,000 times over the last ~1,000 days, oldest first (the store lists newest first);
  // every tenth declined by the spending controls, the others held (pending) for 1-20 USD.
  const now = Math.floor(Date.now() / 1000);
  const start = now - 1_000 * DAY;
  const step = Math.floor((now - 60 - start) / AUTHORIZATIONS);
  for (let i = 0; i < AUTHORIZATIONS; i++) {
    const created = start + i * step;
    const isDeclined = i % 10 === 9;
    const template = isDeclined ? templates.declined : templates.approved;
    const amount = isDeclined ? 60_000 : 100 + ((i * 7919) % 1_900);
    const clone: StoredAuthorization = {
      ...template,
      id: `iauth_bench${String(i).padStart(6, '0')}`,
      created,
      amount: isDeclined ? 0 : amount,
      merchant_amount: isDeclined ? 0 : amount,
      merchant_data: { ...template.merchant_data, name: `Merchant ${i % 97}` },
      request_history: template.request_history.map((r) => ({
        ...r,
        amount,
        merchant_amount: amount,
        created,
        requested_at: created,
      })),
      transactions: [],
    };
    collection.insert(clone);
  }
  log(`authorizations bench: ${AUTHORIZATIONS} authorizations on ${card.id}`);

  const appPort = await freePort();
  const appUrl = `http://127.0.0.1:${appPort}`;
  const config = loadConfig({
    HOST: '127.0.0.1',
    PORT: String(appPort),
    PUBLIC_URL: appUrl,
    EMULATOR_PORT: String(emulatorPort),
    EMULATOR_PUBLIC_URL: `http://127.0.0.1:${emulatorPort}`,
    PGLITE_DIR: 'memory://',
    LOG_LEVEL: 'warn',
    // The emulator's rate limits are off here: the app's Stripe call pacing too (decision 131).
    EMULATOR_RATE_LIMITS: 'off',
  });
  const app = await buildApp(config, { logger: { level: 'warn' } });
  try {
    await app.ready();
    await seedDemoUsers(app);
    await app.listen({ port: appPort, host: '127.0.0.1' });
    await app.cardIndex.whenBackfilled();
    const admin = await findUserByEmail(app.db, 'admin@example.com');
    const cookie = `${SESSION_COOKIE}=${(await app.sessions.issue(admin!.id)).token}`;

    const measure = async (section: string, path: string, rowsOf: (body: any) => number): Promise<Measured> => {
      const answers: Array<{ status: number; ms: number }> = [];
      const cpu: number[] = [];
      let stripeCalls = 0;
      let rows = 0;
      // One warm-up, then RUNS sequential requests.
      for (let i = 0; i <= RUNS; i++) {
        calls = 0;
        const t = performance.now();
        const c = process.cpuUsage();
        const res = await fetch(`${appUrl}${path}`, { headers: { cookie } });
        const body = await res.json();
        const ms = performance.now() - t;
        const used = process.cpuUsage(c);
        if (i === 0) continue;
        answers.push({ status: res.status, ms });
        if (res.status !== 200) continue;
        cpu.push((used.user + used.system) / 1000);
        stripeCalls = calls;
        rows = rowsOf(body);
      }
      // Latency of the answers 200 only; a series that is mostly something else fails the run.
      const figures = checked(
        tallyAnswers(`authorizations: ${section}`, answers, answers.reduce((sum, a) => sum + a.ms, 0) / 1000),
      );
      const sorted = answers
        .filter((a) => a.status === 200)
        .map((a) => a.ms)
        .sort((a, b) => a - b);
      const p90 = sorted.length
        ? Math.round(sorted[Math.min(sorted.length - 1, Math.floor(sorted.length * 0.9))]! * 10) / 10
        : null;
      const cpuSorted = cpu.sort((a, b) => a - b);
      return {
        statuses: figures.statuses,
        runs: answers.length,
        medianMs: figures.p50Ms,
        p90Ms: p90,
        failed: figures.failed,
        cpuMsMedian: cpuSorted.length ? Math.round(cpuSorted[Math.floor(cpuSorted.length / 2)]! * 10) / 10 : 0,
        stripeCalls,
        rows,
      };
    };

    const loadBefore = loadavg()[0]!;
    const firstPage = await measure(
      'first page of authorizations',
      `/api/cards/${card.id}/authorizations`,
      (body) => body.data?.length ?? 0,
    );
    const limits = await measure(
      'remaining limits',
      `/api/cards/${card.id}/limits`,
      (body) => body.limits?.length ?? 0,
    );
    return {
      authorizations: AUTHORIZATIONS,
      card: card.id,
      // Other work on the machine shares its CPUs: the 1-minute load average around the measurement.
      loadAverage1m: { before: Math.round(loadBefore * 10) / 10, after: Math.round(loadavg()[0]! * 10) / 10 },
      firstPageOfAuthorizations: firstPage,
      remainingLimits: limits,
      targets: [
        {
          name: 'first page of a 10,000-authorization card, median',
          target: `< ${TARGET_MS} ms`,
          value: firstPage.medianMs ?? undefined,
          met: !firstPage.failed && firstPage.medianMs !== null && firstPage.medianMs < TARGET_MS,
        },
        {
          name: 'remaining-limit view of a 10,000-authorization card, median',
          target: `< ${TARGET_MS} ms`,
          value: limits.medianMs ?? undefined,
          met: !limits.failed && limits.medianMs !== null && limits.medianMs < TARGET_MS,
        },
      ],
      method:
        'emulator and app in this process (tsx, in-memory PGlite, LOG_LEVEL=warn); 10,000 authorizations written into the emulator store over ~1,000 days (every tenth declined by spending_controls, the others pending 1-20 USD); the card has a daily and a monthly limit; the platform admin asks GET /api/cards/:id/authorizations (25 a page, declines explained) and GET /api/cards/:id/limits, one warm-up then 25 sequential requests each, medianMs and p90Ms of the answers 200 (statuses counts every answer); stripeCalls = /v1 requests the emulator served during one answer (the card lookup included)',
    };
  } finally {
    await app.close();
    await emulator.close();
  }
}

// Run alone: `tsx bench/authorizations.ts` (npm run bench -- authorizations goes through run.ts).
if (import.meta.url === `file://${process.argv[1]}`) {
  console.log(JSON.stringify(await benchAuthorizations((m) => process.stderr.write(`[bench] ${m}\n`)), null, 2));
}

/** Section `authorizations` of `npm run bench` (bench/lib/section.ts). */
export const authorizationsSection: BenchSection = {
  name: 'authorizations',
  description: 'a card with 10,000 authorizations: its first page and its remaining limits',
  needsBuild: false,
  async run(ctx) {
    const { targets, ...authorizations } = await benchAuthorizations(ctx.log);
    return { figures: { authorizations }, targets };
  },
};
