// The benchmark's scale figures (issue 14), one function so that bench/run.ts calls it in one
// place: Stripe calls per user action, and the reveal's throughput ratio with the emulator in a
// process of its own plus the app's CPU per reveal. `npm run bench:scale` runs only these.
import { measureRevealRatio, type RevealRatioReport } from './reveal-ratio.ts';
import { stripeCallsPerAction, type ActionCalls } from './stripe-calls.ts';
import { benchSupportTeam, SUPPORT_TEAM, type SupportTeamBench } from './support-team.ts';

export interface ScaleReport {
  stripeCallsPerAction: Record<string, number>;
  stripeCallsDetail: ActionCalls[];
  revealRatio: RevealRatioReport | { skipped: string };
  /** The same on PostgreSQL (BENCH_DATABASE_URL): the app's CPU without the embedded database's. */
  revealRatioPostgres?: RevealRatioReport | { skipped: string };
  supportTeam: SupportTeamBench | { skipped: string };
  targets: Array<{ name: string; target: string; value: number | undefined; met: boolean }>;
}

export const RATIO_LOAD = { durationS: 10, connections: 10, maxReveals: 4000 };

/**
 * The loads for a smoke run of `durationS` seconds (BENCH_DURATION_S) instead of RATIO_LOAD's:
 * nonces and bench users in proportion; the support team 4.5 times as long, at least 20 s.
 */
export function scaledLoads(durationS: number): { ratio: typeof RATIO_LOAD; team: typeof SUPPORT_TEAM } {
  return {
    ratio: { ...RATIO_LOAD, durationS, maxReveals: Math.round((RATIO_LOAD.maxReveals * durationS) / RATIO_LOAD.durationS) },
    team: { ...SUPPORT_TEAM, durationS: Math.max(20, Math.round((SUPPORT_TEAM.durationS * durationS) / RATIO_LOAD.durationS)) },
  };
}

export async function benchScale(tmpDir: string, log: (msg: string) => void, load = RATIO_LOAD, team = SUPPORT_TEAM): Promise<ScaleReport> {
  log('Stripe calls per user action');
  const detail = await stripeCallsPerAction();
  log(`reveal ratio: emulator in its own process, ${load.durationS} s loads`);
  let revealRatio: ScaleReport['revealRatio'];
  try {
    revealRatio = await measureRevealRatio({ tmpDir, ...load });
  } catch (error) {
    revealRatio = { skipped: (error as Error).message.split('\n')[0]! };
  }
  let revealRatioPostgres: ScaleReport['revealRatioPostgres'];
  const pgUrl = process.env.BENCH_DATABASE_URL?.trim();
  if (pgUrl) {
    log('reveal ratio on PostgreSQL (BENCH_DATABASE_URL)');
    revealRatioPostgres = await measureRevealRatio({ tmpDir, ...load, databaseUrl: pgUrl }).catch((error: Error) => ({ skipped: error.message.split('\n')[0]! }));
  }
  const supportTeam = await benchSupportTeam(log, team).catch((error: Error) => ({ skipped: error.message.split('\n')[0]! }));
  const realistic = 'runs' in supportTeam ? supportTeam.runs[0] : undefined;
  const ratio = 'ratio' in revealRatio ? revealRatio.ratio : undefined;
  const cpu = 'app' in revealRatio ? revealRatio.app.cpuMsPerReveal : undefined;
  return {
    stripeCallsPerAction: Object.fromEntries(detail.map((a) => [a.action, a.stripeCalls])),
    stripeCallsDetail: detail,
    revealRatio,
    ...(revealRatioPostgres ? { revealRatioPostgres } : {}),
    supportTeam,
    targets: [
      {
        name: '50 support agents under the emulator\'s rate limits: 429s seen by the app + errors seen by agents',
        target: '0',
        value: realistic ? realistic.stripe429sSeenByApp + realistic.errorsSeenByAgents : undefined,
        met: realistic !== undefined && realistic.stripe429sSeenByApp + realistic.errorsSeenByAgents === 0,
      },
      { name: '/api/ephemeral-keys vs the emulator doing the same Stripe calls (emulator in its own process)', target: '>= 0.8', value: ratio, met: ratio !== undefined && ratio >= 0.8 },
      { name: "the app's own CPU per reveal (emulator excluded)", target: '<= 1 ms', value: cpu, met: cpu !== undefined && cpu <= 1 },
    ],
  };
}
