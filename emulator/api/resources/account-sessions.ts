// Account Sessions (docs.stripe.com/api/account_sessions) for the Issuing embedded components.
// The emulator supports the two Issuing components; every other component is echoed disabled, as
// Stripe echoes all components. Omitted Issuing features default to false (Stripe's API reference
// example shows them false; the per-feature defaults are otherwise undocumented).
import type Stripe from 'stripe';
import { invalidParam, resourceMissing } from '../errors.ts';
import { newSecret } from '../ids.ts';
import { p, type Params } from '../params.ts';
import { defineResource } from '../router.ts';
import type { AccountSessionRecord, ComponentsConfig } from '../store.ts';

/** Chosen lifetime (Stripe says only that sessions expire "relatively quickly"). */
export const ACCOUNT_SESSION_TTL_SECONDS = 30 * 60;

const ISSUING_FEATURES = ['card_management', 'card_spend_dispute_management', 'cardholder_management', 'spend_control_management'] as const;

const issuingComponent = (extra: readonly string[]) =>
  p.object({
    enabled: p.boolean({ required: true }),
    features: p.object(Object.fromEntries([...ISSUING_FEATURES, ...extra].map((f) => [f, p.boolean()]))),
  });

/** Every component Stripe echoes, disabled, with the feature defaults from Stripe's reference example. */
function defaultComponents(): ComponentsConfig {
  const accountForms = { external_account_collection: true, disable_stripe_user_authentication: false };
  const payouts = {
    edit_payout_schedule: false,
    external_account_collection: true,
    instant_payouts: false,
    standard_payouts: false,
    disable_stripe_user_authentication: false,
  };
  const payments = {
    capture_payments: true,
    destination_on_behalf_of_charge_management: false,
    dispute_management: true,
    refund_management: true,
  };
  const off = (features: Record<string, boolean> = {}) => ({ enabled: false, features: { ...features } });
  return {
    account_management: off(accountForms),
    account_onboarding: off(accountForms),
    balances: off(payouts),
    disputes_list: off(payments),
    documents: off(),
    financial_account: off({
      disable_stripe_user_authentication: false,
      external_account_collection: true,
      send_money: true,
      transfer_balance: true,
    }),
    financial_account_transactions: off({ card_spend_dispute_management: false }),
    issuing_card: off(Object.fromEntries(ISSUING_FEATURES.map((f) => [f, false]))),
    issuing_cards_list: off({
      ...Object.fromEntries(ISSUING_FEATURES.map((f) => [f, false])),
      disable_stripe_user_authentication: false,
    }),
    notification_banner: off(accountForms),
    payment_details: off(payments),
    payment_disputes: off({ destination_on_behalf_of_charge_management: false, dispute_management: true, refund_management: true }),
    payments: off(payments),
    payouts: off(payouts),
    payouts_list: off(),
    tax_registrations: off(),
    tax_settings: off(),
  };
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
          if (features.disable_stripe_user_authentication && account.controller?.requirement_collection !== 'application') {
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
