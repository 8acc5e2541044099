// The connected accounts' names beside each card (server/domain/account-names.ts): listed once,
// kept a minute; past the minute the names on hand answer at once and one background listing
// refreshes them, so a lookup never waits for a listing of every account once it has names.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { accountNames } from '../../server/domain/account-names.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;

beforeAll(async () => {
  stack = await startStack();
});

afterAll(async () => {
  await stack?.close();
});

test('names older than a minute answer at once while one listing refreshes them in the background', async () => {
  const account = (await stack.stripe.accounts.list({ limit: 1 })).data[0]!;
  const before = (await accountNames(stack.stripe)).get(account.id)!;
  expect(before).toBeTruthy();
  await stack.stripe.accounts.update(account.id, { business_profile: { name: 'Renamed Company' } });

  // A minute later: the names on hand answer, not a listing awaited first.
  const later = Date.now() + 61_000;
  const stale = accountNames(stack.stripe, undefined, later);
  const again = accountNames(stack.stripe, undefined, later);
  expect((await stale).get(account.id)).toBe(before);
  expect((await again).get(account.id)).toBe(before);

  // The background listing (one, for both callers) brings the new name.
  let fresh = '';
  for (let i = 0; i < 100 && fresh !== 'Renamed Company'; i++) {
    await new Promise((r) => setTimeout(r, 20));
    fresh = (await accountNames(stack.stripe)).get(account.id)!;
  }
  expect(fresh).toBe('Renamed Company');
});
