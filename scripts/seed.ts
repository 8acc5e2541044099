// `npm run seed`: fills a Stripe account with connected accounts, Issuing cardholders and cards
// for the dashboard to show.
// - Without keys: the running emulator (EMULATOR_URL, default http://127.0.0.1:${EMULATOR_PORT:-12111}).
// - With STRIPE_SECRET_KEY=sk_test_…: that real Stripe test-mode account. Live keys are refused.
// Idempotent: every object carries `metadata.cid_seed`; a second run finds them and creates
// only what is missing. SEED_ACCOUNTS (default 3) sets how many connected accounts.
//
// Stripe activates an account's `card_issuing` only once the platform has provided what Stripe
// requires (https://docs.stripe.com/issuing/connect), so each account is given Stripe's documented
// test values (shared/stripe-test-onboarding.ts), then the script waits for the capability
// (Stripe: "activation currently takes ~2 minutes", stripe-samples/issuing-treasury#380;
// SEED_WAIT_SECONDS, default 180), funds the account's Issuing balance (test helper
// `fund_balance`, SEED_FUND_AMOUNT in cents, default 100000) and only then creates its
// cardholders and cards. An account that does not become active is reported with what Stripe
// still needs, in words, and the script exits 1.
//
// stdout: one JSON document (target, counts, and per account its status, what is due, funding);
// stderr: the same per account in sentences.
import Stripe from 'stripe';
import { BudgetHttpClient } from '../server/plugins/app/stripe-budget.ts';
import { describeRequirements } from '../shared/account-requirements.ts';
import { testOnboardingParams } from '../shared/stripe-test-onboarding.ts';

const SEED_TAG = 'cid_seed';
const PEOPLE = [
  { first: 'Ada', last: 'Byron' },
  { first: 'Grace', last: 'Hopper' },
  { first: 'Alan', last: 'Turing' },
];
const ADDRESS = {
  line1: '354 Oyster Point Blvd',
  city: 'South San Francisco',
  state: 'CA',
  postal_code: '94080',
  country: 'US',
};
const CARD_PLAN = [
  { type: 'virtual', status: 'active' },
  { type: 'physical', status: 'inactive' },
] as const;
/** Where the seeding operator "accepts" the terms from: TEST-NET-1 (RFC 5737), never a real client. */
const ACCEPTED_FROM_IP = '192.0.2.1';

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function numberSetting(name: string, fallback: number, min: number, max: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max)
    fail(`${name} must be a whole number from ${min} to ${max}.`);
  return value;
}

/**
 * Requests a second the script sends at most: the app's own test-mode pace (80 % of Stripe's 25,
 * server/config.ts). Stripe counts a platform's requests made with `Stripe-Account` against one
 * budget, the strict reading the emulator enforces by default (docs/decisions/149), so the
 * seed's bursts (a list, then a create per cardholder and card) would otherwise meet 429s.
 */
const SEED_MAX_RPS = 20;

/**
 * The app's call budget (server/plugins/app/stripe-budget.ts), alone (no shared database):
 * paces the sends and retries a 429 after a backoff, e.g. when a running dashboard uses the
 * same platform's budget at the same time. stripe-node does not retry a plain 429 itself.
 */
const pacedHttpClient = () => new BudgetHttpClient(Stripe.createNodeHttpClient(), { maxPerSecond: SEED_MAX_RPS });

function client(): { stripe: Stripe; target: string; real: boolean } {
  const key = process.env.STRIPE_SECRET_KEY?.trim();
  if (key) {
    if (/^(sk|rk)_live_/.test(key)) fail('Refusing to seed with a live key: use a test-mode key (sk_test_…).');
    if (!/^(sk|rk)_test_/.test(key)) fail('STRIPE_SECRET_KEY must be a test-mode secret key (sk_test_…).');
    return {
      stripe: new Stripe(key, { maxNetworkRetries: 2, httpClient: pacedHttpClient() }),
      target: 'Stripe (test mode)',
      real: true,
    };
  }
  const url = new URL(process.env.EMULATOR_URL ?? `http://127.0.0.1:${process.env.EMULATOR_PORT ?? 12111}`);
  const stripe = new Stripe('sk_test_emulator_platform', {
    host: url.hostname,
    port: Number(url.port || 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 1,
    httpClient: pacedHttpClient(),
  });
  return { stripe, target: `the emulator at ${url.origin}`, real: false };
}

async function findTagged<T extends { metadata?: Stripe.Metadata | null }>(
  list: AsyncIterable<T>,
  tag: string,
): Promise<T | undefined> {
  for await (const item of list) if (item.metadata?.[SEED_TAG] === tag) return item;
  return undefined;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

interface AccountReport {
  id: string;
  name: string;
  card_issuing: string;
  /** What Stripe still needs, in words (empty once active). */
  currently_due: string[];
  /** Stripe's names for the same. */
  currently_due_fields: string[];
  issuing_balance: number | null;
  funding_error?: string;
  error?: string;
}

// Stripe's sample notes that the documented test phone 000-000-0000 is refused at times and uses a
// fictional 201-555 number instead (issuing-treasury onboard.ts).
function onboarding(i: number) {
  return testOnboardingParams({
    businessName: `Seed Company ${i}`,
    url: `https://seed-${i}.example.com`,
    person: { first_name: 'Sam', last_name: `Seed ${i}`, email: `seed-${i}@example.com`, phone: '+12015550123' },
    address: { city: ADDRESS.city, state: ADDRESS.state, postal_code: ADDRESS.postal_code, country: ADDRESS.country },
    acceptedAt: Math.floor(Date.now() / 1000),
    acceptedFromIp: ACCEPTED_FROM_IP,
  });
}

/** Polls the account until its card_issuing is active or `waitMs` has passed. */
async function waitForCardIssuing(
  stripe: Stripe,
  account: Stripe.Account,
  waitMs: number,
  pollMs: number,
): Promise<Stripe.Account> {
  const deadline = Date.now() + waitMs;
  let current = account;
  while (current.capabilities?.card_issuing !== 'active' && Date.now() < deadline) {
    // Only `pending` resolves by waiting; `inactive` means something is still due.
    if (current.capabilities?.card_issuing === 'inactive' && (current.requirements?.currently_due?.length ?? 0) > 0)
      break;
    await sleep(Math.min(pollMs, Math.max(deadline - Date.now(), 0)));
    current = await stripe.accounts.retrieve(current.id);
  }
  return current;
}

/** Tops the account's Issuing balance up to `target` with the test helper (not in stripe-node). */
async function fund(
  stripe: Stripe,
  account: string,
  target: number,
): Promise<{ balance: number | null; error?: string }> {
  const on = { stripeAccount: account };
  const available = async () =>
    (await stripe.balance.retrieve({}, on)).issuing?.available.find((b) => b.currency === 'usd')?.amount ?? 0;
  try {
    const before = await available();
    if (before >= target) return { balance: before };
    // https://docs.stripe.com/issuing/testing: test funds for the Issuing balance; the endpoint is
    // the one Stripe's issuing-treasury sample calls (create_issuingtopup.tsx).
    await stripe.rawRequest(
      'POST',
      '/v1/test_helpers/issuing/fund_balance',
      { amount: target - before, currency: 'usd' },
      on,
    );
    return { balance: await available() };
  } catch (error) {
    return { balance: null, error: (error as Error).message };
  }
}

async function main(): Promise<number> {
  const count = numberSetting('SEED_ACCOUNTS', 3, 1, 50);
  const waitMs = numberSetting('SEED_WAIT_SECONDS', 180, 0, 3600) * 1000;
  const pollMs = numberSetting('SEED_POLL_MS', 5000, 10, 60_000);
  const fundTarget = numberSetting('SEED_FUND_AMOUNT', 100_000, 0, 100_000_000);
  const { stripe, target } = client();
  const created = { accounts: 0, cardholders: 0, cards: 0 };
  const found = { accounts: 0, cardholders: 0, cards: 0 };
  const reports: AccountReport[] = [];

  for (let i = 1; i <= count; i++) {
    const accountTag = `account-${i}`;
    let account = await findTagged(stripe.accounts.list({ limit: 100 }), accountTag);
    const info = onboarding(i);
    const fromEarlierRun = account !== undefined;
    if (account) found.accounts++;
    else {
      account = await stripe.accounts.create(
        {
          type: 'custom',
          country: 'US',
          email: `seed-${i}@example.com`,
          // Issuing needs card_issuing and transfers (docs.stripe.com/issuing/connect); card_payments
          // lets the account take the dashboard's test purchases.
          capabilities: {
            card_issuing: { requested: true },
            card_payments: { requested: true },
            transfers: { requested: true },
          },
          ...info,
          metadata: { [SEED_TAG]: accountTag },
        },
        { idempotencyKey: `cid-seed-${accountTag}-v2` },
      );
      created.accounts++;
    }
    const report: AccountReport = {
      id: account.id,
      name: account.business_profile?.name ?? account.id,
      card_issuing: 'unknown',
      currently_due: [],
      currently_due_fields: [],
      issuing_balance: null,
    };
    reports.push(report);
    try {
      // An account found from an earlier run may lack what Stripe requires: provide it again.
      if (fromEarlierRun && account.capabilities?.card_issuing !== 'active') {
        account = await stripe.accounts.update(account.id, {
          ...info,
          capabilities: {
            card_issuing: { requested: true },
            card_payments: { requested: true },
            transfers: { requested: true },
          },
        });
      }
      account = await waitForCardIssuing(stripe, account, waitMs, pollMs);
    } catch (error) {
      report.error = (error as Error).message;
    }
    report.card_issuing = account.capabilities?.card_issuing ?? 'not_requested';
    report.currently_due_fields = account.requirements?.currently_due ?? [];
    report.currently_due = describeRequirements(report.currently_due_fields);
    // Stripe refuses cardholders and cards until card_issuing is active: report, do not fail on them.
    if (report.card_issuing !== 'active') continue;

    const funding = await fund(stripe, account.id, fundTarget);
    report.issuing_balance = funding.balance;
    if (funding.error) report.funding_error = funding.error;

    const on = { stripeAccount: account.id };
    for (const [p, person] of PEOPLE.entries()) {
      const holderTag = `${accountTag}-holder-${p + 1}`;
      let holder = await findTagged(stripe.issuing.cardholders.list({ limit: 100 }, on), holderTag);
      if (holder) found.cardholders++;
      else {
        holder = await stripe.issuing.cardholders.create(
          {
            type: 'individual',
            name: `${person.first} ${person.last}`,
            email: `${person.first.toLowerCase()}.${person.last.toLowerCase()}+${i}@example.com`,
            phone_number: `+1415555${String(100 + i * 10 + p).padStart(4, '0')}`,
            billing: { address: ADDRESS },
            // Cardholders accept Stripe's Issuing user terms (stripe-samples/issuing-treasury cardholders.ts).
            individual: {
              first_name: person.first,
              last_name: person.last,
              card_issuing: { user_terms_acceptance: { date: Math.floor(Date.now() / 1000), ip: ACCEPTED_FROM_IP } },
            },
            status: 'active',
            metadata: { [SEED_TAG]: holderTag },
          },
          { ...on, idempotencyKey: `cid-seed-${holderTag}` },
        );
        created.cardholders++;
      }

      const existing = await stripe.issuing.cards.list({ cardholder: holder.id, limit: 100 }, on);
      for (const [c, plan] of CARD_PLAN.entries()) {
        const cardTag = `${holderTag}-card-${c + 1}`;
        if (existing.data.some((card) => card.metadata?.[SEED_TAG] === cardTag)) {
          found.cards++;
          continue;
        }
        await stripe.issuing.cards.create(
          {
            cardholder: holder.id,
            currency: 'usd',
            type: plan.type,
            status: plan.status,
            ...(plan.type === 'physical'
              ? { shipping: { name: `${person.first} ${person.last}`, address: ADDRESS, service: 'standard' as const } }
              : {}),
            metadata: { [SEED_TAG]: cardTag },
          },
          { ...on, idempotencyKey: `cid-seed-${cardTag}` },
        );
        created.cards++;
      }
    }
  }

  for (const r of reports) {
    if (r.card_issuing === 'active') {
      const balance =
        r.issuing_balance === null
          ? `not funded (${r.funding_error ?? 'unknown'})`
          : `Issuing balance ${(r.issuing_balance / 100).toFixed(2)} USD`;
      console.error(`✓ ${r.name} (${r.id}): card_issuing active; ${balance}.`);
    } else {
      console.error(
        `✗ ${r.name} (${r.id}): card_issuing ${r.card_issuing}${r.error ? ` (${r.error})` : ''}; no cardholders or cards created.`,
      );
      for (const need of r.currently_due) console.error(`    Stripe still needs: ${need}`);
      if (r.card_issuing === 'pending')
        console.error('    Stripe is still reviewing it: run npm run seed again in a few minutes.');
    }
  }
  console.log(JSON.stringify({ target, created, alreadyThere: found, accounts: reports }));
  return reports.some((r) => r.card_issuing !== 'active') ? 1 : 0;
}

try {
  // Exit explicitly: the SDK's kept-alive connections would otherwise hold the process open.
  process.exit(await main());
} catch (error) {
  const err = error as { message?: string; type?: string; code?: string };
  if (err.code === 'ECONNREFUSED' || /ECONNREFUSED|connect/i.test(err.message ?? '')) {
    fail(
      `Could not reach the Stripe emulator: start it first (npm start or npm run emulator), or set EMULATOR_URL. (${err.message})`,
    );
  }
  fail(`Seeding failed: ${err.message ?? String(error)}`);
}
