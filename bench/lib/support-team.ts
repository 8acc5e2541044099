// The support team under the emulator's rate limits (issue 14), the same run as
// test/server/support-team.test.ts for longer, three ways: callers' cards on every seeded account
// (as in the test), all on one connected account (the emulator counts a request against the
// account it acts on, so this is the case where its 25/s binds; it is also what Stripe would see
// if it counted a platform's calls for its connected accounts together, which it does not say),
// and that worst case again without the app's pacing (STRIPE_MAX_RPS=off), to show what the
// pacing buys. In-process stack (emulator + app on in-memory PGlite), emulator limits on.
import { startStack } from '../../test/helpers/stack.ts';
import { runSupportTeam, type SupportTeamReport } from '../../test/helpers/support-team.ts';

export const SUPPORT_TEAM = { agents: 50, durationS: 45 };

export interface SupportTeamBench {
  method: string;
  runs: Array<{ name: string; appPacing: string } & Omit<SupportTeamReport, 'pace'>>;
  pace: SupportTeamReport['pace'];
}

export async function benchSupportTeam(log: (msg: string) => void, opts = SUPPORT_TEAM): Promise<SupportTeamBench> {
  const variants: Array<{ name: string; accounts: 'all' | 'one'; env: Record<string, string> }> = [
    { name: 'cards on every seeded account', accounts: 'all', env: {} },
    { name: 'every caller on one connected account', accounts: 'one', env: {} },
    { name: 'every caller on one connected account, app not paced', accounts: 'one', env: { STRIPE_MAX_RPS: 'off' } },
  ];
  const runs: SupportTeamBench['runs'] = [];
  let pace: SupportTeamReport['pace'] | undefined;
  for (const variant of variants) {
    log(`support team: ${opts.agents} agents for ${opts.durationS} s, ${variant.name}`);
    const stack = await startStack({ stripeRateLimits: true, env: { LOG_LEVEL: 'warn', ...variant.env } });
    try {
      await stack.app.cardIndex.whenBackfilled();
      const { pace: used, ...report } = await runSupportTeam(stack, {
        agents: opts.agents,
        durationS: opts.durationS,
        accounts: variant.accounts,
      });
      pace = used;
      const rate = stack.config.stripe.maxRequestsPerSecond;
      runs.push({ name: variant.name, appPacing: rate === undefined ? 'off' : `${rate}/s`, ...report });
    } finally {
      await stack.close();
    }
  }
  return {
    method:
      "test/helpers/support-team.ts: each agent serves one caller after another: lookup by the caller's name, the card page, Stripe.js's nonce, the reveal with a reason; " +
      'pauses drawn (seeded) from pace, about 15 s a caller, ten times the shortest contact-centre handle time cited there; emulator rate limits on (25/s per account and endpoint)',
    runs,
    pace: pace!,
  };
}
