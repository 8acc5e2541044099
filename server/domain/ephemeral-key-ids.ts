// Recording which ephemeral key each granted reveal produced (reveal_audit.ephemeral_key_id).
// Under load many reveals finish at once: their ids are written together, one UPDATE for all
// that arrived while the previous one ran, instead of one each (the database work per reveal is
// what limits the route's throughput). A reveal still waits until its own id is written, so a
// read of the audit log right after sees it.
import type { Queryable } from '../db/database.ts';
import { recordEphemeralKeys } from '../db/reveal-audit.ts';

interface Pending {
  auditId: string;
  keyId: string;
  done: (error?: Error) => void;
}

export class EphemeralKeyIdRecorder {
  readonly #db: Queryable;
  #pending: Pending[] = [];
  #flushing: Promise<void> | undefined;

  constructor(db: Queryable) {
    this.#db = db;
  }

  record(auditId: string, keyId: string): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      this.#pending.push({ auditId, keyId, done: (error) => (error === undefined ? resolve() : reject(error)) });
      this.#flushing ??= this.#flush().finally(() => (this.#flushing = undefined));
    });
  }

  /** Resolves once everything recorded so far is written (or has failed). */
  async idle(): Promise<void> {
    while (this.#flushing) await this.#flushing;
  }

  async #flush(): Promise<void> {
    while (this.#pending.length > 0) {
      const batch = this.#pending;
      this.#pending = [];
      try {
        await recordEphemeralKeys(this.#db, batch);
        for (const p of batch) p.done();
      } catch (error) {
        for (const p of batch) p.done(error as Error);
      }
    }
  }
}
