// `npm run doctor` against a running deployment on the emulator: all green for a stack whose
// webhook endpoint is registered and whose accounts can issue; red (exit 1, with a fix) for a
// connected account whose card_issuing is inactive, for a deployment with no webhook endpoint or
// one without an event the app needs, and for a PUBLIC_URL nothing answers at. Keys never appear
// in its output.
import { execFile } from 'node:child_process';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { REQUIRED_WEBHOOK_EVENTS } from '../../server/domain/required-webhook-events.ts';
import { freePort, startStack, type Stack } from '../helpers/stack.ts';

const root = join(import.meta.dirname, '..', '..');
const run = promisify(execFile);

interface Check {
  name: string;
  status: 'ok' | 'warn' | 'fail';
  detail: string;
  fix?: string;
}

async function doctor(
  stack: Stack,
  env: Record<string, string> = {},
  args = ['--json'],
): Promise<{ code: number; stdout: string; checks: Check[] }> {
  const fullEnv = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: new URL(stack.appUrl).port,
    PUBLIC_URL: stack.appUrl,
    EMULATOR_PORT: new URL(stack.emulatorUrl).port,
    EMULATOR_PUBLIC_URL: stack.emulatorUrl,
    ...(stack.config.stripe.webhookSecret ? { STRIPE_WEBHOOK_SECRET: stack.config.stripe.webhookSecret } : {}),
    ...env,
  };
  let code = 0;
  let stdout: string;
  try {
    ({ stdout } = await run(process.execPath, ['--import', 'tsx', 'scripts/doctor.ts', ...args], {
      cwd: root,
      env: fullEnv,
      timeout: 60_000,
    }));
  } catch (error) {
    const e = error as { code: number; stdout: string };
    code = e.code;
    stdout = e.stdout;
  }
  const checks = args.includes('--json') ? (JSON.parse(stdout) as { checks: Check[] }).checks : [];
  return { code, stdout, checks };
}

const byName = (checks: Check[], name: string) => checks.filter((c) => c.name === name);

describe('a deployment with its webhook endpoint registered', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack({ webhookSecret: 'whsec_doctor_test_secret_0123456789' });
  });
  afterAll(() => stack?.close());

  test('is all green, each check named', async () => {
    const result = await doctor(stack);
    expect(result.checks.filter((c) => c.status === 'fail')).toEqual([]);
    expect(result.code).toBe(0);
    expect(result.checks.map((c) => c.name)).toEqual(
      expect.arrayContaining([
        'configuration',
        'keys and mode',
        'API version',
        'webhook endpoint',
        'webhook reachable',
        'connected accounts',
        'app',
        'CSP origins',
        'PUBLIC_URL and cookies',
      ]),
    );
    expect(byName(result.checks, 'webhook endpoint')[0]!.detail).toContain('issuing_card.updated');
    expect(byName(result.checks, 'CSP origins')[0]!.detail).toContain(stack.emulatorUrl);
    expect(result.stdout).not.toContain('whsec_doctor_test_secret');
  }, 90_000);

  test('prints each check with a fix in words', async () => {
    const result = await doctor(stack, {}, []);
    expect(result.code).toBe(0);
    expect(result.stdout).toMatch(/^✓ connected accounts: 3 account\(s\), card_issuing active on each$/m);
  }, 90_000);

  test('fails on a connected account that cannot issue, naming what Stripe needs and how to fix it', async () => {
    const account = await stack.stripe.accounts.create({
      type: 'custom',
      country: 'US',
      business_profile: { name: 'Golf Goods' },
      capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
    });
    const result = await doctor(stack);
    expect(result.code).toBe(1);
    const failing = byName(result.checks, 'connected accounts').find((c) => c.status === 'fail')!;
    expect(failing.detail).toContain(`Golf Goods (${account.id}): card_issuing inactive`);
    expect(failing.detail).toContain('Acceptance of the Stripe Issuing terms');
    expect(failing.fix).toContain('npm run seed');
  }, 90_000);

  test('fails when PUBLIC_URL reaches nothing', async () => {
    const nowhere = `http://127.0.0.1:${await freePort()}`;
    const result = await doctor(stack, { PUBLIC_URL: nowhere });
    expect(result.code).toBe(1);
    expect(byName(result.checks, 'app')[0]).toMatchObject({ status: 'fail' });
    expect(byName(result.checks, 'webhook reachable')[0]).toMatchObject({ status: 'fail' });
    expect(byName(result.checks, 'app')[0]!.fix).toContain('set PUBLIC_URL');
  }, 90_000);
});

describe('a deployment without a webhook endpoint', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  test('fails the webhook check with how to register one', async () => {
    const result = await doctor(stack);
    expect(result.code).toBe(1);
    const check = byName(result.checks, 'webhook endpoint')[0]!;
    expect(check.status).toBe('fail');
    expect(check.detail).toContain(`no webhook endpoint is registered for ${stack.appUrl}/webhooks/stripe`);
    expect(check.fix).toContain('issuing_cardholder.updated');
  }, 90_000);
});

describe('a deployment whose webhook endpoint lacks events the app uses', () => {
  let stack: Stack;
  beforeAll(async () => {
    stack = await startStack();
  });
  afterAll(() => stack?.close());

  test('fails naming each missing event and why, with the update that adds them', async () => {
    // The endpoint as registered before the live activity, the mirror and the overview's balances:
    // cards and cardholders only.
    const cardsOnly = [
      'issuing_card.created',
      'issuing_card.updated',
      'issuing_cardholder.created',
      'issuing_cardholder.updated',
      'account.updated',
      'capability.updated',
      'issuing_transaction.updated',
    ] as const;
    const endpoint = await stack.stripe.webhookEndpoints.create({
      url: `${stack.appUrl}/webhooks/stripe`,
      connect: true,
      enabled_events: [...cardsOnly],
    });
    const result = await doctor(stack);
    expect(result.code).toBe(1);
    const check = byName(result.checks, 'webhook endpoint')[0]!;
    expect(check.status).toBe('fail');
    const missing = [
      'issuing_authorization.created',
      'issuing_authorization.updated',
      'issuing_transaction.created',
      'balance.available',
    ];
    expect(check.detail).toContain(`${endpoint.id}) is registered without 4 event(s) the app needs`);
    for (const type of missing) expect(check.detail).toContain(`${type} (`);
    expect(check.detail).not.toContain('issuing_card.updated');
    expect(check.fix).toContain(`Add ${missing.join(', ')} to endpoint ${endpoint.id}`);
    expect(check.fix).toContain(
      `stripe.webhookEndpoints.update('${endpoint.id}', { enabled_events: ${JSON.stringify([...cardsOnly, ...missing])} })`,
    );

    // Once updated as the fix says, the check passes; so does `*`, which is every event.
    await stack.stripe.webhookEndpoints.update(endpoint.id, { enabled_events: [...cardsOnly, ...missing] as never });
    expect(byName((await doctor(stack)).checks, 'webhook endpoint')[0]).toMatchObject({ status: 'ok' });
    await stack.stripe.webhookEndpoints.update(endpoint.id, { enabled_events: ['*'] });
    expect(byName((await doctor(stack)).checks, 'webhook endpoint')[0]).toMatchObject({ status: 'ok' });
    // The events the fix names are the app's whole list.
    expect(REQUIRED_WEBHOOK_EVENTS.map((e) => e.type).sort()).toEqual([...cardsOnly, ...missing].sort());
  }, 180_000);
});
