// Issuing objects can be created on a connected account only once its `card_issuing` capability
// is active: "The capability won't be active until all the requirements are fulfilled"
// (https://docs.stripe.com/issuing/connect), and creating a cardholder or card before that fails
// (stripe-samples/issuing-treasury#380, which gates both on `capabilities.card_issuing === "active"`,
// PR #429). Stripe's exact words for this refusal are not documented; the emulator words it as
// Stripe words the same refusal for payments ("You cannot create a charge on a connected account
// without the `card_payments` capability enabled.", quoted in Subscribie/subscribie#408).
import { currentAccount } from '../account-onboarding.ts';
import { invalidRequest } from '../errors.ts';
import type { ApiContext } from '../router.ts';

export function requireCardIssuing(ctx: ApiContext, objects: 'cardholders' | 'cards'): void {
  if (ctx.account === ctx.store.platformAccountId) return;
  const stored = ctx.store.accounts.get(ctx.account);
  const status = stored ? currentAccount(ctx.store, stored, ctx.nowMs()).capabilities?.card_issuing : undefined;
  if (status === 'active') return;
  throw invalidRequest(
    `You cannot create Issuing ${objects} on a connected account without the \`card_issuing\` capability enabled. ` +
      `The capability of ${ctx.account} is ${status ?? 'not requested'}; its \`requirements.currently_due\` lists what is missing.`,
  );
}
