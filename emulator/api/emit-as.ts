// Events a request causes in an account other than its own (a payment with an issued card
// authorizes in the account that issued the card; the 3DS frame completes a connected account's
// intent): delivered as that account's events, with the request's id and idempotency key.
import type { ApiContext } from './router.ts';

export function emitAs(ctx: ApiContext, account: string): ApiContext['emit'] {
  return (type, object, previousAttributes) => {
    for (const listener of ctx.runtime.eventListeners) {
      listener({
        type,
        account,
        object,
        previousAttributes,
        requestId: ctx.requestId,
        idempotencyKey: ctx.idempotencyKey,
      });
    }
  };
}
