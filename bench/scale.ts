// `npm run bench:scale`: only the scale figures of `npm run bench` (bench/lib/scale.ts), as JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, serverIsStale } from '../scripts/server-build.mjs';
import { benchScale, RATIO_LOAD } from './lib/scale.ts';
import { SUPPORT_TEAM } from './lib/support-team.ts';

const log = (msg: string) => process.stderr.write(`[bench:scale] ${msg}\n`);
if (serverIsStale()) buildServer({ quiet: true });
const durationS = Number(process.env.BENCH_DURATION_S ?? RATIO_LOAD.durationS);
const tmp = mkdtempSync(join(tmpdir(), 'bench-scale-'));
try {
  // Nonces and bench users are prepared in proportion to the duration (a smoke run prepares less).
  const maxReveals = Math.round((RATIO_LOAD.maxReveals * durationS) / RATIO_LOAD.durationS);
  // The support team runs 4.5 times the load's duration (45 s for 10 s), at least 20 s.
  const team = { ...SUPPORT_TEAM, durationS: Math.max(20, Math.round((SUPPORT_TEAM.durationS * durationS) / RATIO_LOAD.durationS)) };
  console.log(JSON.stringify(await benchScale(tmp, log, { ...RATIO_LOAD, durationS, maxReveals }, team), null, 2));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
