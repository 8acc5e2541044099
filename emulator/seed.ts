// Deterministic demo data: three Custom connected accounts with card_issuing active, three
// individual cardholders each, and cards in every status (active virtual and physical, inactive,
// canceled). Ids, numbers and CVCs come from a fixed-seed generator, so they are the same on every
// run; only expiry years follow the clock's year so that cards stay in the future.
import { seededRandom } from './api/ids.ts';
import { buildAccount } from './api/resources/accounts.ts';
import { buildCardholder } from './api/resources/issuing-cardholders.ts';
import { buildCard } from './api/resources/issuing-cards.ts';
import type { Clock, EmulatorStore } from './api/store.ts';

export const SEED_RANDOM_SEED = 0x5eed2026;

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
      { first: 'Jenny', last: 'Rosen', phone: '+14155550101', address: { line1: '510 Townsend St', city: 'San Francisco', state: 'CA', postal_code: '94103' } },
      { first: 'Marcus', last: 'Chen', phone: '+14155550102', address: { line1: '88 King St', city: 'San Francisco', state: 'CA', postal_code: '94107' } },
      { first: 'Priya', last: 'Natarajan', phone: '+14155550103', address: { line1: '1 Market St', city: 'San Francisco', state: 'CA', postal_code: '94105' } },
    ],
  },
  {
    name: 'Bolt Couriers',
    email: 'finance@bolt-couriers.example',
    domain: 'bolt-couriers.example',
    url: 'https://bolt-couriers.example',
    created: Date.UTC(2025, 2, 4) / 1000,
    cardholders: [
      { first: 'Diego', last: 'Alvarez', phone: '+12125550111', address: { line1: '350 5th Ave', city: 'New York', state: 'NY', postal_code: '10118' } },
      { first: 'Hannah', last: 'Okafor', phone: '+12125550112', address: { line1: '11 Wall St', city: 'New York', state: 'NY', postal_code: '10005' } },
      { first: 'Tomasz', last: 'Nowak', phone: '+12125550113', address: { line1: '200 Park Ave', city: 'New York', state: 'NY', postal_code: '10166' } },
    ],
  },
  {
    name: 'Cobalt Studio',
    email: 'hello@cobalt-studio.example',
    domain: 'cobalt-studio.example',
    url: 'https://cobalt-studio.example',
    created: Date.UTC(2025, 4, 20) / 1000,
    cardholders: [
      { first: 'Aiko', last: 'Tanaka', phone: '+15035550121', address: { line1: '1005 W Burnside St', city: 'Portland', state: 'OR', postal_code: '97209' } },
      { first: 'Samuel', last: 'Greene', phone: '+15035550122', address: { line1: '701 SW 6th Ave', city: 'Portland', state: 'OR', postal_code: '97204' } },
      { first: 'Leila', last: 'Haddad', phone: '+15035550123', address: { line1: '1120 NW Couch St', city: 'Portland', state: 'OR', postal_code: '97209' } },
    ],
  },
];

/** Per cardholder (by position): the cards it holds, in creation order. */
const CARD_PLAN: ReadonlyArray<ReadonlyArray<{ type: 'virtual' | 'physical'; status: 'active' | 'inactive' | 'canceled' }>> = [
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
  const thisYear = new Date(clock.now()).getUTCFullYear();
  let cardIndex = 0;

  for (const seed of SEED_ACCOUNTS) {
    const account = buildAccount(
      {
        created: seed.created,
        type: 'custom',
        country: 'US',
        email: seed.email,
        business_type: 'company',
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
    store.accounts.insert(account);
    const data = store.accountData(account.id);

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
                ? { blocked_categories: ['betting_casino_gambling'], spending_limits: [{ amount: 20_000, interval: 'daily' }] }
                : undefined,
            shipping:
              plan.type === 'physical'
                ? { name: `${person.first} ${person.last}`, address: { ...person.address, country: 'US' }, service: 'standard' }
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
}
