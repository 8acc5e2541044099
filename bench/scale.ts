// `npm run bench:scale`: only the scale figures of `npm run bench` (bench/lib/scale.ts), as JSON.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { buildServer, serverIsStale } from '../scripts/server-build.mjs';
import { benchScale, RATIO_LOAD, scaledLoads } from './lib/scale.ts';

const log = (msg: string) => process.stderr.write(`[bench:scale] ${msg}\n`);
if (serverIsStale()) buildServer({ quiet: true });
const durationS = Number(process.env.BENCH_DURATION_S ?? RATIO_LOAD.durationS);
const tmp = mkdtempSync(join(tmpdir(), 'bench-scale-'));
try {
  const { ratio, team } = scaledLoads(durationS);
  console.log(JSON.stringify(await benchScale(tmp, log, ratio, team), null, 2));
} finally {
  rmSync(tmp, { recursive: true, force: true });
}
process.exit(0);
