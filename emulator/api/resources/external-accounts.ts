// A connected account's external accounts (https://docs.stripe.com/api/external_account_bank_accounts):
// `POST /v1/accounts/:account/external_accounts` adds a bank account (a token or a dictionary),
// `GET` lists them (newest first, `object` filter), `GET /:id` retrieves one, `DELETE /:id` removes
// one under Stripe's rules for a default. The rules and test numbers are in ../external-accounts.ts.
// Adding or removing one re-evaluates the account: `card_payments` needs an external account
// (../account-requirements.ts), so it is `account.updated` too when the capabilities change.
import { refreshRequirements } from '../account-onboarding.ts';
import { emitAs } from '../emit-as.ts';
import { missingParameter } from '../errors.ts';
import {
  attachExternalAccount,
  detachExternalAccount,
  findExternalAccount,
  listExternalAccounts,
} from '../external-accounts.ts';
import { paginate } from '../list.ts';
import { listParams, p, type Params } from '../params.ts';
import { defineResource } from '../router.ts';
import { requireAccountReader, requirePlatform, saveAccount, storedAccount } from './accounts.ts';

const expandOf = (params: Params) => params.expand as string[] | undefined;

export default defineResource({
  name: 'external_accounts',
  routes: [
    {
      method: 'POST',
      path: '/v1/accounts/:account/external_accounts',
      params: { default_for_currency: p.boolean(), metadata: p.metadata() },
      handler: (ctx, params, path) => {
        requirePlatform(ctx);
        if (params.external_account === undefined || params.external_account === null) {
          throw missingParameter('external_account');
        }
        const current = storedAccount(ctx, path.account ?? '');
        const before = structuredClone(current);
        const account = structuredClone(current);
        const { added } = attachExternalAccount(account, params.external_account, {
          defaultForCurrency: params.default_for_currency as boolean | undefined,
          metadata: params.metadata as Record<string, string | null> | undefined,
        });
        refreshRequirements(ctx.store, account, ctx.nowMs());
        saveAccount(ctx, before, account);
        emitAs(ctx, account.id)('account.external_account.created', structuredClone(added));
        return ctx.expand(added, expandOf(params));
      },
    },
    {
      method: 'GET',
      path: '/v1/accounts/:account/external_accounts',
      params: { ...listParams, object: p.enum(['bank_account', 'card']) },
      handler: (ctx, params, path) => {
        const id = path.account ?? '';
        requireAccountReader(ctx, id);
        const account = storedAccount(ctx, id);
        const list = paginate(
          listExternalAccounts(account),
          (e) => params.object === undefined || e.object === params.object,
          params,
          ctx.path,
          { objectName: 'external account' },
        );
        return ctx.expand(list, expandOf(params));
      },
    },
    {
      method: 'GET',
      path: '/v1/accounts/:account/external_accounts/:id',
      handler: (ctx, params, path) => {
        const id = path.account ?? '';
        requireAccountReader(ctx, id);
        return ctx.expand(findExternalAccount(storedAccount(ctx, id), path.id ?? ''), expandOf(params));
      },
    },
    {
      method: 'DELETE',
      path: '/v1/accounts/:account/external_accounts/:id',
      handler: (ctx, _params, path) => {
        requirePlatform(ctx);
        const current = storedAccount(ctx, path.account ?? '');
        const before = structuredClone(current);
        const account = structuredClone(current);
        const removed = detachExternalAccount(account, path.id ?? '');
        refreshRequirements(ctx.store, account, ctx.nowMs());
        saveAccount(ctx, before, account);
        emitAs(ctx, account.id)('account.external_account.deleted', structuredClone(removed));
        return { id: removed.id, object: removed.object, deleted: true };
      },
    },
  ],
});
