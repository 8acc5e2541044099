// `npm run seed`: fills a Stripe account with connected accounts, Issuing cardholders and cards
// for the dashboard to show.
// - Without keys: the running emulator (EMULATOR_URL, default http://127.0.0.1:${EMULATOR_PORT:-12111}).
// - With STRIPE_SECRET_KEY=sk_test_…: that real Stripe test-mode account. Live keys are refused.
// Idempotent: every object carries `metadata.cid_seed`; a second run finds them and creates
// only what is missing. SEED_ACCOUNTS (default 3) sets how many connected accounts, SEED_COUNTRIES
// (cycled) their countries: on the emulator US,US,GB by default; against Stripe the platform's own
// country by default, since a platform can onboard only the countries Stripe lets it
// (issuing-treasury runs a UK platform for UK accounts).
//
// Per account, as Stripe's issuing-treasury sample does:
// 1. `card_issuing`, `card_payments` and `transfers` requested, and what Stripe requires for the
//    account's country given with Stripe's documented test values (shared/stripe-test-onboarding.ts;
//    https://docs.stripe.com/issuing/connect, https://docs.stripe.com/connect/required-verification-information).
// 2. A bank account with Stripe's test numbers (`add_external_account.ts`): `card_payments` needs an
//    external account, so without one the account could not take the dashboard's test purchase.
// 3. The script waits for `card_issuing` and `card_payments`, each on its own requirements (the
//    Capability object's `requirements`, `GET /v1/accounts/:id/capabilities/:capability`): the
//    account's `requirements.currently_due` is the union over every requested capability, so a
//    need of one capability would otherwise read as another's. Stripe: "activation currently takes
//    ~2 minutes" (stripe-samples/issuing-treasury#380; SEED_WAIT_SECONDS, default 180).
// 4. The Issuing balance is funded the way the account's country funds it (shared/issuing-funding.ts:
//    a top-up in the US, a bank transfer to the funding instructions in the UK and the euro area;
//    SEED_FUND_AMOUNT in minor units, default 100000), then cardholders and cards are created in
//    the country's currency with an address there.
// An account whose `card_issuing` or `card_payments` does not become active is reported with what
// Stripe still needs, in words, and the script exits 1.
//
// stdout: one JSON document (target, counts, and per account its country, statuses, what is due,
// funding path and balance); stderr: the same per account in sentences.
import Stripe from 'stripe';
import { BudgetHttpClient } from '../server/plugins/app/stripe-budget.ts';
import { describeRequirements } from '../shared/account-requirements.ts';
import { fundIssuingBalance, fundingPathFor, issuingCurrencyFor, type FundingPath } from '../shared/issuing-funding.ts';
import { testBankAccount, testOnboardingParams } from '../shared/stripe-test-onboarding.ts';

const SEED_TAG = 'cid_seed';
const PEOPLE = [
  { first: 'Ada', last: 'Byron' },
  { first: 'Grace', last: 'Hopper' },
  { first: 'Alan', last: 'Turing' },
];

interface Place {
  line1: string;
  city: string;
  state?: string;
  postal_code: string;
  country: string;
}

/** What differs by country: the addresses and phone numbers, and the currency of the cards. */
interface CountryProfile {
  /** The account holder's address: the city and postcode Stripe's sample onboards with. */
  onboardingAddress: Omit<Place, 'line1'>;
  /** Cardholders' billing and cards' shipping address. */
  address: Place;
  /** The account holder's phone, and the cardholders' (numbered). */
  phone: string;
  cardholderPhone: (n: number) => string;
}

const COUNTRIES: Record<string, CountryProfile> = {
  US: {
    onboardingAddress: { city: 'South San Francisco', state: 'CA', postal_code: '94080', country: 'US' },
    address: {
      line1: '354 Oyster Point Blvd',
      city: 'South San Francisco',
      state: 'CA',
      postal_code: '94080',
      country: 'US',
    },
    // Stripe's sample notes that the documented test phone 000-000-0000 is refused at times and uses
    // a fictional 201-555 number instead (issuing-treasury onboard.ts).
    phone: '+12015550123',
    cardholderPhone: (n) => `+1415555${String(n).padStart(4, '0')}`,
  },
  GB: {
    // issuing-treasury onboard.ts, country GB: London, WC32 4AP; no state.
    onboardingAddress: { city: 'London', postal_code: 'WC32 4AP', country: 'GB' },
    address: { line1: '1 Strand', city: 'London', postal_code: 'WC2N 5DN', country: 'GB' },
    // Ofcom's range for drama (07700 900000–900999): never a real subscriber.
    phone: '+447700900123',
    cardholderPhone: (n) => `+447700900${String(n % 1000).padStart(3, '0')}`,
  },
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

/** SEED_COUNTRIES: the countries of the accounts, cycled (`fallback` when unset). */
function countriesSetting(fallback: string): string[] {
  const raw = process.env.SEED_COUNTRIES?.trim();
  const list = (raw ? raw : fallback).split(',').map((c) => c.trim().toUpperCase());
  const unknown = list.filter((c) => !COUNTRIES[c]);
  if (list.length === 0 || unknown.length > 0)
    fail(`SEED_COUNTRIES must list countries the seed knows (${Object.keys(COUNTRIES).join(', ')}), comma-separated.`);
  return list;
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
  country: string;
  currency: string;
  card_issuing: string;
  card_payments: string;
  /** What Stripe still needs for card_issuing and card_payments, in words (empty once active). */
  currently_due: string[];
  /** Stripe's names for the same (each capability's own `requirements.currently_due`). */
  currently_due_fields: string[];
  /** The last four digits of the account's bank account (what card_payments needs). */
  external_account: string | null;
  /** How the account's country funds an Issuing balance. */
  funding_path: FundingPath;
  /** The top-up that funded it this run (US); null when nothing was added or by bank transfer. */
  funding_id: string | null;
  issuing_balance: number | null;
  funding_error?: string;
  error?: string;
}

interface AccountPlan {
  index: number;
  tag: string;
  country: string;
  currency: string;
  profile: CountryProfile;
}

/** The i-th account (from 1): its country from SEED_COUNTRIES, and its tag. */
function plan(index: number, countries: readonly string[]): AccountPlan {
  const country = countries[(index - 1) % countries.length]!;
  // US accounts keep the tags of earlier runs; another country's account is another account.
  const tag = country === 'US' ? `account-${index}` : `account-${index}-${country.toLowerCase()}`;
  return { index, tag, country, currency: issuingCurrencyFor(country)!, profile: COUNTRIES[country]! };
}

function onboarding(p: AccountPlan) {
  return testOnboardingParams({
    businessName: `Seed Company ${p.index}`,
    url: `https://seed-${p.index}.example.com`,
    person: {
      first_name: 'Sam',
      last_name: `Seed ${p.index}`,
      email: `seed-${p.index}@example.com`,
      phone: p.profile.phone,
    },
    address: p.profile.onboardingAddress,
    acceptedAt: Math.floor(Date.now() / 1000),
    acceptedFromIp: ACCEPTED_FROM_IP,
  });
}

const CAPABILITIES = {
  card_issuing: { requested: true },
  card_payments: { requested: true },
  transfers: { requested: true },
};

/** The bank account card_payments needs, with Stripe's test numbers, unless the account has one. */
async function ensureBankAccount(stripe: Stripe, account: Stripe.Account, p: AccountPlan): Promise<string | null> {
  const existing = await stripe.accounts.listExternalAccounts(account.id, { object: 'bank_account', limit: 10 });
  const found = existing.data.find((e) => e.currency === p.currency);
  if (found) return (found as Stripe.BankAccount).last4;
  const bank = testBankAccount(p.country);
  if (!bank) return null;
  const added = await stripe.accounts.createExternalAccount(
    account.id,
    { external_account: bank },
    { idempotencyKey: `cid-seed-${p.tag}-bank` },
  );
  return (added as Stripe.BankAccount).last4;
}

type Waited = Record<'card_issuing' | 'card_payments', Stripe.Capability>;

/**
 * Polls card_issuing and card_payments until both are active or `waitMs` has passed. Only
 * `pending` resolves by waiting; a capability `inactive` with its own requirements due needs
 * something provided first, so the wait ends there.
 */
async function waitForCapabilities(stripe: Stripe, account: string, waitMs: number, pollMs: number): Promise<Waited> {
  const deadline = Date.now() + waitMs;
  const read = async (): Promise<Waited> => ({
    card_issuing: await stripe.accounts.retrieveCapability(account, 'card_issuing'),
    card_payments: await stripe.accounts.retrieveCapability(account, 'card_payments'),
  });
  let current = await read();
  const stuck = (c: Stripe.Capability) => c.status === 'inactive' && (c.requirements?.currently_due?.length ?? 0) > 0;
  while (Object.values(current).some((c) => c.status !== 'active') && Date.now() < deadline) {
    if (Object.values(current).some(stuck)) break;
    await sleep(Math.min(pollMs, Math.max(deadline - Date.now(), 0)));
    current = await read();
  }
  return current;
}

/** Tops the account's Issuing balance up to `target` the way its country funds it. */
async function fund(
  stripe: Stripe,
  account: string,
  p: AccountPlan,
  target: number,
): Promise<{ balance: number | null; id: string | null; error?: string }> {
  const available = async () =>
    (await stripe.balance.retrieve({}, { stripeAccount: account })).issuing?.available.find(
      (b) => b.currency === p.currency,
    )?.amount ?? 0;
  try {
    const before = await available();
    if (before >= target) return { balance: before, id: null };
    const funded = await fundIssuingBalance(stripe, account, {
      country: p.country,
      currency: p.currency,
      amount: target - before,
    });
    return { balance: await available(), id: funded.id };
  } catch (error) {
    return { balance: null, id: null, error: (error as Error).message };
  }
}

async function seedCardholders(
  stripe: Stripe,
  account: string,
  p: AccountPlan,
  created: { cardholders: number; cards: number },
  found: { cardholders: number; cards: number },
): Promise<void> {
  const on = { stripeAccount: account };
  const address = p.profile.address;
  for (const [n, person] of PEOPLE.entries()) {
    const holderTag = `${p.tag}-holder-${n + 1}`;
    let holder = await findTagged(stripe.issuing.cardholders.list({ limit: 100 }, on), holderTag);
    if (holder) found.cardholders++;
    else {
      holder = await stripe.issuing.cardholders.create(
        {
          type: 'individual',
          name: `${person.first} ${person.last}`,
          email: `${person.first.toLowerCase()}.${person.last.toLowerCase()}+${p.index}@example.com`,
          phone_number: p.profile.cardholderPhone(100 + p.index * 10 + n),
          billing: { address },
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
    for (const [c, card] of CARD_PLAN.entries()) {
      const cardTag = `${holderTag}-card-${c + 1}`;
      if (existing.data.some((e) => e.metadata?.[SEED_TAG] === cardTag)) {
        found.cards++;
        continue;
      }
      await stripe.issuing.cards.create(
        {
          cardholder: holder.id,
          currency: p.currency,
          type: card.type,
          status: card.status,
          ...(card.type === 'physical'
            ? { shipping: { name: `${person.first} ${person.last}`, address, service: 'standard' as const } }
            : {}),
          metadata: { [SEED_TAG]: cardTag },
        },
        { ...on, idempotencyKey: `cid-seed-${cardTag}` },
      );
      created.cards++;
    }
  }
}

/** Finds or creates the account and makes it able to issue cards and take payments; fills `report`. */
async function onboardAccount(
  stripe: Stripe,
  p: AccountPlan,
  waitMs: number,
  pollMs: number,
  counts: { created: { accounts: number }; found: { accounts: number } },
): Promise<{ account: Stripe.Account | undefined; report: AccountReport }> {
  const report: AccountReport = {
    id: '',
    name: `Seed Company ${p.index}`,
    country: p.country,
    currency: p.currency,
    card_issuing: 'unknown',
    card_payments: 'unknown',
    currently_due: [],
    currently_due_fields: [],
    external_account: null,
    funding_path: fundingPathFor(p.country),
    funding_id: null,
    issuing_balance: null,
  };
  const info = onboarding(p);
  let account = await findTagged(stripe.accounts.list({ limit: 100 }), p.tag);
  const fromEarlierRun = account !== undefined;
  try {
    if (account) counts.found.accounts++;
    else {
      account = await stripe.accounts.create(
        {
          type: 'custom',
          country: p.country,
          email: `seed-${p.index}@example.com`,
          // Issuing needs card_issuing and transfers (docs.stripe.com/issuing/connect); card_payments
          // lets the account take the dashboard's test purchases.
          capabilities: CAPABILITIES,
          ...info,
          metadata: { [SEED_TAG]: p.tag },
        },
        { idempotencyKey: `cid-seed-${p.tag}-v3` },
      );
      counts.created.accounts++;
    }
  } catch (error) {
    report.error = (error as Error).message;
    return { account: undefined, report };
  }
  report.id = account.id;
  report.name = account.business_profile?.name ?? account.id;
  try {
    // An account found from an earlier run may lack what Stripe requires: provide it again.
    const capabilities = account.capabilities ?? {};
    if (fromEarlierRun && (capabilities.card_issuing !== 'active' || capabilities.card_payments !== 'active')) {
      account = await stripe.accounts.update(account.id, { ...info, capabilities: CAPABILITIES });
    }
  } catch (error) {
    report.error = (error as Error).message;
  }
  try {
    report.external_account = await ensureBankAccount(stripe, account, p);
  } catch (error) {
    report.error ??= (error as Error).message;
  }
  const waited = await waitForCapabilities(stripe, account.id, waitMs, pollMs);
  report.card_issuing = waited.card_issuing.status;
  report.card_payments = waited.card_payments.status;
  report.currently_due_fields = [
    ...new Set([
      ...(waited.card_issuing.requirements?.currently_due ?? []),
      ...(waited.card_payments.requirements?.currently_due ?? []),
    ]),
  ];
  report.currently_due = describeRequirements(report.currently_due_fields);
  return { account, report };
}

function describeReport(r: AccountReport): void {
  const at = `${r.name} (${r.id || 'not created'})`;
  if (r.card_issuing === 'active') {
    const balance =
      r.issuing_balance === null
        ? `not funded (${r.funding_error ?? 'unknown'})`
        : `Issuing balance ${(r.issuing_balance / 100).toFixed(2)} ${r.currency.toUpperCase()}`;
    const how = r.funding_path === 'topup' ? 'by top-up' : 'by bank transfer';
    const payments =
      r.card_payments === 'active'
        ? 'card_payments active'
        : `card_payments ${r.card_payments}: the dashboard's test purchases will be refused`;
    console.error(
      `${r.card_payments === 'active' ? '✓' : '✗'} ${at}: card_issuing active; ${balance}. ${r.country}, funded ${how}; ${payments}.`,
    );
  } else {
    console.error(
      `✗ ${at}: card_issuing ${r.card_issuing}${r.error ? ` (${r.error})` : ''}; no cardholders or cards created.`,
    );
  }
  for (const need of r.currently_due) console.error(`    Stripe still needs: ${need}`);
  if (r.card_issuing === 'pending' || r.card_payments === 'pending')
    console.error('    Stripe is still reviewing it: run npm run seed again in a few minutes.');
}

async function main(): Promise<number> {
  const count = numberSetting('SEED_ACCOUNTS', 3, 1, 50);
  const waitMs = numberSetting('SEED_WAIT_SECONDS', 180, 0, 3600) * 1000;
  const pollMs = numberSetting('SEED_POLL_MS', 5000, 10, 60_000);
  const fundTarget = numberSetting('SEED_FUND_AMOUNT', 100_000, 0, 100_000_000);
  const { stripe, target, real } = client();
  // The emulator's platform may onboard every country the seed knows; a real platform its own.
  const countries = countriesSetting(real ? ((await stripe.accounts.retrieveCurrent()).country ?? 'US') : 'US,US,GB');
  const created = { accounts: 0, cardholders: 0, cards: 0 };
  const found = { accounts: 0, cardholders: 0, cards: 0 };
  const reports: AccountReport[] = [];

  for (let i = 1; i <= count; i++) {
    const p = plan(i, countries);
    const { account, report } = await onboardAccount(stripe, p, waitMs, pollMs, { created, found });
    reports.push(report);
    // Stripe refuses cardholders and cards until card_issuing is active: report, do not fail on them.
    if (!account || report.card_issuing !== 'active') continue;

    const funding = await fund(stripe, account.id, p, fundTarget);
    report.issuing_balance = funding.balance;
    report.funding_id = funding.id;
    if (funding.error) report.funding_error = funding.error;
    await seedCardholders(stripe, account.id, p, created, found);
  }

  reports.forEach(describeReport);
  console.log(JSON.stringify({ target, created, alreadyThere: found, accounts: reports }));
  return reports.some((r) => r.card_issuing !== 'active' || r.card_payments !== 'active') ? 1 : 0;
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
