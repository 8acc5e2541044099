import fp from 'fastify-plugin';
import { backfillCardIndex, type BackfillReport } from '../../domain/card-index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    cardIndex: {
      /** Runs a backfill now (unless one is running: then waits for that one). */
      backfill(): Promise<BackfillReport>;
      /** The first backfill of this instance, once it has completed (started when the server listens). */
      whenBackfilled(): Promise<BackfillReport>;
    };
  }
}

/** After a failed backfill (Stripe unreachable), try again after this long. */
const RETRY_MS = 30_000;

/**
 * The card index's backfill, in the background of a serving instance: started when the server
 * listens (an app only injected into, as in unit tests, never pages through Stripe), never
 * holding up readiness; lookups use Stripe directly for accounts not yet indexed. Stopped
 * before the database closes.
 */
export default fp(async (app) => {
  const abort = new AbortController();
  let running: Promise<BackfillReport> | undefined;
  let retry: NodeJS.Timeout | undefined;
  let resolveFirst!: (report: BackfillReport) => void;
  const first = new Promise<BackfillReport>((resolve) => (resolveFirst = resolve));

  const backfill = (): Promise<BackfillReport> => {
    running ??= backfillCardIndex(app.stripe, app.db, { signal: abort.signal, log: app.log })
      .then((report) => {
        resolveFirst(report);
        return report;
      })
      .finally(() => (running = undefined));
    return running;
  };

  const inBackground = () => {
    backfill().catch((err: unknown) => {
      if (abort.signal.aborted) return;
      app.log.warn({ err }, `card index backfill failed; lookups ask Stripe directly until it succeeds (retry in ${RETRY_MS / 1000} s)`);
      retry = setTimeout(inBackground, RETRY_MS);
      retry.unref();
    });
  };

  app.decorate('cardIndex', { backfill, whenBackfilled: () => first });
  app.addHook('onListen', async () => {
    if (!running) inBackground();
  });
  app.addHook('preClose', async () => {
    abort.abort();
    clearTimeout(retry);
    await running?.catch(() => {});
  });
}, { name: 'card-index', dependencies: ['db', 'stripe'] });
