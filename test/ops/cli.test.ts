// The operator commands: `npm run users` against PGlite and PostgreSQL, `npm run seed` against a
// running emulator (twice: idempotent) and its refusal of live keys.
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import type { FastifyInstance } from 'fastify';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildEmulator } from '../../emulator/app.ts';
import { freePort } from '../helpers/stack.ts';
import { createPostgresDatabase, TEST_DATABASE_URL } from './databases.ts';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

async function script(
  name: string,
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, ['--import', 'tsx', `scripts/${name}.ts`, ...args], {
      cwd: root,
      env: { PATH: process.env.PATH, ...env },
      timeout: 60_000,
    });
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

const targets: Array<{ name: string; setup(): Promise<{ env: Record<string, string>; cleanup(): Promise<void> }> }> = [
  {
    name: 'PGlite',
    async setup() {
      const dir = mkdtempSync(join(tmpdir(), 'users-cli-'));
      return { env: { PGLITE_DIR: dir }, cleanup: async () => rmSync(dir, { recursive: true, force: true }) };
    },
  },
  ...(TEST_DATABASE_URL
    ? [
        {
          name: 'PostgreSQL',
          async setup() {
            const db = await createPostgresDatabase();
            return { env: { DATABASE_URL: db.url }, cleanup: db.drop };
          },
        },
      ]
    : []),
];

describe.each(targets)('npm run users on $name', (target) => {
  let env: Record<string, string>;
  let cleanup: () => Promise<void>;
  beforeAll(async () => ({ env, cleanup } = await target.setup()));
  afterAll(() => cleanup?.());

  test('add, list, disable; mistakes get the usage message', async () => {
    const added = await script('users', ['add', 'Agent@Example.com', 'support_agent'], env);
    expect(added.stderr).toBe('');
    expect(added.stdout).toContain('Added agent@example.com (support_agent).');
    expect(added.stdout).toMatch(/Password \(shown once\): \S{12,}/);

    const member = await script(
      'users',
      ['add', 'owner@example.com', 'account_user', '--password', 'long-enough', '--account', 'acct_123'],
      env,
    );
    expect(member.code).toBe(0);
    expect(member.stdout).not.toContain('long-enough');

    const duplicate = await script('users', ['add', 'agent@example.com', 'platform_admin'], env);
    expect(duplicate.code).toBe(2);
    expect(duplicate.stderr).toContain('already exists');

    const badRole = await script('users', ['add', 'x@example.com', 'root'], env);
    expect(badRole.code).toBe(2);
    expect(badRole.stderr).toContain('Unknown role "root"');
    expect(badRole.stderr).toContain('Usage: npm run users');

    // A lost authenticator: the factors go and the sessions end (the next sign-in enrols anew).
    const reset = await script('users', ['reset-second-factor', 'agent@example.com'], env);
    expect(reset.code).toBe(0);
    expect(reset.stdout).toContain('Removed the second factors of agent@example.com');
    expect((await script('users', ['reset-second-factor', 'ghost@example.com'], env)).stderr).toContain(
      'No user ghost@example.com',
    );

    expect((await script('users', ['disable', 'agent@example.com'], env)).code).toBe(0);
    const listed = await script('users', ['list'], env);
    expect(listed.stdout.trim().split('\n')).toEqual([
      'agent@example.com\tsupport_agent\tdisabled',
      'owner@example.com\taccount_user\tactive\tacct_123',
    ]);

    const none = await script('users', [], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('Usage: npm run users');
  }, 120_000);
});

describe('npm run seed', () => {
  let emulator: FastifyInstance;
  let url: string;
  beforeAll(async () => {
    const port = await freePort();
    url = `http://127.0.0.1:${port}`;
    emulator = await buildEmulator({ publicUrl: url, logger: false, seed: false });
    await emulator.listen({ port, host: '127.0.0.1' });
  });
  afterAll(() => emulator?.close());

  test('fills the running emulator with accounts, cardholders and cards, and a second run adds nothing', async () => {
    const first = await script('seed', [], { EMULATOR_URL: url, SEED_ACCOUNTS: '2' });
    expect(first.code, first.stderr).toBe(0);
    const firstReport = JSON.parse(first.stdout);
    expect(firstReport.created).toEqual({ accounts: 2, cardholders: 6, cards: 12 });
    // It provided what Stripe requires (the strict emulator refuses cards otherwise) and funded each account.
    expect(firstReport.accounts).toEqual([
      expect.objectContaining({ card_issuing: 'active', currently_due: [], issuing_balance: 100_000 }),
      expect.objectContaining({ card_issuing: 'active', currently_due: [], issuing_balance: 100_000 }),
    ]);
    expect(first.stderr).toMatch(/✓ Seed Company 1 \(acct_\w+\): card_issuing active; Issuing balance 1000\.00 USD\./);
    const second = await script('seed', [], { EMULATOR_URL: url, SEED_ACCOUNTS: '2' });
    expect(JSON.parse(second.stdout)).toMatchObject({
      created: { accounts: 0, cardholders: 0, cards: 0 },
      alreadyThere: { accounts: 2, cards: 12 },
    });

    const stripe = new Stripe('sk_test_check', {
      host: '127.0.0.1',
      port: Number(new URL(url).port),
      protocol: 'http',
    });
    // The emulator keeps Stripe's test-mode rate limits, which the seed has just used up to;
    // they count per second, so the checks below start in a fresh second.
    await new Promise((resolve) => setTimeout(resolve, 1100));
    const accounts = (await stripe.accounts.list({ limit: 100 })).data;
    expect(accounts).toHaveLength(2);
    const cards = (await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: accounts[0]!.id })).data;
    expect(cards.filter((c) => c.status === 'active' && c.type === 'virtual')).toHaveLength(3);
  }, 120_000);

  test('provides what Stripe requires to an account an earlier run left inactive, then fills it', async () => {
    const stripe = new Stripe('sk_test_check', {
      host: '127.0.0.1',
      port: Number(new URL(url).port),
      protocol: 'http',
    });
    const bare = await stripe.accounts.create({
      type: 'custom',
      country: 'US',
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
      metadata: { cid_seed: 'account-3' },
    });
    expect(bare.capabilities?.card_issuing).toBe('inactive');
    // All US: the third account of the default countries (US, US, GB) is a GB account, tagged apart.
    const result = await script('seed', [], { EMULATOR_URL: url, SEED_ACCOUNTS: '3', SEED_COUNTRIES: 'US' });
    expect(result.code, result.stderr).toBe(0);
    const report = JSON.parse(result.stdout);
    expect(report.created).toEqual({ accounts: 0, cardholders: 3, cards: 6 });
    expect(report.accounts[2]).toMatchObject({ id: bare.id, card_issuing: 'active', currently_due: [] });
    expect((await stripe.accounts.retrieve(bare.id)).capabilities?.card_issuing).toBe('active');
  }, 120_000);

  test('waits while Stripe keeps card_issuing pending, then fills the account', async () => {
    const port = await freePort();
    const slowUrl = `http://127.0.0.1:${port}`;
    const slow = await buildEmulator({ publicUrl: slowUrl, logger: false, seed: false, capabilityActivationMs: 2000 });
    await slow.listen({ port, host: '127.0.0.1' });
    try {
      const started = Date.now();
      const result = await script('seed', [], {
        EMULATOR_URL: slowUrl,
        SEED_ACCOUNTS: '1',
        SEED_POLL_MS: '200',
        SEED_WAIT_SECONDS: '30',
      });
      expect(result.code, result.stderr).toBe(0);
      expect(Date.now() - started).toBeGreaterThanOrEqual(2000);
      const report = JSON.parse(result.stdout);
      expect(report.created).toEqual({ accounts: 1, cardholders: 3, cards: 6 });
      expect(report.accounts[0]).toMatchObject({ card_issuing: 'active', currently_due: [] });
    } finally {
      await slow.close();
    }
  }, 120_000);

  test('reports per account what Stripe still needs when card_issuing does not become active, and exits 1', async () => {
    const port = await freePort();
    const faultyUrl = `http://127.0.0.1:${port}`;
    // Account updates fail, so an account made by an earlier run without its information stays inactive.
    const faulty = await buildEmulator({
      publicUrl: faultyUrl,
      logger: false,
      seed: false,
      faults: [{ method: 'POST', path: '/v1/accounts/', kind: 'server_error' }],
    });
    await faulty.listen({ port, host: '127.0.0.1' });
    try {
      const stripe = new Stripe('sk_test_check', { host: '127.0.0.1', port, protocol: 'http' });
      const bare = await stripe.accounts.create({
        type: 'custom',
        country: 'US',
        capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
        metadata: { cid_seed: 'account-1' },
      });
      const result = await script('seed', [], {
        EMULATOR_URL: faultyUrl,
        SEED_ACCOUNTS: '1',
        SEED_WAIT_SECONDS: '1',
        SEED_POLL_MS: '100',
      });
      expect(result.code, result.stderr).toBe(1);
      const report = JSON.parse(result.stdout);
      expect(report.created).toEqual({ accounts: 0, cardholders: 0, cards: 0 });
      expect(report.accounts[0]).toMatchObject({ id: bare.id, card_issuing: 'inactive', issuing_balance: null });
      expect(report.accounts[0].currently_due).toContain(
        'Acceptance of the Stripe Issuing terms (date and IP address)',
      );
      expect(result.stderr).toContain(`✗ ${bare.id} (${bare.id}): card_issuing inactive`);
      expect(result.stderr).toContain('Stripe still needs: Business type (individual or company)');
    } finally {
      await faulty.close();
    }
  }, 120_000);

  test('refuses live keys and says what to do when the emulator is not running', async () => {
    const live = await script('seed', [], { STRIPE_SECRET_KEY: 'sk_live_abc123' });
    expect(live.code).toBe(1);
    expect(live.stderr).toContain('Refusing to seed with a live key');
    const down = await script('seed', [], { EMULATOR_URL: `http://127.0.0.1:${await freePort()}` });
    expect(down.code).toBe(1);
    expect(down.stderr).toContain('Could not reach the Stripe emulator');
  }, 60_000);
});
