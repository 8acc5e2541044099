// The app under load on one database (sections `pglite` and `postgres`): cold start, memory,
// POST /api/ephemeral-keys open and at a fixed rate, POST /api/account-sessions, and (PGlite)
// the emulator's own POST /v1/ephemeral_keys loaded the same way.
//
// The loads measure reveals, not refusals (issue 18): every request carries a nonce prepared
// beforehand and a bench user below the app's per-user reveal limit, and a load sends no request
// past its prepared nonces (it ends early instead, `ended: 'inputs'`). A request past them would
// be refused (a used nonce; the last bench user over its limit), and each refusal counts against
// the caller's address too (server/domain/refusal-limit.ts: 60 a minute), after which every
// request from the load generator's address is refused with 429 for a minute, the next load
// included. The emulator's rate limits, and so the app's pacing of its Stripe calls, are off:
// these loads measure the app's work, not Stripe's limits (the `supportTeam` figures run with
// them on).
import Stripe from 'stripe';
import type { DatabaseSettings } from '../../server/db/database.ts';
import { policyFor } from '../../shared/policy.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { apiSignIn } from '../../test/helpers/totp.ts';
import { buildServer, serverIsStale } from '../../scripts/server-build.mjs';
import { createBenchUsers, signInBenchUsers } from './bench-users.ts';
import { load, type LoadResult } from './load.ts';
import { freePort, startChild, waitFor200, type Child } from './processes.ts';
import type { BenchContext, BenchSection } from './section.ts';

export const PK = 'pk_test_emulator_platform';
export const SK = 'sk_test_emulator_platform';
/** Fixed-rate load: overall requests per second, for half the duration (at least 3 s). */
export const FIXED_RATE = 200;
/**
 * Reveals per second the open load can make before its nonces (and bench users) are used up:
 * above what the app answers on this kind of machine (~170/s PGlite, ~340/s PostgreSQL,
 * decision 130). A faster app ends its load early (`ended: 'inputs'`), its rate still right.
 */
export const MAX_REVEALS_PER_S = 500;
const REVEALS_PER_USER = policyFor('platform_admin').permissions.reveal.ratePerMinute;
/** Reveals per bench user: one below the per-user limit, which then never answers 429. */
const PER_USER = REVEALS_PER_USER - 1;

export interface Server {
  child: Child;
  appUrl: string;
  emulatorUrl: string;
  startMs: number;
}

export const EMULATOR_SETTINGS_NOTE =
  "emulator rate limits off (EMULATOR_RATE_LIMITS=off) and the app's pacing of its Stripe calls off (STRIPE_MAX_RPS=off): the loads measure the app's work, not Stripe's limits; each reveal with a nonce of its own and a bench user below the per-user reveal limit";

export async function startApp(ctx: BenchContext, env: Record<string, string>): Promise<Server> {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${port}`;
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  // Other work may touch the sources while the bench runs: compile again so npm start runs dist/.
  if (serverIsStale()) buildServer({ quiet: true });
  const started = Date.now();
  const child = startChild(['scripts/start.mjs'], {
    PORT: String(port),
    EMULATOR_PORT: String(emulatorPort),
    PUBLIC_URL: appUrl,
    EMULATOR_PUBLIC_URL: emulatorUrl,
    LOG_LEVEL: 'warn',
    // A load test exceeds Stripe's 25 requests per second on purpose: the emulator's test-mode
    // rate limits (on by default) are switched off, and with them the app's pacing.
    EMULATOR_RATE_LIMITS: 'off',
    STRIPE_MAX_RPS: 'off',
    ...env,
  });
  let startMs: number;
  try {
    startMs = await waitFor200(`${appUrl}/readyz`, started, child);
  } catch (error) {
    await child.stop();
    throw error;
  }
  if (!child.output().includes('Running the compiled server')) {
    ctx.notes.push(
      'A server start ran the TypeScript sources (tsx) because they changed during the run; its numbers include tsx.',
    );
  }
  return { child, appUrl, emulatorUrl, startMs };
}

/** Password, then (admins and support agents have one) the TOTP second factor, through the API. */
export function login(appUrl: string, email: string, password: string): Promise<string> {
  return apiSignIn(appUrl, email, password, DEMO_TOTP_SECRET);
}

export async function createNonces(
  emulatorUrl: string,
  account: string,
  card: string,
  count: number,
): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    out.push(
      ...(await Promise.all(
        Array.from({ length: Math.min(16, count - out.length) }, async () => {
          const res = await fetch(`${emulatorUrl}/v1/ephemeral_key_nonces`, {
            method: 'POST',
            headers: {
              authorization: `Bearer ${PK}`,
              'stripe-account': account,
              'content-type': 'application/x-www-form-urlencoded',
            },
            body: new URLSearchParams({ issuing_card: card }).toString(),
          });
          if (res.status !== 200) throw new Error(`the emulator refused a nonce (${res.status}): ${await res.text()}`);
          return ((await res.json()) as { nonce: string }).nonce;
        }),
      )),
    );
  }
  return out;
}

export function sdk(emulatorUrl: string): Stripe {
  return new Stripe(SK, { host: '127.0.0.1', port: Number(new URL(emulatorUrl).port), protocol: 'http' });
}

export async function pickCard(emulatorUrl: string): Promise<{ account: string; card: string }> {
  const stripe = sdk(emulatorUrl);
  const account = (await stripe.accounts.list({ limit: 1 })).data[0]!.id;
  const card = (
    await stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 1 }, { stripeAccount: account })
  ).data[0]!.id;
  return { account, card };
}

/** Samples the child's RSS while `fn` runs; returns fn's result and the peak. */
async function withRss<T>(child: Child, fn: () => Promise<T>): Promise<{ result: T; peakRssMb: number }> {
  let peak = child.rssMb() ?? 0;
  const timer = setInterval(() => (peak = Math.max(peak, child.rssMb() ?? 0)), 100);
  try {
    return { result: await fn(), peakRssMb: peak };
  } finally {
    clearInterval(timer);
  }
}

/**
 * Hands out bench users' sessions for reveal loads, each user at most PER_USER reveals over the
 * whole run (a rolling minute would allow more; the run is short enough that this is simpler).
 */
export class BenchUserPool {
  private next = 0;
  constructor(private readonly cookies: string[]) {}

  /** Sessions for `reveals` requests: request i uses take(...)[floor(i / PER_USER)]. */
  take(reveals: number): string[] {
    const users = Math.ceil(reveals / PER_USER);
    if (this.next + users > this.cookies.length) {
      throw new Error(
        `not enough bench users: ${reveals} reveals need ${users}, ${this.cookies.length - this.next} left`,
      );
    }
    const taken = this.cookies.slice(this.next, this.next + users);
    this.next += users;
    return taken;
  }

  /** Bench users needed for this many reveals in loads of the given sizes. */
  static usersFor(loads: number[]): number {
    return loads.reduce((sum, reveals) => sum + Math.ceil(reveals / PER_USER), 0);
  }
}

export interface BackendReport {
  database: 'pglite' | 'postgres';
  settings: string;
  firstStartMs: number;
  restartMs: number;
  idleRssMb: number | undefined;
  underLoadPeakRssMb: number;
  ephemeralKeys: LoadResult;
  ephemeralKeysAt200rps: LoadResult;
  accountSessions: LoadResult;
  emulatorDirect?: LoadResult;
}

/**
 * The app on one database under the loads above. Returns its report and the server, still
 * running (the caller stops it; the PGlite section measures the reveal in Chromium on it).
 */
export async function benchBackend(
  ctx: BenchContext,
  name: 'pglite' | 'postgres',
  env: Record<string, string>,
  settings: DatabaseSettings,
  withEmulatorDirect: boolean,
): Promise<{ report: BackendReport; server: Server; account: string; card: string }> {
  const { connections, durationS, warmUpS } = ctx.load;
  const fixedS = Math.max(3, Math.round(durationS / 2));
  const warmUpReveals = MAX_REVEALS_PER_S * warmUpS;
  const openReveals = MAX_REVEALS_PER_S * durationS;
  const fixedReveals = Math.ceil(FIXED_RATE * fixedS * 1.05);
  ctx.log(`${name}: first start (empty database)`);
  const first = await startApp(ctx, env);
  await first.child.stop();
  // Written before the server opens the database again (PGlite: one process at a time).
  const emails = await createBenchUsers(
    settings,
    'bench',
    BenchUserPool.usersFor([warmUpReveals, openReveals, fixedReveals]),
  );
  ctx.log(`${name}: restart (cold start)`);
  const server = await startApp(ctx, env);
  try {
    await new Promise((r) => setTimeout(r, 1500));
    const idleRssMb = server.child.rssMb();
    const { account, card } = await pickCard(server.emulatorUrl);
    ctx.log(`${name}: signing in ${emails.length} bench users`);
    const users = new BenchUserPool(await signInBenchUsers(server.appUrl, emails));
    const adminCookie = await login(server.appUrl, 'admin@example.com', 'demo1234');

    const revealLoad = async (section: string, opts: { durationS: number; reveals: number; rate?: number }) => {
      const nonces = await createNonces(server.emulatorUrl, account, card, opts.reveals);
      const cookies = users.take(opts.reveals);
      return load({
        section: `${name}: POST /api/ephemeral-keys${section}`,
        url: `${server.appUrl}/api/ephemeral-keys`,
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.appUrl },
        connections,
        maxSeconds: opts.durationS,
        inputs: nonces.length,
        ...(opts.rate ? { rate: opts.rate } : {}),
        request: (i) => ({
          headers: { cookie: cookies[Math.floor(i / PER_USER)]! },
          // The account the page shows goes with the request, as the client's Connect callback sends it.
          body: JSON.stringify({ card_id: card, nonce: nonces[i], reason: 'bench', account }),
        }),
      });
    };

    ctx.log(`${name}: /api/ephemeral-keys under load (${warmUpS} s warm-up, ${durationS} s)`);
    await revealLoad(' (warm-up)', { durationS: warmUpS, reveals: warmUpReveals });
    const { result: ephemeralKeys, peakRssMb } = await withRss(server.child, () =>
      revealLoad('', { durationS, reveals: openReveals }),
    );
    ctx.log(`${name}: /api/ephemeral-keys at ${FIXED_RATE} rps (${fixedS} s)`);
    const ephemeralKeysAt200rps = await revealLoad(` at ${FIXED_RATE} rps`, {
      durationS: fixedS,
      rate: FIXED_RATE,
      reveals: fixedReveals,
    });

    ctx.log(`${name}: /api/account-sessions under load (${durationS} s)`);
    const accountSessionsLoad = (seconds: number, suffix: string) =>
      load({
        section: `${name}: POST /api/account-sessions${suffix}`,
        url: `${server.appUrl}/api/account-sessions`,
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: server.appUrl, cookie: adminCookie },
        connections,
        maxSeconds: seconds,
        request: () => ({ body: JSON.stringify({ account }) }),
      });
    await accountSessionsLoad(warmUpS, ' (warm-up)');
    const accountSessions = await accountSessionsLoad(durationS, '');

    let emulatorDirect: LoadResult | undefined;
    if (withEmulatorDirect) {
      ctx.log(`emulator: POST /v1/ephemeral_keys directly (${durationS} s)`);
      const emulatorKeys = async (seconds: number, count: number, suffix: string) => {
        const nonces = await createNonces(server.emulatorUrl, account, card, count);
        return load({
          section: `${name}: the emulator's POST /v1/ephemeral_keys${suffix}`,
          url: `${server.emulatorUrl}/v1/ephemeral_keys`,
          method: 'POST',
          headers: {
            authorization: `Bearer ${SK}`,
            'stripe-account': account,
            'stripe-version': STRIPE_API_VERSION,
            'content-type': 'application/x-www-form-urlencoded',
          },
          connections,
          maxSeconds: seconds,
          inputs: nonces.length,
          request: (i) => ({ body: new URLSearchParams({ issuing_card: card, nonce: nonces[i]! }).toString() }),
        });
      };
      const warm = await emulatorKeys(warmUpS, 3000 * warmUpS, ' (warm-up)');
      // Its first second is slower (cold JIT) than the rest: three times the warm-up's rate.
      emulatorDirect = await emulatorKeys(durationS, Math.ceil(warm.okPerS * durationS * 3) + 500, '');
    }
    for (const r of [ephemeralKeys, ephemeralKeysAt200rps, emulatorDirect]) {
      if (r?.ended === 'inputs')
        ctx.notes.push(
          `${r.section}: ended after ${r.durationS} s, its ${r.requests} prepared nonces used (the rate is over that time)`,
        );
    }
    const report: BackendReport = {
      database: name,
      settings: EMULATOR_SETTINGS_NOTE,
      firstStartMs: first.startMs,
      restartMs: server.startMs,
      idleRssMb,
      underLoadPeakRssMb: peakRssMb,
      ephemeralKeys,
      ephemeralKeysAt200rps,
      accountSessions,
      ...(emulatorDirect ? { emulatorDirect } : {}),
    };
    return { report, server, account, card };
  } catch (error) {
    await server.child.stop();
    throw error;
  }
}

/** The target every backend's fixed-rate load has: p99 of the answers 200. */
function fixedRateTarget(report: BackendReport, label: string) {
  const p99 = report.ephemeralKeysAt200rps.p99Ms ?? undefined;
  return {
    name: `p99 of /api/ephemeral-keys at ${FIXED_RATE} rps, answers 200 (${label})`,
    target: '< 25 ms',
    value: p99,
    met: p99 !== undefined && p99 < 25 && !report.ephemeralKeysAt200rps.failed,
  };
}

/** PostgreSQL (BENCH_DATABASE_URL, else a throw-away cluster): the same loads, no emulator baseline. */
export const postgresSection: BenchSection = {
  name: 'postgres',
  description:
    'the app on PostgreSQL: cold start, memory, /api/ephemeral-keys (open and at 200 rps), /api/account-sessions',
  async run(ctx) {
    const url = await ctx.postgresUrl();
    const pg = await benchBackend(ctx, 'postgres', { DATABASE_URL: url }, { kind: 'postgres', url }, false);
    await pg.server.child.stop();
    return { figures: { postgres: pg.report }, targets: [fixedRateTarget(pg.report, 'PostgreSQL')] };
  },
};
