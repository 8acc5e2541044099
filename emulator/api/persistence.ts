// Persistence of the emulator's state to a JSON file (EMULATOR_STATE_FILE or
// buildEmulator({stateFile})): loaded at start, saved after changes (debounced: one write at most
// every `debounceMs`, never starved by steady traffic), written atomically (temporary file in the
// same directory, then rename) with mode 0600 — the file holds the emulator's test card numbers,
// CVCs and PINs, which are test data but still not for other users of the machine.
//
// What is saved: connected accounts and the platform account, every account's collections (cards,
// cardholders, events, webhook endpoints, and whatever later resources keep there) in their list
// order, card secrets, account sessions, Connect tokens, nonces, ephemeral keys, idempotency
// records, and the store's JSON-compatible globals. Runtime-only things (fault rules, deliveries in
// flight, functions kept in globals) are not.
//
// The store lists the names of its collections and globals (AccountData.collectionNames(),
// EmulatorStore.globalNames()), so a resource added later is saved without a change here.
import { chmod, mkdir, rename, writeFile } from 'node:fs/promises';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, basename, join } from 'node:path';
import type { EmulatorStore, CardSecrets } from './store.ts';

const FORMAT_VERSION = 1;

// Maps and Sets survive the JSON round trip as tagged objects; anything that is not plain data
// (functions, class instances, keys) makes its global unsaved.
const UNSAVABLE = Symbol('unsavable');

function encode(value: unknown): unknown {
  if (value === null || typeof value === 'string' || typeof value === 'number' || typeof value === 'boolean')
    return value;
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    const out = value.map(encode);
    return out.includes(UNSAVABLE) ? UNSAVABLE : out;
  }
  if (value instanceof Map) {
    const entries = [...value.entries()].map(([k, v]) => [encode(k), encode(v)]);
    return entries.flat().includes(UNSAVABLE) ? UNSAVABLE : { $map: entries };
  }
  if (value instanceof Set) {
    const items = [...value].map(encode);
    return items.includes(UNSAVABLE) ? UNSAVABLE : { $set: items };
  }
  if (typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) {
      const encoded = encode(v);
      if (encoded === UNSAVABLE) return UNSAVABLE;
      if (encoded !== undefined) out[k] = encoded;
    }
    return out;
  }
  return UNSAVABLE;
}

function decode(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(decode);
  if (typeof value !== 'object' || value === null) return value;
  const record = value as Record<string, unknown>;
  if (Array.isArray(record.$map) && Object.keys(record).length === 1) {
    return new Map((record.$map as Array<[unknown, unknown]>).map(([k, v]) => [decode(k), decode(v)]));
  }
  if (Array.isArray(record.$set) && Object.keys(record).length === 1)
    return new Set((record.$set as unknown[]).map(decode));
  return Object.fromEntries(Object.entries(record).map(([k, v]) => [k, decode(v)]));
}

interface AccountSnapshot {
  /** Items oldest first, so that inserting them in order restores the list order. */
  collections: Record<string, Array<{ id: string }>>;
  cardSecrets: Array<[string, CardSecrets]>;
}

export interface StateSnapshot {
  version: number;
  savedAt: string;
  platformAccountId: string;
  platformAccount: unknown;
  accounts: Array<{ id: string }>;
  data: Record<string, AccountSnapshot>;
  accountSessions: Array<[string, unknown]>;
  connectTokens: Array<[string, unknown]>;
  nonces: Array<[string, unknown]>;
  ephemeralKeys: Array<[string, unknown]>;
  idempotency: Array<[string, unknown]>;
  globals: Record<string, unknown>;
}

export function snapshotStore(store: EmulatorStore): StateSnapshot {
  const accountIds = [store.platformAccountId, ...store.accounts.list().map((a) => a.id)];
  const data: Record<string, AccountSnapshot> = {};
  for (const id of accountIds) {
    const account = store.accountData(id);
    const collections: Record<string, Array<{ id: string }>> = {};
    for (const name of account.collectionNames()) {
      const items = account.collection(name).list();
      if (items.length > 0) collections[name] = items.reverse();
    }
    data[id] = { collections, cardSecrets: [...account.cardSecrets.entries()] };
  }
  const globals: Record<string, unknown> = {};
  for (const name of store.globalNames()) {
    const encoded = encode(store.global(name, () => undefined));
    if (encoded !== UNSAVABLE && encoded !== undefined) globals[name] = encoded;
  }
  return {
    version: FORMAT_VERSION,
    savedAt: new Date().toISOString(),
    platformAccountId: store.platformAccountId,
    platformAccount: store.platformAccount ?? null,
    accounts: store.accounts.list().reverse(),
    data,
    accountSessions: [...store.accountSessions.entries()],
    connectTokens: [...store.connectTokens.entries()],
    nonces: [...store.nonces.entries()],
    ephemeralKeys: [...store.ephemeralKeys.entries()],
    idempotency: [...store.idempotency.entries()],
    globals,
  };
}

function fail(file: string, why: string): Error {
  return new Error(`EMULATOR_STATE_FILE ${file} is not a usable emulator state file: ${why}`);
}

/** Loads a snapshot into an empty store. */
export function restoreStore(store: EmulatorStore, snapshot: StateSnapshot, file = 'state'): void {
  if (snapshot.version !== FORMAT_VERSION)
    throw fail(file, `format version ${String(snapshot.version)}, expected ${FORMAT_VERSION}`);
  if (snapshot.platformAccountId !== store.platformAccountId) {
    throw fail(file, `it belongs to platform ${snapshot.platformAccountId}, not ${store.platformAccountId}`);
  }
  if (store.accounts.size > 0) throw fail(file, 'the store to load it into is not empty');
  store.platformAccount = (snapshot.platformAccount ?? undefined) as EmulatorStore['platformAccount'];
  for (const account of snapshot.accounts) store.accounts.insert(account as never);
  for (const [id, account] of Object.entries(snapshot.data)) {
    const target = store.accountData(id);
    for (const [name, items] of Object.entries(account.collections)) {
      const collection = target.collection(name);
      for (const item of items) collection.insert(item);
    }
    for (const [cardId, secrets] of account.cardSecrets) target.cardSecrets.set(cardId, secrets);
  }
  const fill = <V>(map: Map<string, V>, entries: Array<[string, unknown]>) => {
    for (const [k, v] of entries) map.set(k, v as V);
  };
  fill(store.accountSessions, snapshot.accountSessions);
  fill(store.connectTokens, snapshot.connectTokens);
  fill(store.nonces, snapshot.nonces);
  fill(store.ephemeralKeys, snapshot.ephemeralKeys);
  // The by-secret index shares the records, as the ephemeral key resource keeps them.
  for (const record of store.ephemeralKeys.values()) store.ephemeralKeysBySecret.set(record.secret, record);
  fill(store.idempotency, snapshot.idempotency);
  for (const [name, value] of Object.entries(snapshot.globals)) store.global(name, () => decode(value));
}

/** Loads the file into the store when it exists; returns whether it did. */
export function loadStateFile(store: EmulatorStore, file: string): boolean {
  if (!existsSync(file)) return false;
  let snapshot: StateSnapshot;
  try {
    snapshot = JSON.parse(readFileSync(file, 'utf8')) as StateSnapshot;
  } catch (error) {
    throw fail(file, error instanceof Error ? error.message : String(error));
  }
  if (
    typeof snapshot !== 'object' ||
    snapshot === null ||
    !Array.isArray(snapshot.accounts) ||
    typeof snapshot.data !== 'object'
  ) {
    throw fail(file, 'not an emulator snapshot');
  }
  restoreStore(store, snapshot, file);
  return true;
}

export interface StatePersistenceOptions {
  /** Longest wait between a change and its write. Default 100 ms. */
  debounceMs?: number;
  onError?: (error: unknown) => void;
}

export class StatePersistence {
  readonly file: string;
  readonly #store: EmulatorStore;
  readonly #debounceMs: number;
  readonly #onError: (error: unknown) => void;
  #timer: NodeJS.Timeout | undefined;
  #writing: Promise<void> = Promise.resolve();
  #closed = false;
  /** Number of completed writes (tests wait on it). */
  writes = 0;

  constructor(store: EmulatorStore, file: string, options: StatePersistenceOptions = {}) {
    this.#store = store;
    this.file = file;
    this.#debounceMs = options.debounceMs ?? 100;
    this.#onError = options.onError ?? (() => {});
  }

  /** Something changed: write within `debounceMs`. */
  markDirty(): void {
    if (this.#closed || this.#timer) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.flush().catch(this.#onError);
    }, this.#debounceMs);
    this.#timer.unref();
  }

  /** Writes now (after any write in progress). */
  flush(): Promise<void> {
    if (this.#timer) {
      clearTimeout(this.#timer);
      this.#timer = undefined;
    }
    const next = this.#writing.catch(() => undefined).then(() => this.#write());
    this.#writing = next;
    return next;
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    const pending = this.#timer !== undefined;
    this.#closed = true;
    if (pending) await this.flush();
    else await this.#writing.catch(() => undefined);
  }

  async #write(): Promise<void> {
    const body = JSON.stringify(snapshotStore(this.#store));
    const dir = dirname(this.file);
    await mkdir(dir, { recursive: true });
    const temporary = join(dir, `.${basename(this.file)}.${process.pid}.${Date.now()}.tmp`);
    await writeFile(temporary, body, { mode: 0o600 });
    // The mode of writeFile is filtered by the umask; make sure it is exactly owner-only.
    await chmod(temporary, 0o600);
    await rename(temporary, this.file);
    this.writes += 1;
  }
}
