// Account Sessions (docs.stripe.com/api/account_sessions). Every component and feature of the
// SDK's types for the pinned API version is accepted and echoed, as Stripe echoes all components;
// only the two Issuing components are rendered by the browser stand-in (emulator/browser/).
// Omitted features take the values of Stripe's API reference example, false where it shows none
// (the per-feature defaults are otherwise undocumented).
import type Stripe from 'stripe';
import { invalidParam, resourceMissing } from '../errors.ts';
import { newSecret } from '../ids.ts';
import { p, type Params } from '../params.ts';
import { defineResource, sdkParams } from '../router.ts';
import type { AccountSessionRecord, ComponentsConfig } from '../store.ts';

/** Chosen lifetime (Stripe says only that sessions expire "relatively quickly"). */
export const ACCOUNT_SESSION_TTL_SECONDS = 30 * 60;

const ISSUING_FEATURES = [
  'card_management',
  'card_spend_dispute_management',
  'cardholder_management',
  'spend_control_management',
] as const;

const issuingComponent = (extra: readonly string[]) =>
  p.object({
    enabled: p.boolean({ required: true }),
    features: p.object(Object.fromEntries([...ISSUING_FEATURES, ...extra].map((f) => [f, p.boolean()]))),
  });

/** Feature defaults that Stripe's API reference example shows as true (the others are false). */
const DEFAULT_ON: Record<string, readonly string[]> = {
  account_management: ['external_account_collection'],
  account_onboarding: ['external_account_collection'],
  balances: ['external_account_collection'],
  disputes_list: ['capture_payments', 'dispute_management', 'refund_management'],
  financial_account: ['external_account_collection', 'send_money', 'transfer_balance'],
  notification_banner: ['external_account_collection'],
  payment_details: ['capture_payments', 'dispute_management', 'refund_management'],
  payment_disputes: ['dispute_management', 'refund_management'],
  payments: ['capture_payments', 'dispute_management', 'refund_management'],
  payouts: ['external_account_collection'],
};

/**
 * Every component the SDK's types list for the pinned API version (Stripe echoes all of them),
 * disabled, each with every feature its parameters name (read from api/sdk-params.json, which is
 * generated from the SDK's types), at Stripe's defaults.
 */
function defaultComponents(): ComponentsConfig {
  const spec = sdkParams()['POST /v1/account_sessions'];
  const components = spec?.kind === 'object' ? spec.fields.components : undefined;
  if (components?.kind !== 'object') throw new Error('api/sdk-params.json has no account_sessions components');
  const out: ComponentsConfig = {};
  for (const [name, component] of Object.entries(components.fields)) {
    const features = component.kind === 'object' ? component.fields.features : undefined;
    const names = features?.kind === 'object' ? Object.keys(features.fields) : [];
    out[name] = {
      enabled: false,
      features: Object.fromEntries(names.map((f) => [f, DEFAULT_ON[name]?.includes(f) ?? false])),
    };
  }
  return out;
}

export function toAccountSession(record: AccountSessionRecord): Stripe.AccountSession {
  return {
    object: 'account_session',
    account: record.account,
    client_secret: record.clientSecret,
    components: record.components,
    expires_at: record.expiresAt,
    livemode: false,
  } as unknown as Stripe.AccountSession;
}

export default defineResource({
  name: 'account_sessions',
  routes: [
    {
      method: 'POST',
      path: '/v1/account_sessions',
      params: {
        account: p.string({ required: true }),
        components: p.object(
          {
            issuing_card: issuingComponent([]),
            issuing_cards_list: issuingComponent(['disable_stripe_user_authentication']),
          },
          { required: true },
        ),
      },
      handler: (ctx, params) => {
        const accountId = params.account as string;
        const account = ctx.store.accounts.get(accountId);
        if (!account) throw resourceMissing('account', accountId, 'account', 400);
        const requested = params.components as Record<string, Params>;
        const components = defaultComponents();
        for (const [name, component] of Object.entries(requested)) {
          const base = components[name];
          if (!base) continue;
          const features = { ...base.features, ...((component.features as Record<string, boolean> | undefined) ?? {}) };
          if (
            features.disable_stripe_user_authentication &&
            account.controller?.requirement_collection !== 'application'
          ) {
            throw invalidParam(
              'disable_stripe_user_authentication can only be true for accounts where controller.requirement_collection is application.',
              `components[${name}][features][disable_stripe_user_authentication]`,
            );
          }
          components[name] = { enabled: component.enabled as boolean, features };
        }
        const created = ctx.now();
        const record: AccountSessionRecord = {
          // Stripe's client secrets look like `accs_secret__` followed by 46 characters.
          clientSecret: newSecret('accs_secret__', 46),
          account: accountId,
          components,
          created,
          expiresAt: created + ACCOUNT_SESSION_TTL_SECONDS,
          claimed: false,
        };
        ctx.store.accountSessions.set(record.clientSecret, record);
        return toAccountSession(record);
      },
    },
  ],
});
