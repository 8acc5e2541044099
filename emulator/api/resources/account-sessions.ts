// Account Sessions (docs.stripe.com/api/account_sessions). Every component and feature of the
// SDK's types for the pinned API version is accepted and echoed, as Stripe echoes all components;
// only the two Issuing components are rendered by the browser stand-in (emulator/browser/).
// Omitted features take the values of Stripe's API reference example, false where it shows none
// (the per-feature defaults are otherwise undocumented).
// Under `Stripe-Version: …; embedded_connect_beta=v2` the preview components of
// ../preview-components.ts are accepted and echoed too (Stripe: "When using private preview
// components, use beta versions of the Stripe SDK", docs.stripe.com/connect/supported-embedded-components);
// without it they are unknown parameters, as the pinned API version's parameters do not name them.
import type Stripe from 'stripe';
import { invalidParam, resourceMissing } from '../errors.ts';
import { newSecret } from '../ids.ts';
import { p, type Params, type Spec } from '../params.ts';
import { PREVIEW_COMPONENTS, previewComponentsUnlocked, type PreviewComponent } from '../preview-components.ts';
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

function sdkComponents(): Record<string, Spec> {
  const spec = sdkParams()['POST /v1/account_sessions'];
  const components = spec?.kind === 'object' ? spec.fields.components : undefined;
  if (components?.kind !== 'object') throw new Error('api/sdk-params.json has no account_sessions components');
  return components.fields;
}

/** The preview components the pinned SDK's types do not already list (those are generally available). */
function previewComponents(): PreviewComponent[] {
  const known = sdkComponents();
  return PREVIEW_COMPONENTS.filter((component) => !Object.hasOwn(known, component.name));
}

function previewComponentSpec(component: PreviewComponent): Spec {
  const features = Object.entries(component.features).map(([name, kind]): [string, Spec] => [
    name,
    // `allowed_apps` is `Stripe.Emptyable<Array<string>>` in stripe-node's beta types: '' clears it.
    kind === 'boolean' ? p.boolean() : p.array(p.string(), { emptyable: true }),
  ]);
  return p.object({ enabled: p.boolean({ required: true }), features: p.object(Object.fromEntries(features)) });
}

/**
 * The parameters under a beta Stripe-Version: with `embedded_connect_beta=v2`, `components` also
 * takes the preview components.
 */
function betaParams(fields: Record<string, Spec>, betas: Readonly<Record<string, string>>): Record<string, Spec> {
  const components = fields.components;
  if (!previewComponentsUnlocked(betas) || components?.kind !== 'object') return fields;
  const preview = Object.fromEntries(previewComponents().map((c) => [c.name, previewComponentSpec(c)]));
  return { ...fields, components: { ...components, fields: { ...components.fields, ...preview } } };
}

/**
 * Every component the SDK's types list for the pinned API version (Stripe echoes all of them),
 * disabled, each with every feature its parameters name (read from api/sdk-params.json, which is
 * generated from the SDK's types), at Stripe's defaults; under the preview beta, the preview
 * components too, disabled, their boolean features false and app lists empty (the defaults of
 * preview features are undocumented).
 */
function defaultComponents(betas: Readonly<Record<string, string>>): ComponentsConfig {
  const out: ComponentsConfig = {};
  for (const [name, component] of Object.entries(sdkComponents())) {
    const features = component.kind === 'object' ? component.fields.features : undefined;
    const names = features?.kind === 'object' ? Object.keys(features.fields) : [];
    out[name] = {
      enabled: false,
      features: Object.fromEntries(names.map((f) => [f, DEFAULT_ON[name]?.includes(f) ?? false])),
    };
  }
  if (previewComponentsUnlocked(betas)) {
    for (const component of previewComponents()) {
      const features = Object.entries(component.features).map(([f, kind]): [string, boolean | string[]] => [
        f,
        kind === 'boolean' ? false : [],
      ]);
      out[component.name] = { enabled: false, features: Object.fromEntries(features) };
    }
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
      betaParams,
      handler: (ctx, params) => {
        const accountId = params.account as string;
        const account = ctx.store.accounts.get(accountId);
        if (!account) throw resourceMissing('account', accountId, 'account', 400);
        const requested = params.components as Record<string, Params>;
        const components = defaultComponents(ctx.betas);
        for (const [name, component] of Object.entries(requested)) {
          const base = components[name];
          if (!base) continue;
          const given = (component.features as Record<string, boolean | string[] | null> | undefined) ?? {};
          const features = { ...base.features };
          // An emptied list (`allowed_apps=''`) is an empty list.
          for (const [f, value] of Object.entries(given)) features[f] = value ?? [];
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
