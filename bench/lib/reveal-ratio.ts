// The reveal's cost, measured so that it means something: the emulator runs in a process of its
// own (`npm run emulator`), the app (npm start on the build) reaches it through EMULATOR_API_URL,
// and three loads run one after the other for the same duration with the same connections:
// - app: POST /api/ephemeral-keys (a fresh nonce each, spread over bench users below the
//   per-user reveal limit);
// - bare route: bench/bare-server.mjs's POST /bare-reveal, a Fastify route making the same two
//   Stripe calls from its own process with the SDK set up as the app's (no session, database
//   or audit): what the two calls cost a Node process by themselves;
// - emulator: the same two calls sent straight to it (GET /v1/issuing/cards/:id,
//   POST /v1/ephemeral_keys), for the emulator's own CPU per pair.
// Every load sends no request past its prepared nonces (load.ts `inputs`) and counts answers 200
// only (answers.ts). The figures are information, not targets (decision 130: the old targets of a
// 0.8 ratio to the emulator and 1 ms of CPU per reveal cannot hold on two shared cores):
// `ratioToBareRoute` = app reveals answered 200 per second ÷ the bare route's; `cpuMsPerReveal` =
// the process's user + system CPU (/proc/<pid>/stat) over its load ÷ its answers 200.
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { policyFor } from '../../shared/policy.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { createNonces, SK } from './backend-load.ts';
import { createBenchUsers, signInBenchUsers } from './bench-users.ts';
import { load, type LoadResult } from './load.ts';
import { firstJsonLine, freePort, startChild, waitFor200, type Child } from './processes.ts';

/** Seconds of load before each measured run, not counted. */
const WARM_UP_S = 2;
/** Kernel clock ticks per second (`getconf CLK_TCK`; 100 on Linux). */
const CLK_TCK = 100;

type Cpu = { cpuMs: number; cpuMsPerReveal: number | undefined };

export interface RevealRatioReport {
  durationS: number;
  connections: number;
  database: 'pglite' | 'postgres';
  warmUpS: number;
  settings: string;
  /** The machine's 1-minute load average before each load and after all (os.loadavg). */
  loadAverage1m: { beforeApp: number; beforeBareRoute: number; beforeEmulator: number; after: number };
  app: LoadResult &
    Cpu & {
      /** The emulator's CPU during the app's load, per reveal: the same work as one pair below. */
      emulatorCpuMsPerReveal: number | undefined;
    };
  bareRoute: LoadResult & Cpu & { emulatorCpuMsPerReveal: number | undefined };
  emulatorSameCalls: LoadResult & { revealPairsPerS: number; cpuMsPerPair: number | undefined };
  /** App reveals answered 200 per second ÷ the bare route's: information, not a target. */
  ratioToBareRoute: number | undefined;
  /** App reveals per second ÷ the emulator's pairs per second (the withdrawn target's ratio). */
  ratioToEmulatorPairs: number | undefined;
  notes: string[];
}

/** user + system CPU time of a process so far, in ms. */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

const perReveal = (ms: number, n: number) => (n ? Math.round((ms / n) * 100) / 100 : undefined);
const ratio = (a: number, b: number) => (b ? Math.round((a / b) * 100) / 100 : undefined);

export async function measureRevealRatio(opts: {
  tmpDir: string;
  durationS: number;
  connections: number;
  /** Reveals the app's measured load may make (its nonces and bench users); it ends early past them. */
  maxReveals: number;
  /** PostgreSQL instead of the embedded PGlite: its work is then in its own processes, not the app's. */
  databaseUrl?: string;
}): Promise<RevealRatioReport> {
  const notes: string[] = [];
  const [appPort, emulatorPort, barePort] = [await freePort(), await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${appPort}`;
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const pgliteDir = join(opts.tmpDir, 'ratio-pglite');
  const perUser = policyFor('platform_admin').permissions.reveal.ratePerMinute - 1;
  const warmReveals = Math.ceil((WARM_UP_S * opts.maxReveals) / opts.durationS);
  const warmUsers = Math.ceil(warmReveals / perUser);
  const runUsers = Math.ceil(opts.maxReveals / perUser);

  // Bench users written before the app starts, each with a second factor: a platform admin
  // without one is refused every reveal (403), which is what an earlier version of this
  // measurement timed (0 reveals answered 200).
  const database = opts.databaseUrl
    ? ({ kind: 'postgres', url: opts.databaseUrl } as const)
    : ({ kind: 'pglite', dir: pgliteDir } as const);
  const emails = await createBenchUsers(database, 'ratio', warmUsers + runUsers);

  const children: Child[] = [];
  try {
    const emulatorStarted = Date.now();
    // Stripe's test-mode rate limit (25/s, on by default in the emulator) would cap every load
    // alike and measure the limiter, not the work: off for this measurement.
    const emulator = startChild(['--import', 'tsx', 'emulator/main.ts'], {
      EMULATOR_PORT: String(emulatorPort),
      EMULATOR_PUBLIC_URL: emulatorUrl,
      EMULATOR_RATE_LIMITS: 'off',
      LOG_LEVEL: 'warn',
    });
    children.push(emulator);
    // Listening once /v1 answers (401 without a key).
    for (;;) {
      const status = await fetch(`${emulatorUrl}/v1/accounts`).then(
        (r) => r.status,
        () => 0,
      );
      if (status === 401) break;
      if (Date.now() - emulatorStarted > 60_000) throw new Error('the emulator did not start');
      await new Promise((r) => setTimeout(r, 50));
    }
    // BENCH_CPU_PROF=<dir>: the app writes a V8 CPU profile there when it stops (node --cpu-prof).
    const profDir = process.env.BENCH_CPU_PROF;
    const app = startChild([...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : []), 'scripts/start.mjs'], {
      PORT: String(appPort),
      PUBLIC_URL: appUrl,
      EMULATOR_API_URL: emulatorUrl,
      EMULATOR_PUBLIC_URL: emulatorUrl,
      ...(opts.databaseUrl ? { DATABASE_URL: opts.databaseUrl } : { PGLITE_DIR: pgliteDir }),
      LOG_LEVEL: 'warn',
      // The emulator's limits are off: the app's pacing of its Stripe calls too (decision 131).
      STRIPE_MAX_RPS: 'off',
    });
    children.push(app);
    await waitFor200(`${appUrl}/readyz`, Date.now(), app);

    const stripe = new Stripe(SK, { host: '127.0.0.1', port: emulatorPort, protocol: 'http' });
    const account = (await stripe.accounts.list({ limit: 1 })).data[0]!.id;
    const card = (
      await stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 1 }, { stripeAccount: account })
    ).data[0]!.id;
    const cookies = await signInBenchUsers(appUrl, emails);
    const db = opts.databaseUrl ? 'PostgreSQL' : 'PGlite';

    // ---- the app: warm-up on the first bench users, the measured run on the others.
    const appReveal = (section: string, users: string[], nonces: string[], seconds: number) =>
      load({
        section: `revealRatio (${db}): the app's POST /api/ephemeral-keys${section}`,
        url: `${appUrl}/api/ephemeral-keys`,
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: appUrl },
        connections: opts.connections,
        maxSeconds: seconds,
        inputs: nonces.length,
        request: (i) => ({
          // At most perUser reveals per bench user: the per-user limit never answers 429.
          headers: { cookie: users[Math.floor(i / perUser)]! },
          body: JSON.stringify({ card_id: card, nonce: nonces[i], reason: 'bench', account }),
        }),
      });
    await appReveal(
      ' (warm-up)',
      cookies.slice(0, warmUsers),
      await createNonces(emulatorUrl, account, card, warmReveals),
      WARM_UP_S,
    );
    const appNonces = await createNonces(emulatorUrl, account, card, opts.maxReveals);
    const loadBefore = loadavg()[0]!;
    const cpuBefore = { app: cpuMsOf(app.process.pid!), emulator: cpuMsOf(emulator.process.pid!) };
    const appLoad = await appReveal('', cookies.slice(warmUsers), appNonces, opts.durationS);
    const appCpu = cpuMsOf(app.process.pid!) - cpuBefore.app;
    const emulatorCpuDuringApp = cpuMsOf(emulator.process.pid!) - cpuBefore.emulator;

    // ---- the bare route: the same two Stripe calls from a process of its own, nothing else.
    const bare = startChild(['bench/bare-server.mjs'], { PORT: String(barePort), EMULATOR_API_URL: emulatorUrl });
    children.push(bare);
    const { url: bareUrl } = await firstJsonLine<{ url: string }>(bare);
    const bareReveal = (section: string, nonces: string[], seconds: number) =>
      load({
        section: `revealRatio (${db}): a bare route making the same two Stripe calls${section}`,
        url: `${bareUrl}/bare-reveal`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        connections: opts.connections,
        maxSeconds: seconds,
        inputs: nonces.length,
        request: (i) => ({ body: JSON.stringify({ card_id: card, nonce: nonces[i], account }) }),
      });
    const bareWarm = await bareReveal(
      ' (warm-up)',
      await createNonces(emulatorUrl, account, card, Math.ceil(WARM_UP_S * 1500)),
      WARM_UP_S,
    );
    // Its warm-up starts cold and gets faster: three times the warm-up's rate, and no fewer than the app had.
    const bareNonces = await createNonces(
      emulatorUrl,
      account,
      card,
      Math.max(opts.maxReveals, Math.ceil(bareWarm.okPerS * opts.durationS * 3)),
    );
    const loadBeforeBare = loadavg()[0]!;
    const bareCpuBefore = { bare: cpuMsOf(bare.process.pid!), emulator: cpuMsOf(emulator.process.pid!) };
    const bareLoad = await bareReveal('', bareNonces, opts.durationS);
    const bareCpu = cpuMsOf(bare.process.pid!) - bareCpuBefore.bare;
    const emulatorCpuDuringBare = cpuMsOf(emulator.process.pid!) - bareCpuBefore.emulator;
    await bare.stop();

    // ---- the emulator: the same two calls per reveal, sent to it directly.
    const headers = {
      authorization: `Bearer ${SK}`,
      'stripe-account': account,
      'stripe-version': STRIPE_API_VERSION,
      'content-type': 'application/x-www-form-urlencoded',
    };
    const emulatorPairs = (section: string, nonces: string[], seconds: number) => {
      let keyIndex = 0;
      return load({
        section: `revealRatio (${db}): the emulator's two calls directly${section}`,
        url: `${emulatorUrl}/v1/issuing/cards/${card}`,
        headers,
        connections: opts.connections,
        maxSeconds: seconds,
        inputs: nonces.length,
        sequence: [
          { method: 'GET', path: () => `/v1/issuing/cards/${card}` },
          {
            method: 'POST',
            path: () => '/v1/ephemeral_keys',
            // As the SDK sends every POST (stripe-node: an Idempotency-Key per request), which
            // the emulator then records: the same work as the app's calls.
            headers: () => ({ 'idempotency-key': `bench-${randomUUID()}` }),
            body: () => new URLSearchParams({ issuing_card: card, nonce: nonces[keyIndex++]! }).toString(),
          },
        ],
      });
    };
    const emulatorWarm = await emulatorPairs(
      ' (warm-up)',
      await createNonces(emulatorUrl, account, card, Math.ceil(WARM_UP_S * 3000)),
      WARM_UP_S,
    );
    const emulatorNonces = await createNonces(
      emulatorUrl,
      account,
      card,
      Math.ceil(emulatorWarm.okPerS * opts.durationS * 3) + 200,
    );
    const loadBeforeEmulator = loadavg()[0]!;
    const emulatorCpuBefore = cpuMsOf(emulator.process.pid!);
    const emulatorLoad = await emulatorPairs('', emulatorNonces, opts.durationS);
    const emulatorCpu = cpuMsOf(emulator.process.pid!) - emulatorCpuBefore;
    // A pair is a key answered 200 (each key follows its card retrieval on the same connection):
    // the sequence's figures are those of its last step.
    const pairs = emulatorLoad.ok;

    for (const r of [appLoad, bareLoad, emulatorLoad]) {
      if (r.ended === 'inputs')
        notes.push(
          `${r.section}: ended after ${r.durationS} s, its ${r.requests} prepared nonces used (the rate is over that time)`,
        );
    }
    return {
      durationS: opts.durationS,
      connections: opts.connections,
      database: opts.databaseUrl ? 'postgres' : 'pglite',
      warmUpS: WARM_UP_S,
      settings:
        "emulator in its own process, rate limits off (EMULATOR_RATE_LIMITS=off); the app's pacing off (STRIPE_MAX_RPS=off); a nonce per reveal; bench users below the per-user reveal limit",
      loadAverage1m: {
        beforeApp: loadBefore,
        beforeBareRoute: loadBeforeBare,
        beforeEmulator: loadBeforeEmulator,
        after: loadavg()[0]!,
      },
      app: {
        ...appLoad,
        cpuMs: Math.round(appCpu),
        cpuMsPerReveal: perReveal(appCpu, appLoad.ok),
        emulatorCpuMsPerReveal: perReveal(emulatorCpuDuringApp, appLoad.ok),
      },
      bareRoute: {
        ...bareLoad,
        cpuMs: Math.round(bareCpu),
        cpuMsPerReveal: perReveal(bareCpu, bareLoad.ok),
        emulatorCpuMsPerReveal: perReveal(emulatorCpuDuringBare, bareLoad.ok),
      },
      emulatorSameCalls: {
        ...emulatorLoad,
        revealPairsPerS: emulatorLoad.okPerS,
        cpuMsPerPair: perReveal(emulatorCpu, pairs),
      },
      ratioToBareRoute: ratio(appLoad.okPerS, bareLoad.okPerS),
      ratioToEmulatorPairs: ratio(appLoad.okPerS, emulatorLoad.okPerS),
      notes,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
