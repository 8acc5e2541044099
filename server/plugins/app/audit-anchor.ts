import { randomBytes } from 'node:crypto';
import fp from 'fastify-plugin';
import { auditHead } from '../../db/audit-trail.ts';
import { getOrCreateSetting } from '../../db/settings.ts';
import {
  AUDIT_ANCHOR_INTERVAL_MS,
  anchorKey,
  appendCheckpoint,
  signCheckpoint,
  type Checkpoint,
} from '../../domain/audit-anchor.ts';

declare module 'fastify' {
  interface FastifyInstance {
    auditAnchor: {
      /** Checkpoints the chain's head now if it moved since the last one; returns what was written. */
      checkpoint(): Promise<Checkpoint | null>;
    };
  }
}

/**
 * Anchors the audit chain's head outside the database (docs/decisions/091-audit-chain-anchor.md):
 * every AUDIT_ANCHOR_INTERVAL_MS, and at shutdown, a signed checkpoint of the head (when it moved)
 * goes to the log (info) and is appended to AUDIT_ANCHOR_FILE. Only committed rows are read, so a
 * checkpoint never names a row a transaction later rolls back.
 */
export default fp(
  async (app) => {
    const settings = app.config.auditAnchor ?? { file: null, key: undefined };
    const secret =
      settings.key ??
      app.config.sessionSecret ??
      // Emulator mode without SESSION_SECRET: the session secret the auth plugin keeps in the
      // database (first writer wins). Real deployments set SESSION_SECRET or AUDIT_ANCHOR_KEY, so
      // the key is not the database's to read.
      (await getOrCreateSetting(app.db, 'session_secret', () => randomBytes(48).toString('base64url')));
    const key = anchorKey(secret);
    const file = settings.file;
    let last: { seq: number; hash: string } | null = null;
    let lastWriteError: string | null = null;
    let running: Promise<Checkpoint | null> | null = null;

    const run = async (): Promise<Checkpoint | null> => {
      const head = await auditHead(app.db);
      if (!head || (last && last.seq === head.seq && last.hash === head.hash)) return null;
      const checkpoint = signCheckpoint(key, head);
      // The log line first: a second copy, kept even when the file cannot be written.
      app.log.info({ auditCheckpoint: checkpoint, ...(file ? { file } : {}) }, 'audit chain checkpoint');
      if (file) {
        try {
          await appendCheckpoint(file, checkpoint);
          lastWriteError = null;
        } catch (error) {
          const message = (error as Error).message;
          // Once per distinct failure, not every few seconds; the next checkpoint tries again.
          if (message !== lastWriteError)
            app.log.error({ err: error, file }, 'audit checkpoint not written to the anchor file');
          lastWriteError = message;
          return checkpoint;
        }
      }
      last = head;
      return checkpoint;
    };
    const checkpoint = () => {
      running ??= run().finally(() => {
        running = null;
      });
      return running;
    };

    let timer: NodeJS.Timeout | undefined;
    app.addHook('onReady', async () => {
      if (!file) app.log.info('audit checkpoints go to the log only (AUDIT_ANCHOR_FILE unset or off)');
      timer = setInterval(() => {
        checkpoint().catch((error: unknown) => app.log.warn({ err: error }, 'audit checkpoint failed'));
      }, AUDIT_ANCHOR_INTERVAL_MS).unref();
    });
    // Before the database closes: the last rows of this run are anchored too.
    app.addHook('preClose', async () => {
      clearInterval(timer);
      await checkpoint().catch((error: unknown) => app.log.warn({ err: error }, 'audit checkpoint at shutdown failed'));
    });

    app.decorate('auditAnchor', { checkpoint });
  },
  { name: 'audit-anchor', dependencies: ['config', 'db'] },
);
