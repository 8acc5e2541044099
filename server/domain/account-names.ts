// Connected accounts' names, for pages that show an account beside a card or an audit row: a
// name where one exists, not an acct_ id. One Stripe list call, kept a minute per Stripe client
// (names rarely change; a new account shows its id until then); none when Stripe fails.
import type Stripe from 'stripe';
import { accountName, listConnectedAccounts } from './accounts.ts';

const TTL_MS = 60_000;
const cache = new WeakMap<Stripe, { at: number; names: Promise<Map<string, string>> }>();

export async function accountNames(stripe: Stripe, log?: { warn(obj: object, msg: string): void }): Promise<Map<string, string>> {
  const hit = cache.get(stripe);
  if (hit && Date.now() - hit.at < TTL_MS) return hit.names;
  const names = listConnectedAccounts(stripe).then((accounts) => new Map(accounts.map((a) => [a.id, accountName(a)])));
  cache.set(stripe, { at: Date.now(), names });
  try {
    return await names;
  } catch (err) {
    cache.delete(stripe);
    log?.warn({ err }, 'could not list account names');
    return new Map();
  }
}
