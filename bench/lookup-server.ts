// Child process of `npm run bench`: the emulator with CARDS extra Issuing cards written straight
// into its store (one connected account, 10 cards per cardholder), and the app in front of it
// (in-memory PGlite, demo users), both on loopback. Prints one JSON line {appUrl, emulatorUrl}
// when ready. Runs the TypeScript sources (tsx): the same code as dist/, built in seconds.
import type Stripe from 'stripe';
import { buildEmulator } from '../emulator/app.ts';
import { EmulatorStore } from '../emulator/api/store.ts';
import { buildCardholder } from '../emulator/api/resources/issuing-cardholders.ts';
import { buildCard } from '../emulator/api/resources/issuing-cards.ts';
import { buildApp } from '../server/app.ts';
import { loadConfig } from '../server/config.ts';
import { seedDemoUsers } from '../server/db/demo-users.ts';

const cards = Number(process.env.CARDS ?? 1000);
const appPort = Number(process.env.APP_PORT);
const emulatorPort = Number(process.env.EMULATOR_PORT);
const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
const appUrl = `http://127.0.0.1:${appPort}`;

const store = new EmulatorStore();
// A load test: Stripe's test-mode rate limits (on by default in the emulator) are off.
const emulator = await buildEmulator({ store, seed: true, publicUrl: emulatorUrl, logger: false, rateLimits: false });
// The oldest seeded account (the last one listed) gets the extra cards.
const accounts = store.accounts.list();
const account = accounts.reduce((a, b) => ((a.created ?? 0) <= (b.created ?? 0) ? a : b));
const data = store.accountData(account.id);
const created = Math.floor(Date.now() / 1000) - 86_400;
let cardholder: Stripe.Issuing.Cardholder | undefined;
for (let i = 0; i < cards; i++) {
  if (i % 10 === 0) {
    const n = i / 10;
    cardholder = buildCardholder(
      {
        name: `Bench Holder ${n}`,
        email: `holder${n}@bench.example`,
        type: 'individual',
        billing: { address: { line1: '1 Bench St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
      },
      created,
      'usd',
    );
    data.cardholders.insert(cardholder);
  }
  const { card, secrets } = buildCard({
    cardholder: cardholder!.id,
    currency: 'usd',
    type: 'virtual',
    status: 'active',
    created: created + i,
  });
  data.cards.insert(card);
  data.cardSecrets.set(card.id, secrets);
}
await emulator.listen({ port: emulatorPort, host: '127.0.0.1' });

const config = loadConfig({
  HOST: '127.0.0.1',
  PORT: String(appPort),
  PUBLIC_URL: appUrl,
  EMULATOR_PORT: String(emulatorPort),
  EMULATOR_PUBLIC_URL: emulatorUrl,
  PGLITE_DIR: 'memory://',
  LOG_LEVEL: 'warn',
  // The emulator's rate limits are off here: the app's Stripe call pacing too (decision 131).
  EMULATOR_RATE_LIMITS: 'off',
});
const app = await buildApp(config, { logger: { level: 'warn' } });
await app.ready();
await seedDemoUsers(app);
await app.listen({ port: appPort, host: '127.0.0.1' });
// Listening starts the card index's backfill (the cards above were written straight into the
// store, so no webhook event announced them); lookups are measured once it is complete.
const backfill = await app.cardIndex.whenBackfilled();
console.log(JSON.stringify({ appUrl, emulatorUrl, account: account.id, backfill }));

const stop = async () => {
  await app.close();
  await emulator.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
