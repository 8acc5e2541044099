// LISTEN on PostgreSQL for one process: a dedicated pg.Client, not a pool connection, because a
// LISTEN belongs to the session that issued it and a pooled connection is handed to other queries
// (and recycled). When the connection is lost (server restart, pg_terminate_backend, a network
// drop noticed by TCP keepalive) the listener reconnects with backoff and LISTENs again on every
// channel it had. Notifications sent while it is disconnected are lost: PostgreSQL keeps no
// backlog for a session that is gone (docs/decisions/081-live-activity.md).
import pg from 'pg';

export interface ListenEvents {
  /** The listening connection failed or could not be restored (reconnecting). */
  onError?(error: Error): void;
  /** LISTEN is in effect again after a loss (notifications in the gap were missed). */
  onReconnect?(): void;
}

/** Shown in pg_stat_activity, so an operator (and the ops tests) can tell it from the pool's. */
export const LISTEN_APPLICATION_NAME = 'dashboard-listen';
const MIN_RETRY_MS = 100;
const MAX_RETRY_MS = 5_000;

export class PgListener {
  private client: pg.Client | undefined;
  private connecting: Promise<pg.Client> | undefined;
  private readonly handlers = new Map<string, Set<(payload: string) => void>>();
  private readonly watchers = new Set<ListenEvents>();
  private retryTimer: NodeJS.Timeout | undefined;
  private retryMs = MIN_RETRY_MS;
  private everConnected = false;
  private closed = false;

  constructor(private readonly url: string) {}

  /** Resolves once LISTEN is in effect; rejects only when the very first connection fails. */
  async listen(
    channel: string,
    onMessage: (payload: string) => void,
    events: ListenEvents = {},
  ): Promise<() => Promise<void>> {
    if (this.closed) throw new Error('the database is closed');
    let set = this.handlers.get(channel);
    if (!set) this.handlers.set(channel, (set = new Set()));
    set.add(onMessage);
    this.watchers.add(events);
    const remove = () => {
      set.delete(onMessage);
      this.watchers.delete(events);
      if (set.size === 0 && this.handlers.get(channel) === set) this.handlers.delete(channel);
    };
    try {
      const client = await this.ensure();
      await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      // Before any connection worked, the caller hears of it (a start with no database fails);
      // after, the reconnect LISTENs on every registered channel, this one included.
      if (!this.everConnected) {
        remove();
        throw error;
      }
    }
    return async () => {
      remove();
      if (!this.handlers.has(channel))
        await this.client?.query(`UNLISTEN ${pg.escapeIdentifier(channel)}`).catch(() => {});
    };
  }

  async close(): Promise<void> {
    this.closed = true;
    clearTimeout(this.retryTimer);
    const client = this.client ?? (await this.connecting?.catch(() => undefined));
    this.client = undefined;
    await client?.end().catch(() => {});
  }

  private ensure(): Promise<pg.Client> {
    if (this.client) return Promise.resolve(this.client);
    this.connecting ??= this.connect().finally(() => (this.connecting = undefined));
    return this.connecting;
  }

  private async connect(): Promise<pg.Client> {
    const client = new pg.Client({
      connectionString: this.url,
      application_name: LISTEN_APPLICATION_NAME,
      keepAlive: true,
    });
    client.on('notification', (message) => {
      for (const handler of this.handlers.get(message.channel) ?? []) {
        try {
          handler(message.payload ?? '');
        } catch {
          // One handler's failure neither reaches the others nor breaks the connection.
        }
      }
    });
    // Without an 'error' listener a lost connection would be an uncaught exception.
    client.on('error', (error) => this.lost(client, error));
    client.on('end', () => this.lost(client, new Error('the listening connection ended')));
    try {
      await client.connect();
      for (const channel of this.handlers.keys()) await client.query(`LISTEN ${pg.escapeIdentifier(channel)}`);
    } catch (error) {
      await client.end().catch(() => {});
      throw error;
    }
    if (this.closed) {
      await client.end().catch(() => {});
      throw new Error('the database is closed');
    }
    this.client = client;
    this.everConnected = true;
    this.retryMs = MIN_RETRY_MS;
    return client;
  }

  private lost(client: pg.Client, error: Error): void {
    if (client !== this.client) return; // a connection already given up, or one still connecting
    this.client = undefined;
    client.end().catch(() => {});
    if (this.closed) return;
    for (const w of this.watchers) w.onError?.(error);
    this.scheduleReconnect();
  }

  private scheduleReconnect(): void {
    if (this.closed || this.retryTimer) return;
    // eslint-disable-next-line @typescript-eslint/no-misused-promises -- the callback catches every failure itself
    this.retryTimer = setTimeout(async () => {
      this.retryTimer = undefined;
      try {
        await this.ensure();
        for (const w of this.watchers) w.onReconnect?.();
      } catch (error) {
        if (this.closed) return;
        this.retryMs = Math.min(this.retryMs * 2, MAX_RETRY_MS);
        for (const w of this.watchers) w.onError?.(error as Error);
        this.scheduleReconnect();
      }
    }, this.retryMs);
    this.retryTimer.unref();
  }
}
