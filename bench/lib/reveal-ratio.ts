// The reveal's throughput ratio, measured so that it means something: the emulator runs in a
// process of its own (`npm run emulator`), the app (npm start on the build) reaches it through
// EMULATOR_API_URL, and both loads run for the same duration with the same connections:
// - app: POST /api/ephemeral-keys (a fresh nonce each, spread over bench users below the
//   per-user reveal limit);
// - emulator: the same Stripe calls one reveal makes, in sequence on each connection
//   (GET /v1/issuing/cards/:id, POST /v1/ephemeral_keys, both with Stripe-Account).
// ratio = app reveals/s ÷ emulator reveal-pairs/s (target >= 0.8). The app's own CPU per
// reveal is its process's user+system time (/proc/<pid>/stat) over the load, divided by the
// reveals answered 200: the emulator's work is in the other process (target <= 1 ms).
import { randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { loadavg } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { policyFor } from '../../shared/policy.ts';
import { createBenchUsers, signInBenchUsers } from './bench-users.ts';
import { load, type LoadResult } from './load.ts';
import { freePort, startChild, waitFor200, type Child } from './processes.ts';

const PK = 'pk_test_emulator_platform';
const SK = 'sk_test_emulator_platform';
/** Seconds of load before each measured run, not counted. */
const WARM_UP_S = 2;
/** Kernel clock ticks per second (`getconf CLK_TCK`; 100 on Linux). */
const CLK_TCK = 100;

export interface RevealRatioReport {
  durationS: number;
  connections: number;
  database: 'pglite' | 'postgres';
  warmUpS: number;
  /** The machine's 1-minute load average before each load and after both (os.loadavg). */
  loadAverage1m: { beforeApp: number; beforeEmulator: number; after: number };
  app: LoadResult & {
    okReveals: number;
    okPerS: number;
    cpuMs: number;
    cpuMsPerReveal: number | undefined;
    /** The emulator's CPU during the app's load, per reveal: the same work as one pair below. */
    emulatorCpuMsPerReveal: number | undefined;
  };
  emulatorSameCalls: LoadResult & { revealPairsPerS: number; cpuMsPerPair: number | undefined };
  ratio: number | undefined;
  /** Nonces made beforehand per load; requests past them fail and are not counted (see notes). */
  noncesPrepared: number;
  notes: string[];
}

/** user + system CPU time of a process so far, in ms. */
export function cpuMsOf(pid: number): number {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
  // After "pid (comm) ": state is field 3, utime 14, stime 15 (1-based) → indexes 11 and 12 here.
  return ((Number(fields[11]) + Number(fields[12])) * 1000) / CLK_TCK;
}

async function nonces(emulatorUrl: string, account: string, card: string, count: number): Promise<string[]> {
  const out: string[] = [];
  while (out.length < count) {
    const batch = await Promise.all(
      Array.from({ length: Math.min(16, count - out.length) }, async () => {
        const res = await fetch(`${emulatorUrl}/v1/ephemeral_key_nonces`, {
          method: 'POST',
          headers: { authorization: `Bearer ${PK}`, 'stripe-account': account, 'content-type': 'application/x-www-form-urlencoded' },
          body: new URLSearchParams({ issuing_card: card }).toString(),
        });
        return ((await res.json()) as { nonce: string }).nonce;
      }),
    );
    out.push(...batch);
  }
  return out;
}

export async function measureRevealRatio(opts: {
  tmpDir: string;
  durationS: number;
  connections: number;
  maxReveals: number;
  /** PostgreSQL instead of the embedded PGlite: its work is then in its own processes, not the app's. */
  databaseUrl?: string;
}): Promise<RevealRatioReport> {
  const notes: string[] = [];
  const [appPort, emulatorPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${appPort}`;
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const pgliteDir = join(opts.tmpDir, 'ratio-pglite');
  const perUser = policyFor('platform_admin').permissions.reveal.ratePerMinute - 1;
  // Enough bench users for the warm-up and the measured run at `maxReveals` per duration.
  const users = Math.ceil(((1 + WARM_UP_S / opts.durationS) * opts.maxReveals) / perUser) + 1;

  // Bench users written before the app starts, each with a second factor: a platform admin
  // without one is refused every reveal (403), which is what an earlier version of this
  // measurement timed (0 reveals answered 200).
  const database = opts.databaseUrl ? ({ kind: 'postgres', url: opts.databaseUrl } as const) : ({ kind: 'pglite', dir: pgliteDir } as const);
  const emails = await createBenchUsers(database, 'ratio', users);

  const children: Child[] = [];
  try {
    const emulatorStarted = Date.now();
    // Stripe's test-mode rate limit (25/s, on by default in the emulator) would cap both loads
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
      const status = await fetch(`${emulatorUrl}/v1/accounts`).then((r) => r.status, () => 0);
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
    const card = (await stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 1 }, { stripeAccount: account })).data[0]!.id;
    const cookies = await signInBenchUsers(appUrl, emails);

    // Both loads the same way: a warm-up of WARM_UP_S first (JIT, connections, caches), whose
    // rate also says how many nonces the measured run needs; then the measured run, counted by
    // the status of each answer (autocannon's onResponse), not by `non2xx`.
    const appReveal = (offset: number, nonceList: string[], seconds: number) =>
      load({
        url: `${appUrl}/api/ephemeral-keys`,
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: appUrl },
        connections: opts.connections,
        // Duration only: autocannon's `amount` would take precedence over the duration.
        maxSeconds: seconds,
        request: (i) => ({
          // At most perUser reveals per bench user: the per-user limit never answers 429.
          headers: { cookie: cookies[offset + Math.floor(i / perUser)] ?? cookies.at(-1)! },
          body: JSON.stringify({ card_id: card, nonce: nonceList[i] ?? nonceList.at(-1), reason: 'bench', account }),
        }),
      });
    const headers = { authorization: `Bearer ${SK}`, 'stripe-account': account, 'stripe-version': Stripe.API_VERSION, 'content-type': 'application/x-www-form-urlencoded' };
    const emulatorPairs = (nonceList: string[]) => {
      let keyIndex = 0;
      return (seconds: number) =>
        load({
          url: `${emulatorUrl}/v1/issuing/cards/${card}`,
          headers,
          connections: opts.connections,
          maxSeconds: seconds,
          sequence: [
            { method: 'GET', path: () => `/v1/issuing/cards/${card}` },
            {
              method: 'POST',
              path: () => '/v1/ephemeral_keys',
              // As the SDK sends every POST (stripe-node: an Idempotency-Key per request), which
              // the emulator then records: the same work as the app's calls.
              headers: () => ({ 'idempotency-key': `bench-${randomUUID()}` }),
              body: () => new URLSearchParams({ issuing_card: card, nonce: nonceList[keyIndex++] ?? nonceList.at(-1)! }).toString(),
            },
          ],
        });
    };
    const ok = (r: LoadResult, step = 0) => r.statuses[step]?.['200'] ?? 0;
    /** Nonces for a run of `seconds` at the warm-up's rate, half again as many for headroom. */
    const enough = (warmUp: LoadResult, step = 0) => Math.ceil(((ok(warmUp, step) / warmUp.durationS) * opts.durationS * 1.5) / 100) * 100 + 200;

    // The app: warm-up on the first bench users, the measured run on the others.
    const warmUsers = Math.ceil((WARM_UP_S * opts.maxReveals) / opts.durationS / perUser);
    const warmNonces = await nonces(emulatorUrl, account, card, warmUsers * perUser);
    const appWarm = await appReveal(0, warmNonces, WARM_UP_S);
    const appNonces = await nonces(emulatorUrl, account, card, Math.min((users - warmUsers) * perUser, enough(appWarm)));
    const loadBefore = loadavg()[0]!;
    const cpuBefore = { app: cpuMsOf(app.process.pid!), emulator: cpuMsOf(emulator.process.pid!) };
    const appLoad = await appReveal(warmUsers, appNonces, opts.durationS);
    const cpuMs = cpuMsOf(app.process.pid!) - cpuBefore.app;
    const emulatorCpuDuringApp = cpuMsOf(emulator.process.pid!) - cpuBefore.emulator;
    const okReveals = ok(appLoad);
    if (appLoad.requests > appNonces.length) notes.push(`the app's load outran the ${appNonces.length} nonces prepared from its warm-up's rate (the rest answered 4xx and are not counted)`);
    const refused = appLoad.requests - okReveals - Math.max(0, appLoad.requests - appNonces.length);
    if (refused > 0) notes.push(`${refused} of the app's requests within the prepared nonces were not answered 200 (${JSON.stringify(appLoad.statuses[0])}): only reveals answered 200 count`);

    // The emulator: the same two calls per reveal, same connections and duration.
    const emulatorWarm = await emulatorPairs(await nonces(emulatorUrl, account, card, Math.ceil(WARM_UP_S * 3000)))(WARM_UP_S);
    // The emulator's warm-up starts cold and gets faster: more headroom than the app's.
    const emulatorNonces = await nonces(emulatorUrl, account, card, Math.ceil(enough(emulatorWarm, 1) * 1.7));
    const loadMiddle = loadavg()[0]!;
    const emulatorCpuBefore = cpuMsOf(emulator.process.pid!);
    const emulatorLoad = await emulatorPairs(emulatorNonces)(opts.durationS);
    const emulatorCpu = cpuMsOf(emulator.process.pid!) - emulatorCpuBefore;
    // A pair is a key answered 200 (each key follows its card retrieval on the same connection).
    const pairs = ok(emulatorLoad, 1);
    if ((emulatorLoad.statuses[1]?.['200'] ?? 0) < (emulatorLoad.statuses[1] ? Object.values(emulatorLoad.statuses[1]).reduce((a, b) => a + b, 0) : 0)) {
      notes.push(`some of the emulator's keys were not answered 200 (${JSON.stringify(emulatorLoad.statuses[1])}, nonces prepared ${emulatorNonces.length}): only pairs whose key was 200 count`);
    }
    const revealPairsPerS = Math.round(pairs / emulatorLoad.durationS);
    const appOkPerS = Math.round(okReveals / appLoad.durationS);
    const perReveal = (ms: number, n: number) => (n ? Math.round((ms / n) * 100) / 100 : undefined);
    return {
      durationS: opts.durationS,
      connections: opts.connections,
      database: opts.databaseUrl ? 'postgres' : 'pglite',
      warmUpS: WARM_UP_S,
      loadAverage1m: { beforeApp: loadBefore, beforeEmulator: loadMiddle, after: loadavg()[0]! },
      app: {
        ...appLoad,
        okReveals,
        okPerS: appOkPerS,
        cpuMs: Math.round(cpuMs),
        cpuMsPerReveal: perReveal(cpuMs, okReveals),
        emulatorCpuMsPerReveal: perReveal(emulatorCpuDuringApp, okReveals),
      },
      emulatorSameCalls: { ...emulatorLoad, revealPairsPerS, cpuMsPerPair: perReveal(emulatorCpu, pairs) },
      ratio: revealPairsPerS ? Math.round((appOkPerS / revealPairsPerS) * 100) / 100 : undefined,
      noncesPrepared: appNonces.length,
      notes,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
