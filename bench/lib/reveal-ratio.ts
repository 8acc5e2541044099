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
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import Stripe from 'stripe';
import { policyFor } from '../../shared/policy.ts';
import { createBenchUsers, signInBenchUsers } from './bench-users.ts';
import { load, type LoadResult } from './load.ts';
import { freePort, startChild, waitFor200, type Child } from './processes.ts';

const PK = 'pk_test_emulator_platform';
const SK = 'sk_test_emulator_platform';
/** Kernel clock ticks per second (`getconf CLK_TCK`; 100 on Linux). */
const CLK_TCK = 100;

export interface RevealRatioReport {
  durationS: number;
  connections: number;
  app: LoadResult & { okReveals: number; cpuMs: number; cpuMsPerReveal: number | undefined };
  emulatorSameCalls: LoadResult & { revealPairsPerS: number };
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

export async function measureRevealRatio(opts: { tmpDir: string; durationS: number; connections: number; maxReveals: number }): Promise<RevealRatioReport> {
  const notes: string[] = [];
  const [appPort, emulatorPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${appPort}`;
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  const pgliteDir = join(opts.tmpDir, 'ratio-pglite');
  const perUser = policyFor('platform_admin').permissions.reveal.ratePerMinute - 1;
  const users = Math.ceil(opts.maxReveals / perUser);

  // Bench users written before the app starts, each with a second factor: a platform admin
  // without one is refused every reveal (403), which is what an earlier version of this
  // measurement timed (0 reveals answered 200).
  const emails = await createBenchUsers({ kind: 'pglite', dir: pgliteDir }, 'ratio', users);

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
      PGLITE_DIR: pgliteDir,
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

    // The app's route, for the duration (or until the nonces made beforehand run out).
    const appNonces = await nonces(emulatorUrl, account, card, opts.maxReveals);
    const cpuBefore = cpuMsOf(app.process.pid!);
    const appLoad = await load({
      url: `${appUrl}/api/ephemeral-keys`,
      method: 'POST',
      headers: { 'content-type': 'application/json', origin: appUrl },
      connections: opts.connections,
      // Duration only: autocannon's `amount` would take precedence over the duration.
      maxSeconds: opts.durationS,
      request: (i) => ({
        headers: { cookie: cookies[Math.floor(i / perUser)] ?? cookies.at(-1)! },
        body: JSON.stringify({ card_id: card, nonce: appNonces[i] ?? appNonces.at(-1), reason: 'bench', account }),
      }),
    });
    const cpuMs = cpuMsOf(app.process.pid!) - cpuBefore;
    const okReveals = appLoad.requests - appLoad.non2xx - appLoad.errors;
    const refused = appLoad.non2xx - Math.max(0, appLoad.requests - opts.maxReveals);
    if (refused > 0) notes.push(`${refused} of the app's requests within the prepared nonces were not answered 2xx: the ratio counts only reveals answered 200`);
    if (appLoad.requests > opts.maxReveals) notes.push(`the app's load outran the ${opts.maxReveals} prepared nonces (the rest answered 4xx and are not counted): raise maxReveals`);

    // The emulator, the same two calls per reveal, same duration and connections.
    // The emulator alone answers more reveal pairs per second than the app (~900/s in a smoke run): twice the nonces.
    const emulatorNonces = await nonces(emulatorUrl, account, card, opts.maxReveals * 2);
    let keyIndex = 0;
    const headers = { authorization: `Bearer ${SK}`, 'stripe-account': account, 'stripe-version': Stripe.API_VERSION, 'content-type': 'application/x-www-form-urlencoded' };
    const emulatorLoad = await load({
      url: `${emulatorUrl}/v1/issuing/cards/${card}`,
      headers,
      connections: opts.connections,
      maxSeconds: opts.durationS,
      sequence: [
        { method: 'GET', path: () => `/v1/issuing/cards/${card}` },
        {
          method: 'POST',
          path: () => '/v1/ephemeral_keys',
          body: () => new URLSearchParams({ issuing_card: card, nonce: emulatorNonces[keyIndex++] ?? emulatorNonces.at(-1)! }).toString(),
        },
      ],
    });
    // Pairs answered 200 (a pair past the prepared nonces fails its key and is not counted).
    const emulatorOk = emulatorLoad.requests - emulatorLoad.non2xx - emulatorLoad.errors;
    if (keyIndex > emulatorNonces.length) notes.push(`the emulator's load outran the ${emulatorNonces.length} prepared nonces: raise maxReveals`);
    const revealPairsPerS = Math.round(emulatorOk / 2 / emulatorLoad.durationS);
    const appOkPerS = Math.round(okReveals / appLoad.durationS);
    return {
      durationS: opts.durationS,
      connections: opts.connections,
      app: { ...appLoad, okReveals, cpuMs: Math.round(cpuMs), cpuMsPerReveal: okReveals ? Math.round((cpuMs / okReveals) * 100) / 100 : undefined },
      emulatorSameCalls: { ...emulatorLoad, revealPairsPerS },
      ratio: revealPairsPerS ? Math.round((appOkPerS / revealPairsPerS) * 100) / 100 : undefined,
      noncesPrepared: opts.maxReveals,
      notes,
    };
  } finally {
    await Promise.all(children.map((c) => c.stop()));
  }
}
