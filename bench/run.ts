// `npm run bench`: one run on this machine, one JSON document on stdout, also written to
// bench/results/latest.json. `npm run bench -- NAME ...` runs the named sections only (written to
// bench/results/NAME.json); `npm run bench -- --list` lists them. Everything runs on loopback;
// every load runs for a duration (not a request count) and is counted by the status of each
// answer: its figures are of the answers 200 only (bench/lib/answers.ts), and a load whose
// answers are mostly something else (refusals) makes the run exit non-zero naming it.
//
// A section is one module in bench/lib/ exporting a BenchSection (bench/lib/section.ts), listed
// once in SECTIONS below. What each measures and how: bench/README.md.
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir, totalmem } from 'node:os';
import { join } from 'node:path';
import { clientIsStale, forceClientBuild } from '../scripts/client-build.mjs';
import { buildServer, serverIsStale } from '../scripts/server-build.mjs';
import { authorizationsSection } from './authorizations.ts';
import { benchFailures, MAX_NOT_OK_SHARE, noteFailure } from './lib/answers.ts';
import { postgresSection } from './lib/backend-load.ts';
import { bundleSection } from './lib/bundle.ts';
import { cardsLookupSection } from './lib/cards-lookup.ts';
import { millionSection } from './lib/million-cards.ts';
import { mirrorScaleSection } from './lib/mirror-scale.ts';
import { pgliteSection } from './lib/pglite-section.ts';
import { ROOT } from './lib/processes.ts';
import { revealRatioSection, scaleSection } from './lib/scale.ts';
import type { BenchContext, BenchSection, Information, Target } from './lib/section.ts';
import { viewCostsSection } from './lib/view-costs.ts';

/** Every section, in the order of a full run. */
const SECTIONS: BenchSection[] = [
  bundleSection,
  pgliteSection,
  postgresSection,
  millionSection,
  scaleSection,
  revealRatioSection,
  cardsLookupSection,
  authorizationsSection,
  mirrorScaleSection,
  viewCostsSection,
];

/** Every load: this many connections for this many seconds, after a warm-up that is not counted. */
const LOAD = { connections: 10, durationS: Number(process.env.BENCH_DURATION_S ?? 10), warmUpS: 1 };
const log = (msg: string) => process.stderr.write(`[bench] ${msg}\n`);

const args = process.argv.slice(2);
if (args.includes('--list')) {
  for (const s of SECTIONS)
    console.log(`${s.name.padEnd(16)}${s.inFullRun === false ? '(only when named) ' : ''}${s.description}`);
  process.exit(0);
}
const unknown = args.filter((a) => !SECTIONS.some((s) => s.name === a));
if (unknown.length) {
  console.error(
    `unknown section${unknown.length > 1 ? 's' : ''} ${unknown.join(', ')}; sections: ${SECTIONS.map((s) => s.name).join(', ')}`,
  );
  process.exit(2);
}
const named = args.length > 0;
const selected = named
  ? args.map((a) => SECTIONS.find((s) => s.name === a)!)
  : SECTIONS.filter((s) => s.inFullRun !== false);

// ---------------------------------------------------------------- build

const built = { client: false, server: false };
if (selected.some((s) => s.needsBuild !== false)) {
  if (clientIsStale()) {
    log('building the client');
    await forceClientBuild({ quiet: true });
    built.client = true;
  }
  if (serverIsStale()) {
    log('compiling the server');
    buildServer({ quiet: true });
    built.server = true;
  }
}

// ---------------------------------------------------------------- run

const notes: string[] = [];
const tmp = mkdtempSync(join(tmpdir(), 'bench-'));
let pgCluster: string | undefined;
let pgUrl: Promise<string> | undefined;
const ctx: BenchContext = {
  log,
  notes,
  tmp,
  load: LOAD,
  shared: new Map(),
  postgresUrl() {
    pgUrl ??= (async () => {
      const given = process.env.BENCH_DATABASE_URL?.trim();
      if (given) {
        notes.push('PostgreSQL: BENCH_DATABASE_URL.');
        return given;
      }
      // Its own temporary directory: PostgreSQL runs as the postgres user, who cannot enter ours.
      pgCluster = mkdtempSync(join(tmpdir(), 'bench-postgres-'));
      notes.push(
        'PostgreSQL: a local cluster started for the run (Debian package, loopback, fsync on, default settings).',
      );
      return execFileSync('bash', [join(ROOT, 'scripts/local-postgres.sh'), 'start', pgCluster], {
        encoding: 'utf8',
      }).trim();
    })();
    return pgUrl;
  },
};

// How busy the machine was (1-minute load average): loads share its cores with everything else.
const loadAverageAtStart = loadavg()[0]!;
const figures: Record<string, unknown> = {};
const targets: Target[] = [];
const information: Information[] = [];
const skipped: Record<string, string> = {};
try {
  for (const section of selected) {
    log(`section ${section.name}`);
    try {
      const result = await section.run(ctx);
      Object.assign(figures, result.figures);
      targets.push(...(result.targets ?? []));
      information.push(...(result.information ?? []));
    } catch (error) {
      const message = (error as Error).message.split('\n')[0]!;
      skipped[section.name] = message;
      figures[section.name] ??= { skipped: message };
      log(`section ${section.name} did not run: ${message}`);
      // Asked for by name, a section that cannot run fails the run; in a full run (e.g. no
      // PostgreSQL on this machine) it is reported as skipped.
      if (named) noteFailure(`${section.name}: did not run: ${message}`);
    }
  }
} finally {
  if (pgCluster) {
    try {
      execFileSync('bash', [join(ROOT, 'scripts/local-postgres.sh'), 'stop', pgCluster]);
    } catch {
      /* already down */
    }
    rmSync(pgCluster, { recursive: true, force: true });
  }
  rmSync(tmp, { recursive: true, force: true });
}

const failures = benchFailures();
const results = {
  when: new Date().toISOString(),
  sections: selected.map((s) => s.name),
  machine: {
    cpus: cpus().length,
    cpuModel: cpus()[0]?.model,
    memoryGb: Math.round(totalmem() / 2 ** 30),
    node: process.version,
    loadAverage1m: { atStart: loadAverageAtStart, atEnd: loadavg()[0]! },
  },
  // Loads whose answers were mostly not 200: their figures are of refusals (the run exits 1).
  failures,
  targets,
  information,
  ...(Object.keys(skipped).length ? { skipped } : {}),
  method: {
    server:
      'npm start on the production build (dist/server compiled by tsc, dist/client by Vite), emulator mode, LOG_LEVEL=warn, emulator in the same process as the app (as npm start runs it) unless a section says otherwise',
    load: `autocannon, ${LOAD.connections} connections for ${LOAD.durationS} s after a ${LOAD.warmUpS} s warm-up (not counted); a load whose requests need a prepared input (a nonce) sends no more than were prepared and ends early when they are used up (ended: inputs); all on loopback`,
    counting: `every answer counted by status (statuses); okPerS, p50Ms, p95Ms, p99Ms, maxMs are of the answers 200 only, over the time from the first request to the last answer; notOk lists the others by status; a load with more than ${MAX_NOT_OK_SHARE * 100} % answers other than 200 is listed in failures and the run exits 1`,
    ephemeralKeys:
      "each request carries a fresh nonce created beforehand on the emulator and the card's account (as the client's Connect callback sends it), from a bench platform admin (second factor enrolled and used at sign-in) who makes fewer reveals than the per-user limit, so the app's per-user limit never answers 429 and no refusal counts against the load generator's address; emulator rate limits and the app's Stripe pacing off; every request writes its audit row",
    coldStart:
      'spawn of `node scripts/start.mjs` to the first 200 from /readyz; firstStartMs with an empty database (PGlite restores its cluster template, migrations run), restartMs with the data already there',
    rss: 'VmRSS of the server process: idle 1.5 s after ready; peak sampled every 100 ms during the ephemeral-key load',
  },
  notes,
  build: { clientRebuilt: built.client, serverRebuilt: built.server },
  ...figures,
};

const json = JSON.stringify(results, null, 2);
mkdirSync(join(ROOT, 'bench/results'), { recursive: true });
const file = named ? `bench/results/${args.join('+')}.json` : 'bench/results/latest.json';
writeFileSync(join(ROOT, file), `${json}\n`);
console.log(json);
if (failures.length) {
  log(
    `FAILED: ${failures.length} load${failures.length > 1 ? 's' : ''} did not measure what ${failures.length > 1 ? 'they name' : 'it names'} (figures written to ${file}):`,
  );
  for (const f of failures) log(`  ${f}`);
  process.exit(1);
}
process.exit(0);
