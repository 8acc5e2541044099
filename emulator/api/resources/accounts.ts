// Connected accounts: list, retrieve, create (the platform seeds and tests create them), and
// `GET /v1/account` for the caller's own account. Objects follow fixtures.json's `account` shape
// for a Custom account whose platform collects requirements.
import type Stripe from 'stripe';
import { StripeApiError, resourceMissing } from '../errors.ts';
import { cryptoRandom, newId, type RandomSource } from '../ids.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';

const capabilityRequest = p.object({ requested: p.boolean() });
const addressParams = p.object({
  city: p.string(),
  country: p.string(),
  line1: p.string(),
  line2: p.string(),
  postal_code: p.string(),
  state: p.string(),
});

const createParams = {
  type: p.enum(['custom', 'express', 'standard']),
  country: p.string({ pattern: /^[A-Za-z]{2}$/, normalize: (s) => s.toUpperCase(), patternMessage: 'Invalid country' }),
  email: p.string(),
  business_type: p.enum(['company', 'government_entity', 'individual', 'non_profit']),
  default_currency: p.string({ normalize: (s) => s.toLowerCase() }),
  business_profile: p.object({
    name: p.string(),
    url: p.string(),
    mcc: p.string(),
    product_description: p.string(),
    support_email: p.string(),
    support_phone: p.string(),
    support_url: p.string(),
    support_address: addressParams,
  }),
  capabilities: p.object({
    card_issuing: capabilityRequest,
    card_payments: capabilityRequest,
    transfers: capabilityRequest,
  }),
  controller: p.object({
    fees: p.object({ payer: p.enum(['account', 'application']) }),
    losses: p.object({ payments: p.enum(['application', 'stripe']) }),
    requirement_collection: p.enum(['application', 'stripe']),
    stripe_dashboard: p.object({ type: p.enum(['express', 'full', 'none']) }),
  }),
  metadata: p.metadata(),
};

export interface AccountInput {
  id?: string;
  created: number;
  type?: 'custom' | 'express' | 'standard';
  country?: string;
  email?: string | null;
  business_type?: Stripe.Account.BusinessType | null;
  default_currency?: string;
  business_profile?: Partial<Stripe.Account.BusinessProfile>;
  capabilities?: Partial<Record<keyof Stripe.Account.Capabilities, { requested?: boolean }>>;
  controller?: { requirement_collection?: 'application' | 'stripe' };
  metadata?: Record<string, string>;
}

const CURRENCY_BY_COUNTRY: Record<string, string> = { US: 'usd', GB: 'gbp', CA: 'cad', AU: 'aud' };

/** Builds a full account object. In test mode requested capabilities become active at once. */
export function buildAccount(input: AccountInput, random: RandomSource = cryptoRandom): Stripe.Account {
  const id = input.id ?? newId('acct', random);
  const country = input.country ?? 'US';
  const type = input.type ?? 'custom';
  const capabilities: Stripe.Account.Capabilities = {};
  for (const [name, request] of Object.entries(input.capabilities ?? {})) {
    if (request?.requested) (capabilities as Record<string, string>)[name] = 'active';
  }
  const requirementCollection = input.controller?.requirement_collection ?? (type === 'standard' ? 'stripe' : 'application');
  const noRequirements = {
    alternatives: [],
    current_deadline: null,
    currently_due: [],
    disabled_reason: null,
    errors: [],
    eventually_due: [],
    past_due: [],
    pending_verification: [],
  };
  const account = {
    id,
    object: 'account',
    business_profile: {
      annual_revenue: null,
      estimated_worker_count: null,
      mcc: null,
      minority_owned_business_designation: null,
      name: null,
      product_description: null,
      specified_commercial_transactions_act_url: null,
      support_address: null,
      support_email: null,
      support_phone: null,
      support_url: null,
      url: null,
      ...input.business_profile,
    },
    business_type: input.business_type ?? null,
    capabilities,
    charges_enabled: true,
    controller: {
      fees: { payer: 'application' },
      is_controller: true,
      losses: { payments: 'application' },
      requirement_collection: requirementCollection,
      // Stripe's values are express, full and none; a standard account has the full Dashboard.
      stripe_dashboard: { type: type === 'custom' ? 'none' : type === 'standard' ? 'full' : type },
      type: 'application',
    },
    country,
    created: input.created,
    default_currency: input.default_currency ?? CURRENCY_BY_COUNTRY[country] ?? 'usd',
    details_submitted: true,
    email: input.email ?? null,
    external_accounts: { object: 'list', data: [], has_more: false, url: `/v1/accounts/${id}/external_accounts` },
    future_requirements: noRequirements,
    metadata: input.metadata ?? {},
    payouts_enabled: true,
    requirements: noRequirements,
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      card_issuing: { tos_acceptance: { date: input.created, ip: '127.0.0.1' } },
      card_payments: {
        decline_on: { avs_failure: false, cvc_failure: false },
        statement_descriptor_prefix: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      dashboard: { display_name: input.business_profile?.name ?? null, timezone: 'Etc/UTC' },
      invoices: { default_account_tax_ids: null, hosted_payment_method_save: 'offer' },
      payments: {
        statement_descriptor: null,
        statement_descriptor_kana: null,
        statement_descriptor_kanji: null,
        statement_descriptor_prefix_kana: null,
        statement_descriptor_prefix_kanji: null,
      },
      payouts: { debit_negative_balances: true, schedule: { delay_days: 2, interval: 'daily' }, statement_descriptor: null },
      sepa_debit_payments: {},
    },
    tos_acceptance: { date: input.created, ip: '127.0.0.1', user_agent: null },
    type,
  };
  return account as unknown as Stripe.Account;
}

function findAccount(ctx: ApiContext, id: string): Stripe.Account {
  if (id === ctx.store.platformAccountId && ctx.store.platformAccount) return ctx.store.platformAccount;
  const account = ctx.store.accounts.get(id);
  if (!account) throw resourceMissing('account', id, 'account');
  return account;
}

/** Account endpoints are the platform's: a secret key acting on a connected account can read only itself. */
function requirePlatform(ctx: ApiContext): void {
  if (ctx.account !== ctx.store.platformAccountId) {
    throw new StripeApiError(403, 'Only the platform can manage connected accounts; remove the Stripe-Account header.', {
      idempotent: false,
    });
  }
}

export default defineResource({
  name: 'accounts',
  expanders: {
    acct: (ctx, id) => (id === ctx.store.platformAccountId ? ctx.store.platformAccount : ctx.store.accounts.get(id)),
  },
  routes: [
    {
      method: 'GET',
      path: '/v1/accounts',
      params: { ...listParams, created: p.range() },
      handler: (ctx, params) => {
        requirePlatform(ctx);
        const list = paginate(
          ctx.store.accounts.list(),
          (a) => inRange(a.created ?? 0, params.created as Range | undefined),
          params,
          ctx.path,
          { objectName: 'account' },
        );
        return ctx.expand(list, params.expand as string[] | undefined);
      },
    },
    {
      method: 'POST',
      path: '/v1/accounts',
      params: createParams,
      handler: (ctx, params) => {
        requirePlatform(ctx);
        const account = buildAccount({
          ...(params as Omit<AccountInput, 'created'>),
          metadata: mergeMetadata({}, params.metadata as Record<string, string | null> | undefined),
          created: ctx.now(),
        });
        ctx.store.accounts.insert(account);
        return ctx.expand(account, params.expand as string[] | undefined);
      },
    },
    {
      method: 'GET',
      path: '/v1/accounts/:account',
      handler: (ctx, params: Params, path) => {
        const id = path.account ?? '';
        if (ctx.account !== ctx.store.platformAccountId && id !== ctx.account) requirePlatform(ctx);
        return ctx.expand(findAccount(ctx, id), params.expand as string[] | undefined);
      },
    },
    {
      method: 'GET',
      path: '/v1/account',
      handler: (ctx, params) => ctx.expand(findAccount(ctx, ctx.account), params.expand as string[] | undefined),
    },
  ],
});
