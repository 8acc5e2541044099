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

async function script(name: string, args: string[], env: Record<string, string>): Promise<{ code: number; stdout: string; stderr: string }> {
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

    const member = await script('users', ['add', 'owner@example.com', 'account_user', '--password', 'long-enough', '--account', 'acct_123'], env);
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
    expect((await script('users', ['reset-second-factor', 'ghost@example.com'], env)).stderr).toContain('No user ghost@example.com');

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
    expect(JSON.parse(first.stdout).created).toEqual({ accounts: 2, cardholders: 6, cards: 12 });
    const second = await script('seed', [], { EMULATOR_URL: url, SEED_ACCOUNTS: '2' });
    expect(JSON.parse(second.stdout)).toMatchObject({ created: { accounts: 0, cardholders: 0, cards: 0 }, alreadyThere: { accounts: 2, cards: 12 } });

    const stripe = new Stripe('sk_test_check', { host: '127.0.0.1', port: Number(new URL(url).port), protocol: 'http' });
    const accounts = (await stripe.accounts.list({ limit: 100 })).data;
    expect(accounts).toHaveLength(2);
    const cards = (await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: accounts[0]!.id })).data;
    expect(cards.filter((c) => c.status === 'active' && c.type === 'virtual')).toHaveLength(3);
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
