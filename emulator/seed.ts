// Deterministic demo data: three Custom connected accounts with card_issuing, card_payments and
// transfers active, three individual cardholders each, and cards in every status (active virtual
// and physical, inactive, canceled). The accounts become active the way a platform makes them
// active on Stripe: by providing what Stripe requires, with Stripe's documented test values
// (shared/stripe-test-onboarding.ts), including the test bank account card_payments needs
// (api/external-accounts.ts), and their Issuing balances are funded as Stripe's test
// helper funds them (api/issuing/balance.ts). Ids, numbers and CVCs come from a fixed-seed generator, so they are the same on every
// run; only expiry years follow the clock's year so that cards stay in the future, and the
// purchases happen in the last two weeks so that a new user's overview has recent spend to show.
import { testBankAccount, testOnboardingParams } from '../shared/stripe-test-onboarding.ts';
import { applyOnboarding } from './api/account-onboarding.ts';
import { seededRandom } from './api/ids.ts';
import { recordFunding } from './api/issuing/balance.ts';
import { buildAccount } from './api/resources/accounts.ts';
import { buildCardholder } from './api/resources/issuing-cardholders.ts';
import { buildCard } from './api/resources/issuing-cards.ts';
import { createAuthorizationWithoutWebhook } from './api/issuing/authorization-creation.ts';
import { captureAuthorization } from './api/issuing/authorization-lifecycle.ts';
import type { IssuingEnv } from './api/issuing/authorizations.ts';
import type { Clock, EmulatorStore } from './api/store.ts';

export const SEED_RANDOM_SEED = 0x5eed2026;

/** Each seeded account's Issuing balance, and the platform's: 100,000.00 USD. */
export const SEED_ISSUING_FUNDS = 10_000_000;

interface SeedCardholder {
  first: string;
  last: string;
  phone: string;
  address: { line1: string; city: string; state: string; postal_code: string };
}

export interface SeedAccount {
  name: string;
  email: string;
  domain: string;
  url: string;
  /** Seconds since the epoch; fixed so that ordering is stable. */
  created: number;
  cardholders: SeedCardholder[];
}

/** Oldest first; Stripe lists newest first, so Acme Logistics comes last in `accounts.list`. */
export const SEED_ACCOUNTS: readonly SeedAccount[] = [
  {
    name: 'Acme Logistics',
    email: 'ops@acme-logistics.example',
    domain: 'acme-logistics.example',
    url: 'https://acme-logistics.example',
    created: Date.UTC(2025, 0, 13) / 1000,
    cardholders: [
      {
        first: 'Jenny',
        last: 'Rosen',
        phone: '+14155550101',
        address: { line1: '510 Townsend St', city: 'San Francisco', state: 'CA', postal_code: '94103' },
      },
      {
        first: 'Marcus',
        last: 'Chen',
        phone: '+14155550102',
        address: { line1: '88 King St', city: 'San Francisco', state: 'CA', postal_code: '94107' },
      },
      {
        first: 'Priya',
        last: 'Natarajan',
        phone: '+14155550103',
        address: { line1: '1 Market St', city: 'San Francisco', state: 'CA', postal_code: '94105' },
      },
    ],
  },
  {
    name: 'Bolt Couriers',
    email: 'finance@bolt-couriers.example',
    domain: 'bolt-couriers.example',
    url: 'https://bolt-couriers.example',
    created: Date.UTC(2025, 2, 4) / 1000,
    cardholders: [
      {
        first: 'Diego',
        last: 'Alvarez',
        phone: '+12125550111',
        address: { line1: '350 5th Ave', city: 'New York', state: 'NY', postal_code: '10118' },
      },
      {
        first: 'Hannah',
        last: 'Okafor',
        phone: '+12125550112',
        address: { line1: '11 Wall St', city: 'New York', state: 'NY', postal_code: '10005' },
      },
      {
        first: 'Tomasz',
        last: 'Nowak',
        phone: '+12125550113',
        address: { line1: '200 Park Ave', city: 'New York', state: 'NY', postal_code: '10166' },
      },
    ],
  },
  {
    name: 'Cobalt Studio',
    email: 'hello@cobalt-studio.example',
    domain: 'cobalt-studio.example',
    url: 'https://cobalt-studio.example',
    created: Date.UTC(2025, 4, 20) / 1000,
    cardholders: [
      {
        first: 'Aiko',
        last: 'Tanaka',
        phone: '+15035550121',
        address: { line1: '1005 W Burnside St', city: 'Portland', state: 'OR', postal_code: '97209' },
      },
      {
        first: 'Samuel',
        last: 'Greene',
        phone: '+15035550122',
        address: { line1: '701 SW 6th Ave', city: 'Portland', state: 'OR', postal_code: '97204' },
      },
      {
        first: 'Leila',
        last: 'Haddad',
        phone: '+15035550123',
        address: { line1: '1120 NW Couch St', city: 'Portland', state: 'OR', postal_code: '97209' },
      },
    ],
  },
];

/** Per cardholder (by position): the cards it holds, in creation order. */
const CARD_PLAN: ReadonlyArray<
  ReadonlyArray<{ type: 'virtual' | 'physical'; status: 'active' | 'inactive' | 'canceled' }>
> = [
  [
    { type: 'virtual', status: 'active' },
    { type: 'physical', status: 'active' },
  ],
  [
    { type: 'virtual', status: 'active' },
    { type: 'physical', status: 'inactive' },
  ],
  [
    { type: 'virtual', status: 'canceled' },
    { type: 'virtual', status: 'active' },
  ],
];

export function seedStore(store: EmulatorStore, clock: Clock): void {
  const random = seededRandom(SEED_RANDOM_SEED);
  const personRandom = seededRandom(SEED_RANDOM_SEED + 2);
  const bankRandom = seededRandom(SEED_RANDOM_SEED + 3);
  const thisYear = new Date(clock.now()).getUTCFullYear();
  let cardIndex = 0;

  for (const seed of SEED_ACCOUNTS) {
    const account = buildAccount(
      {
        created: seed.created,
        type: 'custom',
        country: 'US',
        email: seed.email,
        business_profile: { name: seed.name, url: seed.url, mcc: '4214', support_email: seed.email },
        capabilities: {
          card_issuing: { requested: true },
          card_payments: { requested: true },
          transfers: { requested: true },
        },
        controller: { requirement_collection: 'application' },
      },
      random,
    );
    const owner = seed.cardholders[0]!;
    applyOnboarding(
      store,
      account,
      {
        ...testOnboardingParams({
          businessName: seed.name,
          url: seed.url,
          person: { first_name: owner.first, last_name: owner.last, email: seed.email, phone: owner.phone },
          address: {
            city: owner.address.city,
            state: owner.address.state,
            postal_code: owner.address.postal_code,
            country: 'US',
          },
          acceptedAt: seed.created,
          acceptedFromIp: '192.0.2.10',
        }),
        // The seeded accounts keep their own merchant category (4214: courier services).
        business_profile: undefined,
      },
      seed.created,
      // A stream of its own, so that the ids and card numbers below stay what they were.
      personRandom,
    );
    // The bank account card_payments needs (and payouts), with Stripe's test numbers; its own
    // stream again, so that the person ids above stay what they were.
    applyOnboarding(store, account, { external_account: testBankAccount('US') }, seed.created, bankRandom);
    store.accounts.insert(account);
    const data = store.accountData(account.id);
    recordFunding(data, SEED_ISSUING_FUNDS, 'usd', seed.created);

    seed.cardholders.forEach((person, personIndex) => {
      const created = seed.created + 86_400 * (1 + personIndex);
      const cardholder = buildCardholder(
        {
          name: `${person.first} ${person.last}`,
          email: `${person.first.toLowerCase()}.${person.last.toLowerCase()}@${seed.domain}`,
          phone_number: person.phone,
          type: 'individual',
          status: 'active',
          billing: { address: { ...person.address, country: 'US' } },
          individual: { first_name: person.first, last_name: person.last },
        },
        created,
        'usd',
        random,
      );
      data.cardholders.insert(cardholder);

      (CARD_PLAN[personIndex] ?? []).forEach((plan, planIndex) => {
        const cardCreated = created + 3_600 * (1 + planIndex);
        const { card, secrets } = buildCard(
          {
            cardholder: cardholder.id,
            currency: 'usd',
            type: plan.type,
            status: plan.status === 'canceled' ? 'active' : plan.status,
            created: cardCreated,
            exp_month: 1 + ((cardIndex * 5) % 12),
            exp_year: thisYear + 2 + (cardIndex % 3),
            metadata: { seeded: 'true' },
            // One card per account shows spending controls at work: gambling blocked, 200/day.
            spending_controls:
              planIndex === 0 && personIndex === 0
                ? {
                    blocked_categories: ['betting_casino_gambling'],
                    spending_limits: [{ amount: 20_000, interval: 'daily' }],
                  }
                : undefined,
            shipping:
              plan.type === 'physical'
                ? {
                    name: `${person.first} ${person.last}`,
                    address: { ...person.address, country: 'US' },
                    service: 'standard',
                  }
                : undefined,
          },
          random,
        );
        if (plan.status === 'canceled') {
          card.status = 'canceled';
          card.cancellation_reason = 'lost';
        }
        if (card.shipping) card.shipping.status = 'delivered';
        data.cards.insert(card);
        data.cardSecrets.set(card.id, secrets);
        cardIndex += 1;
      });
    });
  }
  recordFunding(store.accountData(store.platformAccountId), SEED_ISSUING_FUNDS, 'usd', SEED_ACCOUNTS[0]!.created);
  seedAuthorizations(store, clock);
}

/** A few purchases per account, approved, captured and declined, decided by the Issuing engine. */
const SEED_PURCHASES: ReadonlyArray<{
  holder: number;
  card: number;
  amount: number;
  category: string;
  merchant: string;
  day: number;
  capture?: boolean;
}> = [
  {
    holder: 0,
    card: 0,
    amount: 4250,
    category: 'grocery_stores_supermarkets',
    merchant: 'Green Grocer',
    day: 10,
    capture: true,
  },
  { holder: 0, card: 0, amount: 1899, category: 'fast_food_restaurants', merchant: 'Burger Barn', day: 10 },
  // Declined by the seeded controls: gambling is blocked, and 200.00 per day is the limit.
  { holder: 0, card: 0, amount: 5000, category: 'betting_casino_gambling', merchant: 'Lucky Casino', day: 11 },
  { holder: 0, card: 0, amount: 25000, category: 'electronics_stores', merchant: 'Volt Electronics', day: 11 },
  { holder: 1, card: 0, amount: 12000, category: 'airlines_air_carriers', merchant: 'Sky Air', day: 12, capture: true },
  // The first card of the third cardholder is canceled.
  { holder: 2, card: 0, amount: 1500, category: 'taxicabs_limousines', merchant: 'Rocket Rides', day: 12 },
];

/** Purchases are dated from this many days before today (UTC), so `day: 10` is four days ago. */
const SEED_PURCHASES_FROM_DAYS_AGO = 14;

function seedAuthorizations(store: EmulatorStore, clock: Clock): void {
  // A stream of its own, so that the ids above stay what they were before authorizations existed.
  const random = seededRandom(SEED_RANDOM_SEED + 1);
  const today = Math.floor(clock.now() / 86_400_000) * 86_400;
  const base = today - SEED_PURCHASES_FROM_DAYS_AGO * 86_400;
  for (const account of [...store.accounts.list()].reverse()) {
    const data = store.accountData(account.id);
    const holders = [...data.cardholders.list()].reverse();
    let now = base;
    const env: IssuingEnv = { store, account: account.id, data, now: () => now, emit: () => {}, random };
    SEED_PURCHASES.forEach((purchase, index) => {
      const holder = holders[purchase.holder];
      const card = holder && [...data.cards.list()].reverse().filter((c) => c.cardholder === holder.id)[purchase.card];
      if (!card) return;
      now = base + purchase.day * 86_400 + 3_600 * (index + 9);
      const auth = createAuthorizationWithoutWebhook(env, {
        card,
        amount: purchase.amount,
        merchant: {
          category: purchase.category,
          name: purchase.merchant,
          city: 'San Francisco',
          state: 'CA',
          country: 'US',
          postal_code: '94103',
        },
        authorizationMethod: 'online',
      });
      if (auth.approved && purchase.capture) {
        now += 3_600;
        captureAuthorization(env, auth);
      }
    });
  }
}
