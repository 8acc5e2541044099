// Connected accounts' names, for pages that show an account beside a card or an audit row: a
// name where one exists, not an acct_ id. From the mirror (accountNamesFor: one query, no Stripe
// call) once the backfill has listed the accounts. Before that (a first start): one Stripe listing, kept a minute per Stripe client
// (names rarely change; a new account shows its id until then); none when Stripe fails.
// Past the minute the names on hand still answer, and one listing in the background refreshes
// them: at 10,000 connected accounts a listing is 100 Stripe calls (~0.8 s, bench/README.md
// "million"), which no lookup should wait for once a minute.
import type Stripe from 'stripe';
import { accountsListed } from '../db/card-index.ts';
import type { Queryable } from '../db/database.ts';
import { mirroredAccountNames } from '../db/mirror-reads.ts';
import { accountName, listConnectedAccounts } from './accounts.ts';

const TTL_MS = 60_000;

interface Entry {
  at: number;
  names: Promise<Map<string, string>>;
  /** The background listing in flight, once the names are older than TTL_MS. */
  refreshing?: Promise<void>;
}
const cache = new WeakMap<Stripe, Entry>();

async function listNames(stripe: Stripe): Promise<Map<string, string>> {
  return new Map((await listConnectedAccounts(stripe)).map((a) => [a.id, accountName(a)]));
}

type Log = { warn(obj: object, msg: string): void };

/** `now`: the caller's clock (tests move it past the minute). */
export async function accountNames(stripe: Stripe, log?: Log, now = Date.now()): Promise<Map<string, string>> {
  const hit = cache.get(stripe);
  if (hit && now - hit.at < TTL_MS) return hit.names;
  if (hit) {
    hit.refreshing ??= listNames(stripe).then(
      (names) => void cache.set(stripe, { at: Date.now(), names: Promise.resolve(names) }),
      (err: unknown) => {
        hit.refreshing = undefined;
        log?.warn({ err }, 'could not list account names');
      },
    );
    return hit.names;
  }
  const names = listNames(stripe);
  cache.set(stripe, { at: now, names });
  try {
    return await names;
  } catch (err) {
    cache.delete(stripe);
    log?.warn({ err }, 'could not list account names');
    return new Map();
  }
}

/**
 * The names of these accounts (null: of all), from the mirror once the backfill has listed the
 * accounts (kept current by `account.updated` events); before that, the listing above.
 */
export async function accountNamesFor(
  deps: { stripe: Stripe; db: Queryable },
  accountIds: readonly string[] | null,
  log?: Log,
): Promise<Map<string, string>> {
  if (await accountsListed(deps.db)) return mirroredAccountNames(deps.db, accountIds);
  return accountNames(deps.stripe, log);
}
