// Connected accounts: list, retrieve, create and update (the platform provides what Stripe
// requires through them: ../account-onboarding.ts), and `GET /v1/account` for the caller's own
// account. Objects follow fixtures.json's `account` shape for a Custom account whose platform
// collects requirements; requested capabilities start `inactive` with `requirements.currently_due`
// (../account-requirements.ts, https://docs.stripe.com/issuing/connect).
import type Stripe from 'stripe';
import {
  addressParams,
  applyOnboarding,
  currentAccount,
  onboardingParams,
  type OnboardingInput,
} from '../account-onboarding.ts';
import { noRequirements } from '../account-requirements.ts';
import { emitAs } from '../emit-as.ts';
import { StripeApiError, resourceMissing } from '../errors.ts';
import { cryptoRandom, newId, type RandomSource } from '../ids.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';

const capabilityRequest = p.object({ requested: p.boolean() });

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
    estimated_worker_count: p.integer({ min: 0 }),
    annual_revenue: p.object({
      amount: p.integer({ min: 0 }),
      currency: p.string({ normalize: (s) => s.toLowerCase() }),
      fiscal_year_end: p.string(),
    }),
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
  ...onboardingParams,
};

/** `POST /v1/accounts/:id`: what create takes, except what cannot change after creation. */
const { type: _type, country: _country, controller: _controller, ...updateParams } = createParams;

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
  /**
   * The platform's own account: onboarded on Issuing already (a platform must be before its
   * connected accounts can request card_issuing, stripe-samples/issuing-treasury#46), so its
   * requested capabilities are active.
   */
  onboarded?: boolean;
}

const CURRENCY_BY_COUNTRY: Record<string, string> = { US: 'usd', GB: 'gbp', CA: 'cad', AU: 'aud' };

/**
 * Builds a full account object. Requested capabilities are `inactive` (with everything due in
 * `requirements`) until `applyOnboarding` finds what Stripe requires; only the platform's own
 * account (`onboarded`) starts active.
 */
export function buildAccount(input: AccountInput, random: RandomSource = cryptoRandom): Stripe.Account {
  const id = input.id ?? newId('acct', random);
  const country = input.country ?? 'US';
  const type = input.type ?? 'custom';
  const capabilities: Stripe.Account.Capabilities = {};
  for (const [name, request] of Object.entries(input.capabilities ?? {})) {
    if (request?.requested) (capabilities as Record<string, string>)[name] = input.onboarded ? 'active' : 'inactive';
  }
  const requirementCollection =
    input.controller?.requirement_collection ?? (type === 'standard' ? 'stripe' : 'application');
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
    charges_enabled: input.onboarded === true,
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
    details_submitted: input.onboarded === true,
    email: input.email ?? null,
    external_accounts: { object: 'list', data: [], has_more: false, url: `/v1/accounts/${id}/external_accounts` },
    future_requirements: noRequirements(),
    metadata: input.metadata ?? {},
    payouts_enabled: input.onboarded === true,
    requirements: noRequirements(),
    settings: {
      bacs_debit_payments: { display_name: null, service_user_number: null },
      branding: { icon: null, logo: null, primary_color: null, secondary_color: null },
      // `user_agent` is optional (not nullable) here in Stripe's schema: absent until given.
      card_issuing: {
        tos_acceptance: input.onboarded ? { date: input.created, ip: '127.0.0.1' } : { date: null, ip: null },
      },
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
      payouts: {
        debit_negative_balances: true,
        schedule: { delay_days: 2, interval: 'daily' },
        statement_descriptor: null,
      },
      sepa_debit_payments: {},
    },
    tos_acceptance: input.onboarded
      ? { date: input.created, ip: '127.0.0.1', user_agent: null }
      : { date: null, ip: null, user_agent: null },
    type,
  };
  return account as unknown as Stripe.Account;
}

/** A connected account's stored object, for a change (404 for an unknown id). */
export function storedAccount(ctx: ApiContext, id: string): Stripe.Account {
  const account = ctx.store.accounts.get(id);
  if (!account) throw resourceMissing('account', id, 'account');
  return account;
}

/** Reading a connected account's own objects: the platform, or the account itself (`Stripe-Account`). */
export function requireAccountReader(ctx: ApiContext, id: string): void {
  if (ctx.account !== ctx.store.platformAccountId && id !== ctx.account) requirePlatform(ctx);
}

/**
 * Stores a changed copy of a connected account and tells the platform's Connect endpoints what
 * changed: `account.updated` is the connected account's event (https://docs.stripe.com/connect/webhooks).
 */
export function saveAccount(ctx: ApiContext, before: Stripe.Account, account: Stripe.Account): void {
  ctx.store.accounts.replace(account);
  const previous: Record<string, unknown> = {};
  for (const key of Object.keys(account) as Array<keyof Stripe.Account>) {
    if (JSON.stringify(before[key]) !== JSON.stringify(account[key])) previous[key] = before[key];
  }
  if (Object.keys(previous).length > 0) {
    emitAs(ctx, account.id)('account.updated', structuredClone(account), previous);
  }
}

function findAccount(ctx: ApiContext, id: string): Stripe.Account {
  if (id === ctx.store.platformAccountId && ctx.store.platformAccount) return ctx.store.platformAccount;
  const account = ctx.store.accounts.get(id);
  if (!account) throw resourceMissing('account', id, 'account');
  return currentAccount(ctx.store, account, ctx.nowMs());
}

/** Account endpoints are the platform's: a secret key acting on a connected account can read only itself. */
export function requirePlatform(ctx: ApiContext): void {
  if (ctx.account !== ctx.store.platformAccountId) {
    throw new StripeApiError(
      403,
      'Only the platform can manage connected accounts; remove the Stripe-Account header.',
      {
        idempotent: false,
      },
    );
  }
}

/**
 * `account.external_account.created` / `.deleted` for the bank accounts an account create or update
 * added or replaced (`external_account`), as the external account endpoints announce theirs.
 */
function announceExternalAccounts(
  ctx: ApiContext,
  account: Stripe.Account,
  before: readonly Stripe.ExternalAccount[],
): void {
  const after = account.external_accounts?.data ?? [];
  const emit = emitAs(ctx, account.id);
  for (const added of after.filter((a) => !before.some((b) => b.id === a.id))) {
    emit('account.external_account.created', structuredClone(added));
  }
  for (const gone of before.filter((b) => !after.some((a) => a.id === b.id))) {
    emit('account.external_account.deleted', structuredClone(gone));
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
          ctx.store.accounts.list().map((a) => currentAccount(ctx.store, a, ctx.nowMs())),
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
        const { capabilities: _requested, ...input } = params as Omit<AccountInput, 'created'>;
        const account = buildAccount({
          ...input,
          metadata: mergeMetadata({}, params.metadata as Record<string, string | null> | undefined),
          created: ctx.now(),
        });
        applyOnboarding(
          ctx.store,
          account,
          { ...(params as OnboardingInput), business_profile: undefined },
          ctx.now(),
          undefined,
          ctx.nowMs(),
        );
        ctx.store.accounts.insert(account);
        announceExternalAccounts(ctx, account, []);
        return ctx.expand(account, params.expand as string[] | undefined);
      },
    },
    {
      method: 'GET',
      path: '/v1/accounts/:account',
      handler: (ctx, params: Params, path) => {
        const id = path.account ?? '';
        requireAccountReader(ctx, id);
        return ctx.expand(findAccount(ctx, id), params.expand as string[] | undefined);
      },
    },
    {
      // https://docs.stripe.com/api/accounts/update: how a platform provides what Stripe requires.
      method: 'POST',
      path: '/v1/accounts/:account',
      params: updateParams,
      handler: (ctx, params: Params, path) => {
        requirePlatform(ctx);
        const current = storedAccount(ctx, path.account ?? '');
        const before = structuredClone(current);
        const account = structuredClone(current);
        if (params.metadata !== undefined) {
          (account as { metadata: Record<string, string> }).metadata = mergeMetadata(
            account.metadata ?? {},
            params.metadata as Record<string, string | null> | null,
          );
        }
        if (typeof params.email === 'string') (account as { email: string }).email = params.email;
        if (typeof params.default_currency === 'string')
          (account as { default_currency: string }).default_currency = params.default_currency;
        applyOnboarding(ctx.store, account, params, ctx.now(), undefined, ctx.nowMs());
        saveAccount(ctx, before, account);
        announceExternalAccounts(ctx, account, before.external_accounts?.data ?? []);
        return ctx.expand(account, params.expand as string[] | undefined);
      },
    },
    {
      method: 'GET',
      path: '/v1/account',
      handler: (ctx, params) => ctx.expand(findAccount(ctx, ctx.account), params.expand as string[] | undefined),
    },
  ],
});
