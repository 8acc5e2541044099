// The card index backfill runs once per deployment, not at every instance start
// (docs/decisions/110-card-index-backfill-once.md): the first instance lists the connected
// accounts and their cards under an advisory lock, instances starting together do not list them
// twice, a backfill stopped midway resumes after its last recorded page, a restart lists
// nothing, and an account first seen in an event is indexed on its own. Stripe calls are
// counted from the emulator's request log. Runs on PGlite and, with TEST_DATABASE_URL, on
// PostgreSQL (two connection pools standing in for two processes).
import { Writable } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import type { ApiContext } from '../../emulator/api/router.ts';
import { buildApp } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { pendingBackfills } from '../../server/db/card-index.ts';
import { backfillCardIndex } from '../../server/domain/card-index.ts';
import { processEvent } from '../../server/domain/webhooks.ts';
import { createStripeClient } from '../../server/plugins/app/stripe.ts';
import { testOnboardingParams } from '../../shared/stripe-test-onboarding.ts';
import { BACKENDS } from '../ops/databases.ts';
import { freePort } from '../helpers/ports.ts';

let emulator: EmulatorApp;
let emulatorPort: number;
let stripe: Stripe;

beforeAll(async () => {
  emulatorPort = await freePort();
  emulator = await buildEmulator({ publicUrl: `http://127.0.0.1:${emulatorPort}`, logger: false });
  await emulator.listen({ port: emulatorPort, host: '127.0.0.1' });
  stripe = createStripeClient(configFor(0));
});

afterAll(async () => {
  await emulator?.close();
});

function configFor(appPort: number): Config {
  return loadConfig({
    HOST: '127.0.0.1',
    PORT: String(appPort || 3000),
    PUBLIC_URL: `http://127.0.0.1:${appPort || 3000}`,
    EMULATOR_PORT: String(emulatorPort),
    EMULATOR_PUBLIC_URL: `http://127.0.0.1:${emulatorPort}`,
    PGLITE_DIR: 'memory://',
    LOG_LEVEL: 'warn',
  });
}

/** An app instance on `db`, listening (which starts its backfill), as main.ts runs one. */
async function startInstance(db: Database): Promise<FastifyInstance> {
  const port = await freePort();
  const config = configFor(port);
  const app = await buildApp(config, {
    db,
    stripe: createStripeClient(config),
    logStream: new Writable({ write: (_c, _e, cb) => cb() }),
  });
  await app.listen({ port, host: '127.0.0.1' });
  return app;
}

/** The emulator's /v1 calls while `fn` runs: "METHOD path account ?starting_after". */
async function stripeCalls<T>(fn: () => Promise<T>): Promise<{ result: T; calls: string[] }> {
  const calls: string[] = [];
  const hook = (ctx: ApiContext) => {
    const query = ctx.request.query as Record<string, unknown>;
    const after = query.starting_after;
    // The reconciler's look for accounts created since the newest mirrored one (decision 148)
    // is a list with `created`: not the backfill's listing.
    const since = Object.keys(query).some((k) => k.startsWith('created')) ? ' created-since' : '';
    calls.push(`${ctx.method} ${ctx.path} ${ctx.account}${typeof after === 'string' ? ` after ${after}` : ''}${since}`);
  };
  emulator.emulator.requestHooks.push(hook);
  try {
    return { result: await fn(), calls };
  } finally {
    emulator.emulator.requestHooks.splice(emulator.emulator.requestHooks.indexOf(hook), 1);
  }
}

const listCalls = (calls: string[]) =>
  calls.filter(
    (c) =>
      (c.startsWith('GET /v1/accounts ') && !c.endsWith(' created-since')) || c.startsWith('GET /v1/issuing/cards '),
  );
/** What the reconciler's pass at start asks: each account's events, and accounts created since the newest. */
const reconcilerCall = (c: string) =>
  c.startsWith('GET /v1/events ') || (c.startsWith('GET /v1/accounts ') && c.endsWith(' created-since'));

async function connectedAccounts(): Promise<string[]> {
  return (await stripe.accounts.list({ limit: 100 })).data.map((a) => a.id);
}

async function stripeCardIds(account: string): Promise<string[]> {
  const ids: string[] = [];
  for await (const card of stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account })) ids.push(card.id);
  return ids.sort();
}

async function expectIndexMatchesStripe(db: Database): Promise<void> {
  for (const account of await connectedAccounts()) {
    const rows = await db.query<{ card_id: string }>('SELECT card_id FROM card_index WHERE account_id = $1', [account]);
    expect(rows.map((r) => r.card_id).sort(), account).toEqual(await stripeCardIds(account));
  }
  expect(await pendingBackfills(db)).toEqual([]);
}

describe.each(BACKENDS)('card index backfill on $name', (backend) => {
  let db: Database;
  let url: string | undefined;
  let drop: () => Promise<void>;

  beforeAll(async () => {
    ({ db, url, drop } = await backend.create());
    await migrate(db);
  });
  afterAll(async () => {
    await drop?.();
  });

  /** A second handle on the same database: another process's pool on PostgreSQL, the same PGlite otherwise. */
  async function otherHandle(): Promise<{ db: Database; close(): Promise<void> }> {
    if (!url) return { db, close: async () => {} };
    const other = await openDatabase({ kind: 'postgres', url });
    return { db: other, close: () => other.close() };
  }

  test("two instances starting together on a new deployment: one lists each account's cards once, the other waits", async () => {
    const accounts = await connectedAccounts();
    const second = await otherHandle();
    const { result: reports, calls } = await stripeCalls(async () => {
      const apps = await Promise.all([startInstance(db), startInstance(second.db)]);
      try {
        return await Promise.all(apps.map((app) => app.cardIndex.whenBackfilled()));
      } finally {
        await Promise.all(apps.map((app) => app.close()));
      }
    });
    await second.close();
    const lists = listCalls(calls);
    console.log(
      `[${backend.name}] first start of two instances: ${lists.length} list calls (${accounts.length} accounts), reports ran=${reports.map((r) => r.ran).join('/')}`,
    );
    expect(reports.filter((r) => r.ran && r.listedAccounts)).toHaveLength(1);
    expect(lists.filter((c) => c.startsWith('GET /v1/accounts '))).toHaveLength(1);
    expect(
      lists
        .filter((c) => c.startsWith('GET /v1/issuing/cards '))
        .map((c) => c.split(' ')[2])
        .sort(),
    ).toEqual([...accounts].sort());
    await expectIndexMatchesStripe(db);
  });

  test("a restart of any instance costs no backfill call (only the reconciler's: one events list per account, one look for new accounts)", async () => {
    const { result: report, calls } = await stripeCalls(async () => {
      const app = await startInstance(db);
      try {
        return await app.cardIndex.whenBackfilled();
      } finally {
        await app.close();
      }
    });
    console.log(`[${backend.name}] restart: ${calls.length} Stripe calls`);
    expect(report).toMatchObject({ ran: true, listedAccounts: false, accounts: 0, cards: 0 });
    // The mirror's reconciler runs at start (docs/decisions/148-mirror.md): one events list per
    // account and one list of accounts created since the newest mirrored one, nothing else.
    expect(calls.filter((c) => !reconcilerCall(c))).toEqual([]);
    expect(calls.filter((c) => c.startsWith('GET /v1/accounts ')).length).toBeLessThanOrEqual(1);
    expect(calls.filter((c) => c.startsWith('GET /v1/events ')).length).toBeLessThanOrEqual(
      (await connectedAccounts()).length,
    );
  });

  test('a backfill stopped midway resumes after its last recorded page, listing nothing twice', async () => {
    await db.query('DELETE FROM card_index');
    await db.query('DELETE FROM card_index_accounts');
    await db.query('DELETE FROM card_index_backfill');
    const abort = new AbortController();
    let cardLists = 0;
    // Stopped while the fifth page (pages of 2) is in flight: that page is never recorded.
    const stopper = (ctx: ApiContext) => {
      if (ctx.path === '/v1/issuing/cards' && ++cardLists === 5) abort.abort();
    };
    emulator.emulator.requestHooks.push(stopper);
    const firstRun = await stripeCalls(() =>
      backfillCardIndex(stripe, db, { pageSize: 2, signal: abort.signal }).catch((e: unknown) => e),
    );
    emulator.emulator.requestHooks.splice(emulator.emulator.requestHooks.indexOf(stopper), 1);
    expect(firstRun.result).toBeInstanceOf(Error);
    const pending = await pendingBackfills(db);
    expect(pending.length).toBeGreaterThan(0);

    const resumed = await stripeCalls(() => backfillCardIndex(stripe, db, { pageSize: 2 }));
    const firstCards = firstRun.calls.filter((c) => c.startsWith('GET /v1/issuing/cards '));
    const again = resumed.calls.filter((c) => c.startsWith('GET /v1/issuing/cards '));
    console.log(
      `[${backend.name}] stopped after ${firstCards.length - 1} recorded pages; resumed with ${again.length} more: ${again.join(', ')}`,
    );
    expect(resumed.result).toMatchObject({ ran: true, listedAccounts: false });
    expect(resumed.calls.filter((c) => c.startsWith('GET /v1/accounts '))).toEqual([]);
    // The resumed run starts exactly with the page that was in flight, then carries on.
    expect(again[0]).toBe(firstCards[4]);
    // Every page recorded before the stop is not asked for again.
    for (const page of firstCards.slice(0, 4)) expect(again).not.toContain(page);
    await expectIndexMatchesStripe(db);
  });

  test('an account first seen in an event is indexed on its own, without listing the others', async () => {
    // Onboarded with Stripe's test values, so that card_issuing is active and it can issue.
    const account = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
      ...testOnboardingParams({
        businessName: 'Late Account',
        url: 'https://late.example',
        person: { first_name: 'Lee', last_name: 'Late', email: 'lee@late.example', phone: '+14155550123' },
        address: { city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' },
        acceptedAt: 1_760_000_000,
        acceptedFromIp: '192.0.2.1',
      }),
    });
    const holder = await stripe.issuing.cardholders.create(
      {
        name: 'Late Account Holder',
        email: 'late@once.example',
        type: 'individual',
        billing: { address: { line1: '1 Main St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
      },
      { stripeAccount: account.id },
    );
    await stripe.issuing.cards.create(
      { cardholder: holder.id, type: 'virtual', currency: 'usd' },
      { stripeAccount: account.id },
    );
    const events = await stripe.events.list({ type: 'issuing_card.created', limit: 1 }, { stripeAccount: account.id });
    await processEvent(db, { ...events.data[0]!, account: account.id });
    expect((await pendingBackfills(db)).map((p) => p.account_id)).toEqual([account.id]);
    const { result, calls } = await stripeCalls(() => backfillCardIndex(stripe, db));
    expect(result).toMatchObject({ ran: true, listedAccounts: false, accounts: 1 });
    expect(listCalls(calls)).toEqual([`GET /v1/issuing/cards ${account.id}`]);
    await expectIndexMatchesStripe(db);
  });
});
