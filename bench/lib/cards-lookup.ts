// Section `lookup` of `npm run bench`: the support agent's cards lookup as the data grows
// (bench/lookup-server.ts seeds N cards straight into the emulator's store, the app's card index
// is backfilled first). Sequential lookups by last4 and by cardholder name; latency of answers
// 200 only, other answers counted apart (answers.ts).
import { checked, tallyAnswers, type AnswerFigures } from './answers.ts';
import { login, sdk } from './backend-load.ts';
import { firstJsonLine, freePort, startChild } from './processes.ts';
import type { BenchSection } from './section.ts';

/** At most this many lookups and this many seconds per query. */
const LOOKUPS = { runs: 15, maxS: 60 };

async function measure(section: string, url: string, cookie: string): Promise<AnswerFigures & { found: number }> {
  const answers: Array<{ status: number; ms: number }> = [];
  const started = performance.now();
  let found = 0;
  while (answers.length < LOOKUPS.runs && performance.now() - started < LOOKUPS.maxS * 1000) {
    const t = performance.now();
    const res = await fetch(url, { headers: { cookie } });
    const body = (await res.json()) as { data?: unknown[] };
    answers.push({ status: res.status, ms: performance.now() - t });
    if (res.status === 200) found = body.data?.length ?? 0;
  }
  return { ...checked(tallyAnswers(section, answers, (performance.now() - started) / 1000)), found };
}

export const cardsLookupSection: BenchSection = {
  name: 'lookup',
  description:
    'the support agent looks up cards by last4 and by name with 1,000, 10,000 and 100,000 cards in the emulator',
  async run(ctx) {
    const cardsLookup = [];
    for (const cards of [1_000, 10_000, 100_000]) {
      ctx.log(`cards lookup with ${cards} cards`);
      const [appPort, emulatorPort] = [await freePort(), await freePort()];
      const child = startChild(['--import', 'tsx', 'bench/lookup-server.ts'], {
        CARDS: String(cards),
        APP_PORT: String(appPort),
        EMULATOR_PORT: String(emulatorPort),
      });
      try {
        const urls = await firstJsonLine<{
          appUrl: string;
          emulatorUrl: string;
          account: string;
          backfill: { cards: number; ms: number };
        }>(child, 600_000);
        const cookie = await login(urls.appUrl, 'support@example.com', 'demo1234');
        const newest = (await sdk(urls.emulatorUrl).issuing.cards.list({ limit: 1 }, { stripeAccount: urls.account }))
          .data[0]!;
        cardsLookup.push({
          cards,
          indexBackfill: { cards: urls.backfill.cards, ms: urls.backfill.ms },
          byLast4: await measure(
            `lookup (${cards} cards): by last4`,
            `${urls.appUrl}/api/cards?last4=${newest.last4}`,
            cookie,
          ),
          byCardholderName: await measure(
            `lookup (${cards} cards): by cardholder name`,
            `${urls.appUrl}/api/cards?q=${encodeURIComponent('Bench Holder 0')}`,
            cookie,
          ),
          rssMb: child.rssMb(),
        });
      } catch (error) {
        cardsLookup.push({ cards, skipped: (error as Error).message.split('\n')[0] });
      } finally {
        await child.stop();
      }
    }
    return { figures: { cardsLookup } };
  },
};
