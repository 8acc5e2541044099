import fp from 'fastify-plugin';
import type { Queryable } from '../../db/database.ts';
import { pendingBackfills } from '../../db/card-index.ts';
import { pendingActivityBackfills } from '../../db/mirror.ts';
import { backfillCardIndex, type BackfillReport } from '../../domain/card-index.ts';

declare module 'fastify' {
  interface FastifyInstance {
    cardIndex: {
      /**
       * An operator's full resync: lists the connected accounts and indexes each anew (unless
       * a backfill is running here: then waits for that one).
       */
      backfill(): Promise<BackfillReport>;
      /**
       * This instance's first look at the deployment's backfill, once it is settled: done by
       * this instance (`ran: true`), or nothing left to do, or done by another instance.
       */
      whenBackfilled(): Promise<BackfillReport>;
    };
  }
}

/** Accounts whose cards, or whose authorizations and transactions, are still to backfill. */
async function backfillWorkLeft(db: Queryable): Promise<number> {
  return (await pendingBackfills(db)).length + (await pendingActivityBackfills(db)).length;
}

/**
 * How often an instance looks (one query, no Stripe call) for backfill work: accounts another
 * instance left unfinished (it stopped or died, which releases its lock), or accounts first
 * seen in an event. Also the retry delay after a failed backfill (Stripe unreachable).
 */
export const BACKFILL_CHECK_MS = 30_000;

/**
 * The deployment's card index backfill (docs/decisions/110-card-index-backfill-once.md), in
 * the background of a serving instance: started when the server listens (an app only injected
 * into, as in unit tests, never pages through Stripe), never holding up readiness. One instance
 * of the deployment does it, under an advisory lock; a restart with nothing left to do costs
 * one query. Stopped before the database closes.
 */
export default fp(
  async (app) => {
    const abort = new AbortController();
    let running: Promise<BackfillReport> | undefined;
    let timer: NodeJS.Timeout | undefined;
    let resolveFirst!: (report: BackfillReport) => void;
    const first = new Promise<BackfillReport>((resolve) => (resolveFirst = resolve));

    const run = (full: boolean): Promise<BackfillReport> => {
      running ??= backfillCardIndex(app.stripe, app.db, { signal: abort.signal, log: app.log, full }).finally(
        () => (running = undefined),
      );
      return running;
    };

    /** Waits until no other instance holds the backfill, then settles `first`. */
    const settle = async (): Promise<void> => {
      for (;;) {
        const report = await run(false);
        const left = report.ran ? 0 : await backfillWorkLeft(app.db);
        if (report.ran || left === 0) {
          resolveFirst(report);
          return;
        }
        await new Promise((resolve) => setTimeout(resolve, 500));
        abort.signal.throwIfAborted();
      }
    };

    const schedule = () => {
      timer = setTimeout(check, BACKFILL_CHECK_MS);
      timer.unref();
    };
    const check = () => {
      backfillWorkLeft(app.db)
        .then(async (left) => {
          if (left === 0) return;
          const report = await run(false);
          if (report.ran) resolveFirst(report);
        })
        .catch((err: unknown) => {
          if (!abort.signal.aborted)
            app.log.warn({ err }, 'card index backfill failed; lookups ask Stripe for accounts not yet indexed');
        })
        .finally(() => {
          if (!abort.signal.aborted) schedule();
        });
    };

    app.decorate('cardIndex', { backfill: () => run(true), whenBackfilled: () => first });
    app.addHook('onListen', async () => {
      settle()
        .catch((err: unknown) => {
          if (!abort.signal.aborted)
            app.log.warn(
              { err },
              `card index backfill failed; lookups ask Stripe directly until it succeeds (retry in ${BACKFILL_CHECK_MS / 1000} s)`,
            );
        })
        .finally(() => {
          if (!abort.signal.aborted) schedule();
        });
    });
    app.addHook('preClose', async () => {
      abort.abort();
      clearTimeout(timer);
      await running?.catch(() => {});
    });
  },
  { name: 'card-index', dependencies: ['db', 'stripe'] },
);
