// Child process of the "million cards" bench section (bench/lib/million-cards.ts): the emulator,
// in a process of its own, holding CARDS Issuing cards over CARDS/100 connected accounts
// (bench/lib/million-data.ts), written straight into its store before it listens. Compact: every
// card is a copy of one template card with its own id, cardholder, last4 and created (the
// nested objects, identical for every card, are shared: nothing in the bench changes them), and
// the cards have no secrets (nothing reveals them). Test-mode rate limits are off (a backfill
// and a lookup series exceed 25 requests/s on purpose). `GET /__bench/requests` answers how many
// requests the emulator has served, per route. Prints one JSON line {emulatorUrl, ...} when ready.
import type Stripe from 'stripe';
import { buildEmulator } from '../emulator/app.ts';
import { EmulatorStore } from '../emulator/api/store.ts';
import { buildAccount } from '../emulator/api/resources/accounts.ts';
import { buildCardholder } from '../emulator/api/resources/issuing-cardholders.ts';
import { buildCard } from '../emulator/api/resources/issuing-cards.ts';
import {
  BENCH_EPOCH,
  CARDS_PER_ACCOUNT,
  HOLDERS_PER_ACCOUNT,
  accountId,
  cardAt,
  cardholderAt,
} from './lib/million-data.ts';

const cards = Number(process.env.CARDS);
const port = Number(process.env.EMULATOR_PORT);
const emulatorUrl = `http://127.0.0.1:${port}`;
const accounts = cards / CARDS_PER_ACCOUNT;
const started = Date.now();

const store = new EmulatorStore();
const accountTemplate = buildAccount({
  created: BENCH_EPOCH - 400 * 86_400,
  type: 'custom',
  country: 'US',
  capabilities: {
    card_issuing: { requested: true },
    card_payments: { requested: true },
    transfers: { requested: true },
  },
  // Active capabilities from the start, as the demo accounts are once onboarded.
  onboarded: true,
});
const holderTemplate = buildCardholder(
  {
    name: 'Template',
    type: 'individual',
    billing: { address: { line1: '1 Bench St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
  },
  BENCH_EPOCH - 300 * 86_400,
  'usd',
);
const cardTemplate = buildCard({
  cardholder: holderTemplate.id,
  currency: 'usd',
  type: 'virtual',
  status: 'active',
  created: BENCH_EPOCH,
}).card;
// One string per last4, not one per card.
const last4s = Array.from({ length: 10_000 }, (_, i) => String(i).padStart(4, '0'));

for (let a = 0; a < accounts; a++) {
  const id = accountId(a);
  store.accounts.insert({
    ...accountTemplate,
    id,
    created: BENCH_EPOCH - 400 * 86_400 + a,
    email: `owner@acct${a}.example`,
    business_profile: { ...accountTemplate.business_profile, name: `Bench Company ${a}` },
  } as Stripe.Account);
  const data = store.accountData(id);
  for (let h = 0; h < HOLDERS_PER_ACCOUNT; h++) {
    const holder = cardholderAt(a * HOLDERS_PER_ACCOUNT + h);
    data.cardholders.insert({ ...holderTemplate, id: holder.id, name: holder.name, email: holder.email });
  }
  // Oldest first: the collection lists the last inserted first, as Stripe lists newest first.
  for (let c = 0; c < CARDS_PER_ACCOUNT; c++) {
    const card = cardAt(a * CARDS_PER_ACCOUNT + c, cards, BENCH_EPOCH);
    data.cards.insert({
      ...cardTemplate,
      id: card.id,
      cardholder: card.cardholder,
      last4: last4s[Number(card.last4)]!,
      created: card.created,
    });
  }
}
const seededMs = Date.now() - started;

const emulator = await buildEmulator({ store, seed: false, publicUrl: emulatorUrl, logger: false, rateLimits: false });
const served = new Map<string, number>();
emulator.addHook('onResponse', async (request) => {
  const route = `${request.method} ${request.routeOptions.url ?? request.url}`;
  served.set(route, (served.get(route) ?? 0) + 1);
});
emulator.get('/__bench/requests', async () => Object.fromEntries(served));
await emulator.listen({ port, host: '127.0.0.1' });
console.log(JSON.stringify({ emulatorUrl, accounts, cards, seededMs }));

const stop = async () => {
  await emulator.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
