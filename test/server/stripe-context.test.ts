// The app's own Stripe calls name a connected account with `Stripe-Context`, not `Stripe-Account`:
// "The Stripe-Context header supersedes the Stripe-Account header" (https://docs.stripe.com/context)
// and the pinned stripe-node says "context is preferred" (CHANGELOG 19.0.0, #2426). Recorded at the
// emulator for every request acting on a connected account (docs/decisions/159).
import { afterAll, beforeAll, expect, test } from 'vitest';
import type { ApiContext } from '../../emulator/api/router.ts';
import { startStack, type Stack, demoSessions, type DemoCookies } from '../helpers/stack.ts';

let stack: Stack;
let cookies: DemoCookies;
let ownAccount: string;
let otherAccount: string;

beforeAll(async () => {
  stack = await startStack();
  ({ cookies, ownAccount, otherAccount } = await demoSessions(stack));
});
afterAll(() => stack?.close());

test('the app acts on connected accounts with Stripe-Context only', async () => {
  const seen: { account: string; path: string; context: unknown; account_header: unknown }[] = [];
  const hook = (ctx: ApiContext) => {
    if (ctx.account === stack.emulator.store.platformAccountId) return;
    const headers = ctx.request.headers;
    seen.push({
      account: ctx.account,
      path: `${ctx.method} ${ctx.path}`,
      context: headers['stripe-context'],
      account_header: headers['stripe-account'],
    });
  };
  stack.emulator.emulator.requestHooks.push(hook);
  try {
    const created = await stack.app.inject({
      method: 'POST',
      url: '/api/cardholders',
      headers: { cookie: cookies.admin, origin: stack.appUrl },
      payload: {
        account: otherAccount,
        type: 'company',
        name: 'Context Works Ltd',
        billing: {
          address: {
            line1: '510 Townsend St',
            city: 'San Francisco',
            state: 'CA',
            postal_code: '94103',
            country: 'US',
          },
        },
      },
    });
    expect(created.statusCode).toBe(200);
    const listed = await stack.app.inject({
      method: 'GET',
      url: `/api/accounts/${ownAccount}/cardholders`,
      headers: { cookie: cookies.account },
    });
    expect(listed.statusCode).toBe(200);
  } finally {
    stack.emulator.emulator.requestHooks.splice(stack.emulator.emulator.requestHooks.indexOf(hook), 1);
  }
  expect(seen.some((s) => s.path === 'POST /v1/issuing/cardholders' && s.account === otherAccount)).toBe(true);
  for (const request of seen) {
    expect(request).toMatchObject({ context: request.account, account_header: undefined });
  }
});
