// Stripe calls per user action: the app's requests for each action, made in-process against the
// emulator (test/helpers/stack.ts), with the Stripe call budget's per-route counts
// (server/plugins/app/stripe-budget.ts) read before and after. The card index is backfilled
// first, as in a running deployment. An action is the API requests its page makes.
import { createNonce } from '../../test/helpers/card-details.ts';
import { startStack } from '../../test/helpers/stack.ts';

export interface ActionCalls {
  action: string;
  requests: string[];
  stripeCalls: number;
  /** Stripe endpoints called, with counts. */
  endpoints: Record<string, number>;
  statuses: number[];
}

export async function stripeCallsPerAction(): Promise<ActionCalls[]> {
  const stack = await startStack();
  try {
    await stack.app.cardIndex.whenBackfilled();
    const budget = stack.app.stripeBudget!;
    const admin = await stack.loginCookie('admin@example.com');
    const support = await stack.loginCookie('support@example.com');
    const account = (await stack.stripe.accounts.list({ limit: 1 })).data[0]!.id;
    const card = (
      await stack.stripe.issuing.cards.list({ status: 'active', type: 'virtual', limit: 1 }, { stripeAccount: account })
    ).data[0]!;
    const holder = card.cardholder;

    type Req = { method: 'GET' | 'POST'; url: string; cookie?: string; payload?: object };
    const measure = async (action: string, requests: Req[]): Promise<ActionCalls> => {
      budget.resetStats();
      const statuses: number[] = [];
      for (const r of requests) {
        const res = await stack.app.inject({
          method: r.method,
          url: r.url,
          headers: {
            ...(r.cookie ? { cookie: r.cookie } : {}),
            ...(r.method === 'POST' ? { origin: stack.appUrl } : {}),
          },
          ...(r.payload ? { payload: r.payload } : {}),
        });
        statuses.push(res.statusCode);
      }
      return {
        action,
        requests: requests.map((r) => `${r.method} ${r.url.split('?')[0]}`),
        stripeCalls: budget.stats.total,
        endpoints: { ...budget.stats.byEndpoint },
        statuses,
      };
    };

    return [
      await measure('sign-in', [
        { method: 'POST', url: '/api/session', payload: { email: 'admin@example.com', password: 'demo1234' } },
      ]),
      await measure('accounts page', [{ method: 'GET', url: '/api/accounts', cookie: admin }]),
      await measure('account page', [
        { method: 'GET', url: `/api/cards?account=${account}&limit=20`, cookie: admin },
        { method: 'POST', url: '/api/account-sessions', cookie: admin, payload: { account } },
      ]),
      await measure('card page', [
        { method: 'GET', url: `/api/cards/${card.id}`, cookie: admin },
        { method: 'POST', url: '/api/account-sessions', cookie: admin, payload: { account } },
      ]),
      await measure('reveal', [
        {
          method: 'POST',
          url: '/api/ephemeral-keys',
          cookie: support,
          payload: { card_id: card.id, nonce: await createNonce(stack, card.id, account), reason: 'bench', account },
        },
      ]),
      await measure('lookup by name (support agent)', [
        { method: 'GET', url: `/api/cards?q=${encodeURIComponent(holder.name)}`, cookie: support },
      ]),
      await measure('spend-control save', [
        {
          method: 'POST',
          url: `/api/cards/${card.id}`,
          cookie: admin,
          payload: { spending_controls: { spending_limits: [{ amount: 50_000, interval: 'daily' }] } },
        },
      ]),
    ];
  } finally {
    await stack.close();
  }
}
