import fp from 'fastify-plugin';
import { mirrorStatus, webhookGapSince } from '../../db/mirror.ts';
import { reconcileOnce, type ReconcileReport } from '../../domain/mirror/reconcile.ts';

declare module 'fastify' {
  interface FastifyInstance {
    mirror: {
      /** One reconcile pass now (tests, an operator); resolves with what it did. */
      reconcile(): Promise<ReconcileReport>;
    };
  }
}

/** How often an instance looks (one query, no Stripe call) for a webhook gap to repair at once. */
export const GAP_CHECK_MS = 5_000;

/**
 * The mirror's reconciler (docs/decisions/148-mirror.md) in the background of a serving
 * instance: a first pass once the backfill is settled, then every MIRROR_RECONCILE_SECONDS, and
 * at once after a webhook gap (an event that arrived long after it was created). One instance at
 * a time under an advisory lock; an app only injected into (unit tests) reconciles when asked.
 */
export default fp(
  async (app) => {
    const abort = new AbortController();
    const settings = app.config.mirror ?? { reconcileSeconds: 300, accountsPerPass: 500, staleSeconds: 600 };
    let running: Promise<ReconcileReport> | undefined;
    let lastPass = new Date(0);
    let nextPassAt = Number.POSITIVE_INFINITY;
    let timer: NodeJS.Timeout | undefined;

    const reconcile = (): Promise<ReconcileReport> => {
      running ??= (async () => {
        const started = new Date();
        let unreachable = false;
        try {
          const report = await reconcileOnce(app.stripe, app.db, {
            accountsPerPass: settings.accountsPerPass,
            signal: abort.signal,
            log: app.log,
          });
          unreachable = report.unreachable;
          return report;
        } finally {
          lastPass = started;
          // Stripe could not be reached: tried again at the next check, not a whole period later,
          // so that the pages' "Stripe cannot be reached" goes soon after it answers (decision 152).
          nextPassAt = unreachable ? Date.now() : Date.now() + settings.reconcileSeconds * 1000;
          running = undefined;
        }
      })();
      return running;
    };

    const tick = () => {
      (async () => {
        // Also while Stripe is marked unreachable (by any instance's calls): the pass is the probe
        // that clears the mark once Stripe answers, and it catches up on what was missed.
        const due =
          Date.now() >= nextPassAt ||
          (await webhookGapSince(app.db, lastPass)) ||
          (await mirrorStatus(app.db)).stripe_failing_since !== null;
        if (due) await reconcile();
      })()
        .catch((err: unknown) => {
          if (!abort.signal.aborted) app.log.warn({ err }, 'mirror reconcile failed; retried at the next check');
        })
        .finally(() => {
          if (abort.signal.aborted) return;
          timer = setTimeout(tick, Math.min(GAP_CHECK_MS, settings.reconcileSeconds * 1000));
          timer.unref();
        });
    };

    app.decorate('mirror', { reconcile });
    app.addHook('onListen', async () => {
      // The first pass follows the backfill (which sets each account's starting point).
      app.cardIndex
        .whenBackfilled()
        .then(() => {
          nextPassAt = Date.now();
          tick();
        })
        .catch(() => {});
    });
    app.addHook('preClose', async () => {
      abort.abort();
      clearTimeout(timer);
      await running?.catch(() => {});
    });
    // Read once so that a broken status table shows at start, not at the first page.
    app.addHook('onReady', async () => {
      await mirrorStatus(app.db);
    });
  },
  { name: 'mirror', dependencies: ['db', 'stripe', 'card-index'] },
);
