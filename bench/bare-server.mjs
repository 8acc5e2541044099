// Child process of `npm run bench`: bare Fastify routes on loopback.
// - POST /bare answers a small JSON body: the floor for any Fastify app's throughput here.
// - POST /bare-reveal (when EMULATOR_API_URL is set) makes the same two Stripe calls as the app's
//   POST /api/ephemeral-keys, from this process, with the SDK set up as the app sets it up (one
//   client, keep-alive, no telemetry): the card retrieved on its account, then an ephemeral key
//   for the browser's nonce. No session, no database, no audit row: the app's reveal divided by
//   this is what the app's own work costs on top of the calls (bench/lib/reveal-ratio.ts).
import Fastify from 'fastify';
import Stripe from 'stripe';

const app = Fastify({ logger: false });
app.post('/bare', async (request) => ({
  ok: true,
  echo: typeof request.body === 'object' ? Object.keys(request.body ?? {}).length : 0,
}));

const emulator = process.env.EMULATOR_API_URL ? new URL(process.env.EMULATOR_API_URL) : undefined;
if (emulator) {
  const stripe = new Stripe('sk_test_emulator_platform', {
    maxNetworkRetries: 2,
    timeout: 10_000,
    telemetry: false,
    host: emulator.hostname,
    port: Number(emulator.port),
    protocol: 'http',
  });
  app.post('/bare-reveal', async (request) => {
    const {
      card_id: cardId,
      nonce,
      account,
    } = /** @type {{ card_id: string; nonce: string; account: string }} */ (request.body);
    const card = await stripe.issuing.cards.retrieve(cardId, {}, { stripeAccount: account });
    const key = await stripe.ephemeralKeys.create(
      { issuing_card: card.id, nonce },
      { apiVersion: Stripe.API_VERSION, stripeAccount: account },
    );
    return { ephemeralKeySecret: key.secret, expires: key.expires, issuingCard: card.id, nonce };
  });
}

await app.listen({ port: Number(process.env.PORT), host: '127.0.0.1' });
console.log(JSON.stringify({ url: `http://127.0.0.1:${process.env.PORT}` }));
process.once('SIGTERM', () => void app.close().then(() => process.exit(0)));
