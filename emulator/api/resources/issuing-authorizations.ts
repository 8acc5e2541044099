// Issuing authorizations (list with card / cardholder / status / created filters, retrieve,
// update metadata, the deprecated approve / decline) and the transactions their captures create
// (list, retrieve, update metadata). Creation and the
// lifecycle are the test helpers' (./test-helpers-issuing.ts) and the payments' (an issued card
// used to pay); the decisions are emulator/api/issuing/decide.ts.
import type Stripe from 'stripe';
import {
  AUTHORIZATION_OBJECT_NAME,
  TRANSACTION_OBJECT_NAME,
  authorizations,
  findAuthorization,
  renderAuthorization,
  renderTransaction,
  transactions,
  type StoredAuthorization,
} from '../issuing/authorizations.ts';
import { updateAuthorizationMetadata } from '../issuing/authorization-lifecycle.ts';
import { decideByApi } from '../issuing/decision-window.ts';
import { envFromCtx } from '../issuing/env.ts';
import type { RealtimeOutcome } from '../issuing/realtime.ts';
import { invalidRequest, resourceMissing } from '../errors.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';

/**
 * approve / decline: decides the request while the real-time window is open. Afterwards the
 * authorization has been decided and there is nothing to approve (the emulator's wording; Stripe's
 * own for this case is not documented).
 */
async function decideNow(ctx: ApiContext, id: string, outcome: RealtimeOutcome, params: Params): Promise<unknown> {
  const decided = decideByApi(ctx.store, ctx.account, id, outcome);
  if (!decided) {
    const auth = findAuthorization(ctx.data, id);
    throw invalidRequest(
      `This authorization is not awaiting a decision (its status is ${auth.status}). Approve and decline work only while Stripe waits for the answer to issuing_authorization.request (2 seconds); respond to that webhook directly instead (https://docs.stripe.com/issuing/controls/real-time-authorizations).`,
      { param: 'authorization' },
    );
  }
  const auth = (await decided) as StoredAuthorization;
  return ctx.expand(renderAuthorization(ctx.data, auth), params.expand as string[] | undefined);
}

export default defineResource({
  name: 'issuing.authorizations',
  expanders: {
    iauth: (ctx, id) => {
      const auth = authorizations(ctx.data).get(id);
      return auth ? renderAuthorization(ctx.data, auth) : undefined;
    },
    ipi: (ctx, id) => {
      const transaction = transactions(ctx.data).get(id);
      return transaction ? renderTransaction(ctx.data, transaction) : undefined;
    },
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/issuing/authorizations',
      params: {
        ...listParams,
        card: p.string(),
        cardholder: p.string(),
        status: p.enum(['closed', 'expired', 'pending', 'reversed']),
        created: p.range(),
      },
      handler: (ctx, params) => {
        const list = paginate(
          authorizations(ctx.data).list(),
          (a) =>
            (params.card === undefined || a.card === params.card) &&
            (params.cardholder === undefined || a.cardholder === params.cardholder) &&
            (params.status === undefined || a.status === params.status) &&
            inRange(a.created, params.created as Range | undefined),
          params,
          ctx.path,
          { objectName: AUTHORIZATION_OBJECT_NAME },
        );
        const cards = new Map<string, Stripe.Issuing.Card>();
        return ctx.expand(
          { ...list, data: list.data.map((a) => renderAuthorization(ctx.data, a, cards)) },
          params.expand as string[] | undefined,
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/issuing/authorizations/:authorization',
      handler: (ctx, params, path) =>
        ctx.expand(
          renderAuthorization(ctx.data, findAuthorization(ctx.data, path.authorization ?? '')),
          params.expand as string[] | undefined,
        ),
    },
    {
      method: 'POST',
      path: '/v1/issuing/authorizations/:authorization',
      params: { metadata: p.metadata() },
      handler: (ctx, params, path) => {
        let auth = findAuthorization(ctx.data, path.authorization ?? '');
        if (params.metadata !== undefined) {
          auth = updateAuthorizationMetadata(
            envFromCtx(ctx),
            auth,
            mergeMetadata(auth.metadata, params.metadata as Record<string, string | null> | null),
          );
        }
        return ctx.expand(renderAuthorization(ctx.data, auth), params.expand as string[] | undefined);
      },
    },
    // Deprecated, still served: decide a request within the real-time window (../issuing/decision-window.ts).
    {
      method: 'POST',
      path: '/v1/issuing/authorizations/:authorization/approve',
      params: { amount: p.integer({ min: 1 }), metadata: p.metadata() },
      handler: async (ctx, params, path) =>
        decideNow(
          ctx,
          path.authorization ?? '',
          {
            kind: 'approved',
            amount: params.amount as number | undefined,
            metadata: mergeMetadata({}, params.metadata as Record<string, string | null> | undefined),
          },
          params,
        ),
    },
    {
      method: 'POST',
      path: '/v1/issuing/authorizations/:authorization/decline',
      params: { metadata: p.metadata() },
      handler: async (ctx, params, path) =>
        decideNow(
          ctx,
          path.authorization ?? '',
          {
            kind: 'declined',
            metadata: mergeMetadata({}, params.metadata as Record<string, string | null> | undefined),
          },
          params,
        ),
    },
    {
      method: 'GET',
      path: '/v1/issuing/transactions',
      params: {
        ...listParams,
        card: p.string(),
        cardholder: p.string(),
        type: p.enum(['capture', 'refund']),
        created: p.range(),
      },
      handler: (ctx, params) => {
        const list = paginate(
          transactions(ctx.data).list(),
          (t) =>
            (params.card === undefined || t.card === params.card) &&
            (params.cardholder === undefined || t.cardholder === params.cardholder) &&
            (params.type === undefined || t.type === params.type) &&
            inRange(t.created, params.created as Range | undefined),
          params,
          ctx.path,
          { objectName: TRANSACTION_OBJECT_NAME },
        );
        return ctx.expand(
          { ...list, data: list.data.map((t) => renderTransaction(ctx.data, t)) },
          params.expand as string[] | undefined,
        );
      },
    },
    {
      method: 'GET',
      path: '/v1/issuing/transactions/:transaction',
      handler: (ctx, params, path) => {
        const transaction = transactions(ctx.data).get(path.transaction ?? '');
        if (!transaction) throw resourceMissing(TRANSACTION_OBJECT_NAME, path.transaction ?? '', 'transaction');
        return ctx.expand(renderTransaction(ctx.data, transaction), params.expand as string[] | undefined);
      },
    },
    // docs.stripe.com/api/issuing/transactions/update: only `metadata` (and `expand`).
    {
      method: 'POST',
      path: '/v1/issuing/transactions/:transaction',
      params: { metadata: p.metadata() },
      handler: (ctx, params, path) => {
        const transaction = transactions(ctx.data).get(path.transaction ?? '');
        if (!transaction) throw resourceMissing(TRANSACTION_OBJECT_NAME, path.transaction ?? '', 'transaction');
        let current = transaction;
        if (params.metadata !== undefined) {
          const metadata = mergeMetadata(transaction.metadata, params.metadata as Record<string, string | null> | null);
          if (JSON.stringify(metadata) !== JSON.stringify(transaction.metadata)) {
            current = transactions(ctx.data).replace({ ...transaction, metadata });
            ctx.emit('issuing_transaction.updated', renderTransaction(ctx.data, current), {
              metadata: transaction.metadata,
            });
          }
        }
        return ctx.expand(renderTransaction(ctx.data, current), params.expand as string[] | undefined);
      },
    },
  ],
});
