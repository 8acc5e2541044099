// The IssuingEnv of a request: on the request's own account, or on another account (a payment
// with an issued card creates the authorization in the account that issued the card).
import { emitAs } from '../emit-as.ts';
import type { ApiContext } from '../router.ts';
import type { IssuingEnv } from './authorizations.ts';

export function envFromCtx(ctx: ApiContext): IssuingEnv {
  return { store: ctx.store, account: ctx.account, data: ctx.data, now: ctx.now, emit: ctx.emit };
}

export function envForAccount(ctx: ApiContext, account: string): IssuingEnv {
  if (account === ctx.account) return envFromCtx(ctx);
  return {
    store: ctx.store,
    account,
    data: ctx.store.accountData(account),
    now: ctx.now,
    emit: emitAs(ctx, account),
  };
}
