// GET /api/accounts counts each account's cards from the card index once the account's backfill
// has completed (docs/decisions/020-card-index.md), and by listing its cards on Stripe before
// that. Either way the count is the number of cards Stripe has, including cards just issued
// through the app and cards created on Stripe directly (announced by a webhook event).
import { randomBytes } from 'node:crypto';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import type { EmulatorApp } from '../../emulator/app.ts';
import type { ApiContext } from '../../emulator/api/router.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let emulator: EmulatorApp;
let admin: string;
let accountIds: string[];
const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;

beforeAll(async () => {
  stack = await startStack({ env: { STRIPE_WEBHOOK_SECRET: webhookSecret } });
  emulator = stack.emulator;
  accountIds = (await stack.stripe.accounts.list({ limit: 100 })).data.map((a) => a.id);
  admin = await stack.loginCookie('admin@example.com');
  await stack.app.cardIndex.whenBackfilled();
});

afterAll(async () => {
  await stack?.close();
});

/** The card counts the dashboard shows, and the accounts whose cards were listed on Stripe to get them. */
async function dashboardCounts(): Promise<{ counts: Record<string, number>; listed: string[] }> {
  const listed: string[] = [];
  const hook = (ctx: ApiContext) => {
    if (ctx.method === 'GET' && ctx.path === '/v1/issuing/cards') listed.push(ctx.account);
  };
  emulator.emulator.requestHooks.push(hook);
  try {
    const res = await stack.app.inject({ method: 'GET', url: '/api/accounts', headers: { cookie: admin } });
    expect(res.statusCode).toBe(200);
    const data = res.json().data as { id: string; card_count: number }[];
    return { counts: Object.fromEntries(data.map((a) => [a.id, a.card_count])), listed: [...new Set(listed)] };
  } finally {
    emulator.emulator.requestHooks.splice(emulator.emulator.requestHooks.indexOf(hook), 1);
  }
}

async function stripeCount(account: string): Promise<number> {
  let count = 0;
  for await (const _card of stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account })) count += 1;
  return count;
}

async function stripeCounts(): Promise<Record<string, number>> {
  return Object.fromEntries(await Promise.all(accountIds.map(async (id) => [id, await stripeCount(id)] as const)));
}

async function newCardholder(account: string): Promise<Stripe.Issuing.Cardholder> {
  return stack.stripe.issuing.cardholders.create(
    {
      name: `Count Holder ${randomBytes(4).toString('hex')}`,
      type: 'individual',
      billing: { address: { line1: '1 Count St', city: 'Austin', state: 'TX', postal_code: '78701', country: 'US' } },
    },
    { stripeAccount: account },
  );
}

describe('card counts of backfilled accounts come from the card index', () => {
  test("every account shows as many cards as Stripe has, without listing any account's cards", async () => {
    const { counts, listed } = await dashboardCounts();
    expect(counts).toEqual(await stripeCounts());
    expect(Object.values(counts).some((n) => n > 0)).toBe(true);
    expect(listed).toEqual([]);
  });

  test('a card issued through POST /api/cards is counted in the next answer', async () => {
    const account = accountIds[0]!;
    const before = (await dashboardCounts()).counts[account]!;
    const holder = await newCardholder(account);
    const res = await stack.app.inject({
      method: 'POST',
      url: '/api/cards',
      headers: { cookie: admin, origin: stack.appUrl },
      payload: { account, cardholder: holder.id, type: 'virtual', currency: 'usd' },
    });
    expect(res.statusCode).toBe(200);
    const { counts, listed } = await dashboardCounts();
    expect(counts[account]).toBe(before + 1);
    expect(counts).toEqual(await stripeCounts());
    expect(listed).toEqual([]);
  });

  test('a card created directly on Stripe is counted once its webhook event arrives', async () => {
    emulator.emulator.webhooks.registerEndpoint({
      url: `${stack.appUrl}/webhooks/stripe`,
      secret: webhookSecret,
      connect: true,
    });
    const account = accountIds.at(-1)!;
    const before = (await dashboardCounts()).counts[account]!;
    const holder = await newCardholder(account);
    await stack.stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'usd', type: 'virtual' },
      { stripeAccount: account },
    );
    const until = Date.now() + 3000;
    let counts = (await dashboardCounts()).counts;
    while (counts[account] !== before + 1 && Date.now() < until) {
      await new Promise((r) => setTimeout(r, 50));
      counts = (await dashboardCounts()).counts;
    }
    expect(counts[account]).toBe(before + 1);
    expect(counts).toEqual(await stripeCounts());
  });
});

describe("before an account's backfill has completed", () => {
  test('its cards are counted on Stripe, the other accounts still from the index', async () => {
    const account = accountIds[0]!;
    // The account as on a first start: not yet backfilled, and the index holds a row that Stripe
    // does not have (the index must not be trusted for it yet).
    await stack.app.db.query('UPDATE card_index_accounts SET backfilled_at = NULL WHERE account_id = $1', [account]);
    await stack.app.db.query(
      `INSERT INTO card_index (card_id, account_id, last4, type, status, cardholder_id, created, version)
       VALUES ('ic_notonstripe000', $1, '0000', 'virtual', 'active', 'ich_notonstripe000', 1, 1)`,
      [account],
    );
    try {
      const { counts, listed } = await dashboardCounts();
      expect(counts).toEqual(await stripeCounts());
      expect(listed).toEqual([account]);
    } finally {
      await stack.app.db.query(`DELETE FROM card_index WHERE card_id = 'ic_notonstripe000'`);
      await stack.app.db.query('UPDATE card_index_accounts SET backfilled_at = now() WHERE account_id = $1', [account]);
    }
  });
});
