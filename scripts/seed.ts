// `npm run seed`: fills a Stripe account with connected accounts, Issuing cardholders and cards
// for the dashboard to show.
// - Without keys: the running emulator (EMULATOR_URL, default http://127.0.0.1:${EMULATOR_PORT:-12111}).
// - With STRIPE_SECRET_KEY=sk_test_…: that real Stripe test-mode account. Live keys are refused.
// Idempotent: every object carries `metadata.cid_seed`; a second run finds them and creates
// only what is missing. SEED_ACCOUNTS (default 3) sets how many connected accounts.
import Stripe from 'stripe';

const SEED_TAG = 'cid_seed';
const PEOPLE = [
  { first: 'Ada', last: 'Byron' },
  { first: 'Grace', last: 'Hopper' },
  { first: 'Alan', last: 'Turing' },
];
const ADDRESS = { line1: '354 Oyster Point Blvd', city: 'South San Francisco', state: 'CA', postal_code: '94080', country: 'US' };
const CARD_PLAN = [
  { type: 'virtual', status: 'active' },
  { type: 'physical', status: 'inactive' },
] as const;

function fail(message: string): never {
  console.error(message);
  process.exit(1);
}

function client(): { stripe: Stripe; target: string } {
  const key = process.env.STRIPE_SECRET_KEY?.trim();
  if (key) {
    if (/^(sk|rk)_live_/.test(key)) fail('Refusing to seed with a live key: use a test-mode key (sk_test_…).');
    if (!/^(sk|rk)_test_/.test(key)) fail('STRIPE_SECRET_KEY must be a test-mode secret key (sk_test_…).');
    return { stripe: new Stripe(key, { maxNetworkRetries: 2 }), target: 'Stripe (test mode)' };
  }
  const url = new URL(process.env.EMULATOR_URL ?? `http://127.0.0.1:${process.env.EMULATOR_PORT ?? 12111}`);
  const stripe = new Stripe('sk_test_emulator_platform', {
    host: url.hostname,
    port: Number(url.port || 80),
    protocol: url.protocol === 'https:' ? 'https' : 'http',
    maxNetworkRetries: 1,
  });
  return { stripe, target: `the emulator at ${url.origin}` };
}

async function findTagged<T extends { metadata?: Stripe.Metadata | null }>(list: AsyncIterable<T>, tag: string): Promise<T | undefined> {
  for await (const item of list) if (item.metadata?.[SEED_TAG] === tag) return item;
  return undefined;
}

async function main(): Promise<void> {
  const count = Number(process.env.SEED_ACCOUNTS ?? 3);
  if (!Number.isInteger(count) || count < 1 || count > 50) fail('SEED_ACCOUNTS must be a whole number from 1 to 50.');
  const { stripe, target } = client();
  const created = { accounts: 0, cardholders: 0, cards: 0 };
  const found = { accounts: 0, cardholders: 0, cards: 0 };

  for (let i = 1; i <= count; i++) {
    const accountTag = `account-${i}`;
    let account = await findTagged(stripe.accounts.list({ limit: 100 }), accountTag);
    if (account) found.accounts++;
    else {
      account = await stripe.accounts.create(
        {
          type: 'custom',
          country: 'US',
          email: `seed-${i}@example.com`,
          business_type: 'company',
          business_profile: { name: `Seed Company ${i}`, mcc: '5734', url: `https://seed-${i}.example.com` },
          capabilities: { card_issuing: { requested: true }, card_payments: { requested: true }, transfers: { requested: true } },
          metadata: { [SEED_TAG]: accountTag },
        },
        { idempotencyKey: `cid-seed-${accountTag}` },
      );
      created.accounts++;
    }
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
            individual: { first_name: person.first, last_name: person.last },
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
  console.log(JSON.stringify({ target, created, alreadyThere: found }));
}

try {
  await main();
} catch (error) {
  const err = error as { message?: string; type?: string; code?: string };
  if (err.code === 'ECONNREFUSED' || /ECONNREFUSED|connect/i.test(err.message ?? '')) {
    fail(`Could not reach the Stripe emulator: start it first (npm start or npm run emulator), or set EMULATOR_URL. (${err.message})`);
  }
  fail(`Seeding failed: ${err.message ?? String(error)}`);
}
