// The country of the account a request acts on (the platform's own account, or the connected
// account of `Stripe-Account`): it decides how that account's Issuing balance is funded
// (shared/issuing-funding.ts).
import type { ApiContext } from '../router.ts';

export function accountCountry(ctx: ApiContext): string {
  const account =
    ctx.account === ctx.store.platformAccountId ? ctx.store.platformAccount : ctx.store.accounts.get(ctx.account);
  // The emulator's platform is a US account (emulator/seed.ts) until GET /v1/account stores one.
  return (account?.country ?? 'US').toUpperCase();
}
