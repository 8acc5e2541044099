// A support team at work (issue 14): N support agents, each serving one caller after another.
// Per caller, what the support pages send (client/src/features/cards, client/src/app/routes/card.tsx,
// client/src/features/reveal): the lookup by the caller's name (GET /api/cards?q=), the card page
// (GET /api/cards/:id), then the reveal: Stripe.js's nonce (the browser's own call to Stripe) and
// POST /api/ephemeral-keys with a reason and the card's account. Between steps the agent reads,
// types the reason, talks to the caller.
//
// The pace (SUPPORT_PACE) is stated, not guessed: contact centres' average handle time is
// 149 s (healthcare) to 528 s (telecoms), 208 s in financial services
// (https://centrical.com/resources/call-center-average-handle-time). An agent who serves a card
// caller every 15 s works ten times faster than the fastest of those; a team that gets no 429
// and no error at that pace does so with room to spare at its normal one. Each agent's first
// caller comes at a random moment of its first cycle (a team in the middle of its day, not 50
// clicks in the same millisecond); the random numbers are seeded, so a run is repeatable.
import type { Stack } from './stack.ts';
import { createNonce } from './card-details.ts';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { addConfirmedTotp } from '../../server/db/second-factors.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';

export interface SupportPace {
  /** Seconds an agent reads the lookup's answer before opening the card. */
  readLookupS: [number, number];
  /** Seconds to type the reason before asking for the number. */
  typeReasonS: [number, number];
  /** Seconds with the caller after the reveal, before the next caller's lookup. */
  talkS: [number, number];
}

/** About 15 s per caller (3 + 4.5 + 6 s plus the answers): ten times the shortest handle time above. */
export const SUPPORT_PACE: SupportPace = { readLookupS: [2, 4], typeReasonS: [3, 6], talkS: [3, 9] };

export interface SupportTeamOptions {
  agents: number;
  /** Callers are taken for this long; a caller in progress is finished. */
  durationS: number;
  pace?: SupportPace;
  /** The cards callers ask about: every seeded account's (default), or one account's only. */
  accounts?: 'all' | 'one';
  seed?: number;
}

export interface SupportTeamReport {
  agents: number;
  durationS: number;
  accounts: number;
  pace: SupportPace;
  /** Callers served to the end (their reveal answered). */
  callers: number;
  /** User actions: lookups, card pages, reveals. */
  actions: { lookups: number; cardPages: number; reveals: number; total: number };
  /** Stripe calls the app made (its call budget's count), and Stripe.js's nonces from the browsers. */
  stripeCalls: {
    app: number;
    perSecond: number;
    peakPerSecond: number;
    browserNonces: number;
    byEndpoint: Record<string, number>;
  };
  /** 429s the app got from Stripe (retried or not), and calls it held back to stay under its rate. */
  stripe429sSeenByApp: number;
  rateDelayed: number;
  /** Answers other than 2xx the agents saw (and requests that failed outright), with examples. */
  errorsSeenByAgents: number;
  errorExamples: string[];
  latencyMs: { lookupP50: number; lookupMax: number; revealP50: number; revealMax: number };
}

/** mulberry32: a small seeded generator, so that every run has the same callers and pauses. */
function seeded(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const median = (xs: number[]) => (xs.length ? [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]! : 0);

/** Support agents (role support_agent, TOTP enrolled), signed in with a fresh second-factor check. */
async function supportAgents(stack: Stack, count: number): Promise<string[]> {
  const hash = await hashPassword('support-team-password-1');
  const cookies: string[] = [];
  for (let i = 0; i < count; i++) {
    const user = await createUser(stack.app.db, {
      email: `team-agent-${i}-${Date.now()}@example.com`,
      passwordHash: hash,
      role: 'support_agent',
    });
    await addConfirmedTotp(stack.app.db, user.id, DEMO_TOTP_SECRET, 'Team authenticator');
    // As after the sign-in with the second factor: reveals need a check within 5 minutes (step-up).
    const { token } = await stack.app.sessions.issue(user.id, {
      state: 'complete',
      verifiedAt: Math.floor(stack.app.now() / 1000),
      method: 'totp',
    });
    cookies.push(`${SESSION_COOKIE}=${token}`);
  }
  return cookies;
}

export async function runSupportTeam(stack: Stack, opts: SupportTeamOptions): Promise<SupportTeamReport> {
  const pace = opts.pace ?? SUPPORT_PACE;
  const random = seeded(opts.seed ?? 14);
  const between = ([lo, hi]: [number, number]) => (lo + random() * (hi - lo)) * 1000;

  // The callers' cards: every card that can still be revealed, with its holder's name.
  const allAccounts = (await stack.stripe.accounts.list({ limit: 100 })).data.map((a) => a.id);
  const accounts = opts.accounts === 'one' ? allAccounts.slice(0, 1) : allAccounts;
  const cards: Array<{ id: string; account: string; name: string }> = [];
  for (const account of accounts) {
    const list = await stack.stripe.issuing.cards.list(
      { limit: 100, expand: ['data.cardholder'] },
      { stripeAccount: account },
    );
    for (const card of list.data) {
      if (card.status === 'canceled') continue;
      cards.push({ id: card.id, account, name: (card.cardholder as { name: string }).name });
    }
  }
  const cookies = await supportAgents(stack, opts.agents);

  const budget = stack.app.stripeBudget!;
  budget.resetStats();
  const counts = { lookups: 0, cardPages: 0, reveals: 0, callers: 0, nonces: 0 };
  const errors: string[] = [];
  const latency = { lookup: [] as number[], reveal: [] as number[] };
  const started = Date.now();
  const deadline = started + opts.durationS * 1000;
  const cycleMs =
    (pace.readLookupS[0] +
      pace.readLookupS[1] +
      pace.typeReasonS[0] +
      pace.typeReasonS[1] +
      pace.talkS[0] +
      pace.talkS[1]) *
    500;

  const call = async (what: string, cookie: string, path: string, body?: object): Promise<unknown> => {
    const t = performance.now();
    try {
      const res = await fetch(`${stack.appUrl}${path}`, {
        method: body ? 'POST' : 'GET',
        headers: { cookie, ...(body ? { 'content-type': 'application/json', origin: stack.appUrl } : {}) },
        ...(body ? { body: JSON.stringify(body) } : {}),
      });
      const text = await res.text();
      if (res.status < 200 || res.status >= 300) {
        errors.push(`${what}: ${res.status} ${text.slice(0, 160)}`);
        return undefined;
      }
      return JSON.parse(text) as unknown;
    } catch (error) {
      errors.push(`${what}: ${(error as Error).message}`);
      return undefined;
    } finally {
      const ms = performance.now() - t;
      if (what === 'lookup') latency.lookup.push(ms);
      if (what === 'reveal') latency.reveal.push(ms);
    }
  };

  const agent = async (cookie: string, firstCallerAfterMs: number, pick: () => number) => {
    await sleep(firstCallerAfterMs);
    while (Date.now() < deadline) {
      const card = cards[Math.floor(pick() * cards.length)]!;
      counts.lookups++;
      const found = (await call('lookup', cookie, `/api/cards?q=${encodeURIComponent(card.name)}`)) as
        { data?: Array<{ id: string }> } | undefined;
      if (found && !found.data?.some((c) => c.id === card.id))
        errors.push(`lookup: ${card.name} did not list ${card.id}`);
      await sleep(between(pace.readLookupS));
      counts.cardPages++;
      await call('card page', cookie, `/api/cards/${card.id}`);
      await sleep(between(pace.typeReasonS));
      // The browser asks Stripe.js for a nonce, then the app for the key.
      let nonce: string | undefined;
      try {
        counts.nonces++;
        nonce = await createNonce(stack, card.id, card.account);
      } catch (error) {
        errors.push(`nonce (browser to Stripe): ${(error as Error).message.slice(0, 160)}`);
      }
      if (nonce) {
        counts.reveals++;
        const key = (await call('reveal', cookie, '/api/ephemeral-keys', {
          card_id: card.id,
          nonce,
          reason: 'Caller verified by phone',
          account: card.account,
        })) as { ephemeralKeySecret?: string } | undefined;
        if (key?.ephemeralKeySecret) counts.callers++;
      }
      await sleep(between(pace.talkS));
    }
  };

  // Each agent's first caller at a random moment of its first cycle; its own sequence of callers.
  await Promise.all(cookies.map((cookie) => agent(cookie, random() * cycleMs, seeded(Math.floor(random() * 2 ** 31)))));
  const elapsedS = (Date.now() - started) / 1000;

  return {
    agents: opts.agents,
    durationS: opts.durationS,
    accounts: accounts.length,
    pace,
    callers: counts.callers,
    actions: {
      lookups: counts.lookups,
      cardPages: counts.cardPages,
      reveals: counts.reveals,
      total: counts.lookups + counts.cardPages + counts.reveals,
    },
    stripeCalls: {
      app: budget.stats.total,
      perSecond: Math.round((budget.stats.total / elapsedS) * 10) / 10,
      peakPerSecond: budget.stats.peakPerSecond,
      browserNonces: counts.nonces,
      byEndpoint: { ...budget.stats.byEndpoint },
    },
    stripe429sSeenByApp: budget.stats.rateLimited,
    rateDelayed: budget.stats.rateDelayed,
    errorsSeenByAgents: errors.length,
    errorExamples: errors.slice(0, 5),
    latencyMs: {
      lookupP50: Math.round(median(latency.lookup)),
      lookupMax: Math.round(Math.max(0, ...latency.lookup)),
      revealP50: Math.round(median(latency.reveal)),
      revealMax: Math.round(Math.max(0, ...latency.reveal)),
    },
  };
}
