// Issuing cardholders: create, list (email, phone_number, status, type, created), retrieve, update.
import { requireCardIssuing } from '../issuing/capability.ts';
import type Stripe from 'stripe';
import { invalidParam, resourceMissing } from '../errors.ts';
import { cryptoRandom, newId, type RandomSource } from '../ids.ts';
import { paginate } from '../list.ts';
import { inRange, listParams, mergeMetadata, p, type Params, type Range } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import { applySpendingControls, emptySpendingControls, spendingControlsParams } from '../spending-controls.ts';
import type { AccountData } from '../store.ts';
import { connectCanRead } from './connect-rules.ts';

export const CARDHOLDER_OBJECT_NAME = 'issuing cardholder';

/**
 * Stripe refuses a malformed email on objects that take one: 400 invalid_request_error, code
 * `email_invalid`, param `email`, "Invalid email address: <value>"
 * (https://docs.stripe.com/error-codes/email-invalid; as seen in
 * https://github.com/masslight/ottehr/issues/7319). A plain local@domain.tld check: Stripe's own
 * rule is not published, so only what is clearly not an address is refused.
 */
function checkEmail(email: unknown): void {
  if (typeof email !== 'string' || email === '') return;
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(email))
    throw invalidParam(`Invalid email address: ${email}`, 'email', 'email_invalid');
}

const address = (required: boolean) =>
  p.object(
    {
      line1: p.string({ required }),
      line2: p.string({ emptyable: true }),
      city: p.string({ required }),
      state: p.string({ emptyable: true }),
      postal_code: p.string({ required }),
      country: p.string({
        required,
        pattern: /^[A-Z]{2}$/,
        normalize: (s) => s.toUpperCase(),
        patternMessage: 'Invalid country: must be a two-letter ISO 3166-1 country code',
      }),
    },
    { required },
  );

const dateParams = p.object({
  day: p.integer({ required: true, min: 1, max: 31 }),
  month: p.integer({ required: true, min: 1, max: 12 }),
  year: p.integer({ required: true, min: 1900 }),
});

const individualParams = p.object({
  first_name: p.string(),
  last_name: p.string(),
  dob: dateParams,
  card_issuing: p.object({
    user_terms_acceptance: p.object({ date: p.integer(), ip: p.string(), user_agent: p.string({ emptyable: true }) }),
  }),
  verification: p.object({ document: p.object({ back: p.string(), front: p.string() }) }),
});

const mutableFields = {
  email: p.string({ emptyable: true }),
  phone_number: p.string({ emptyable: true }),
  individual: individualParams,
  company: p.object({ tax_id: p.string() }),
  metadata: p.metadata(),
  preferred_locales: p.array(p.enum(['de', 'en', 'es', 'fr', 'it']), { emptyable: true }),
  spending_controls: spendingControlsParams('cardholder'),
};

export interface CardholderInput {
  name: string;
  email?: string | null;
  phone_number?: string | null;
  type?: 'individual' | 'company';
  status?: 'active' | 'inactive';
  billing: { address: Partial<Stripe.Address> };
  individual?: Params | null;
  company?: Params | null;
  metadata?: Record<string, string | null>;
  preferred_locales?: string[] | null;
  spending_controls?: Params | null;
}

function individualObject(input: Params | null | undefined): Stripe.Issuing.Cardholder.Individual | null {
  if (!input) return null;
  const dob = input.dob as Params | undefined;
  const terms = (input.card_issuing as Params | undefined)?.user_terms_acceptance as Params | undefined;
  const document = (input.verification as Params | undefined)?.document as Params | undefined;
  return {
    card_issuing: terms
      ? {
          user_terms_acceptance: {
            date: (terms.date as number) ?? null,
            ip: (terms.ip as string) ?? null,
            user_agent: (terms.user_agent as string) ?? null,
          },
        }
      : null,
    dob: dob ? { day: dob.day as number, month: dob.month as number, year: dob.year as number } : null,
    first_name: (input.first_name as string | undefined) ?? null,
    last_name: (input.last_name as string | undefined) ?? null,
    verification: {
      document: { back: (document?.back as string) ?? null, front: (document?.front as string) ?? null },
    },
  };
}

function addressObject(input: Partial<Stripe.Address>): Stripe.Address {
  return {
    city: input.city ?? null,
    country: input.country ?? null,
    line1: input.line1 ?? null,
    line2: input.line2 ?? null,
    postal_code: input.postal_code ?? null,
    state: input.state ?? null,
  };
}

export function buildCardholder(
  input: CardholderInput,
  created: number,
  currency: string,
  random: RandomSource = cryptoRandom,
): Stripe.Issuing.Cardholder {
  const type = input.type ?? 'individual';
  const cardholder: Stripe.Issuing.Cardholder = {
    id: newId('ich', random),
    object: 'issuing.cardholder',
    billing: { address: addressObject(input.billing.address) },
    company: type === 'company' ? { tax_id_provided: Boolean(input.company?.tax_id) } : null,
    created,
    email: input.email ?? null,
    individual: individualObject(input.individual),
    livemode: false,
    metadata: mergeMetadata({}, input.metadata),
    name: input.name,
    phone_number: input.phone_number ?? null,
    preferred_locales: input.preferred_locales ?? [],
    requirements: { disabled_reason: null, past_due: [] },
    spending_controls: null,
    status: input.status ?? 'active',
    type,
  };
  cardholder.spending_controls = applySpendingControls(
    emptySpendingControls('cardholder', null),
    input.spending_controls,
    'cardholder',
    currency,
  );
  return cardholder;
}

export function findCardholder(
  data: AccountData,
  id: string,
  param = 'cardholder',
  status = 404,
): Stripe.Issuing.Cardholder {
  const cardholder = data.cardholders.get(id);
  if (!cardholder) throw resourceMissing(CARDHOLDER_OBJECT_NAME, id, param, status);
  return cardholder;
}

export function accountCurrency(ctx: ApiContext): string {
  const account = ctx.store.accounts.get(ctx.account) ?? ctx.store.platformAccount;
  return account?.default_currency ?? 'usd';
}

const expand = (ctx: ApiContext, object: unknown, params: Params) =>
  ctx.expand(object, params.expand as string[] | undefined);

export default defineResource({
  name: 'issuing.cardholders',
  expanders: { ich: (ctx, id) => ctx.data.cardholders.get(id) },
  routes: [
    {
      method: 'POST',
      path: '/v1/issuing/cardholders',
      params: {
        name: p.string({ required: true }),
        billing: p.object({ address: address(true) }, { required: true }),
        type: p.enum(['individual', 'company']),
        status: p.enum(['active', 'inactive']),
        ...mutableFields,
      },
      handler: (ctx, params) => {
        checkEmail(params.email);
        requireCardIssuing(ctx, 'cardholders');
        const cardholder = buildCardholder(params as unknown as CardholderInput, ctx.now(), accountCurrency(ctx));
        ctx.data.cardholders.insert(cardholder);
        ctx.emit('issuing_cardholder.created', cardholder);
        return expand(ctx, cardholder, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/issuing/cardholders',
      access: { connect: connectCanRead },
      params: {
        ...listParams,
        created: p.range(),
        email: p.string(),
        phone_number: p.string(),
        status: p.enum(['active', 'inactive', 'blocked']),
        type: p.enum(['individual', 'company']),
      },
      handler: (ctx, params) => {
        const list = paginate(
          ctx.data.cardholders.list(),
          (c) =>
            (params.email === undefined || c.email === params.email) &&
            (params.phone_number === undefined || c.phone_number === params.phone_number) &&
            (params.status === undefined || c.status === params.status) &&
            (params.type === undefined || c.type === params.type) &&
            inRange(c.created, params.created as Range | undefined),
          params,
          ctx.path,
          { objectName: CARDHOLDER_OBJECT_NAME },
        );
        return expand(ctx, list, params);
      },
    },
    {
      method: 'GET',
      path: '/v1/issuing/cardholders/:cardholder',
      access: { connect: connectCanRead },
      handler: (ctx, params, path) => expand(ctx, findCardholder(ctx.data, path.cardholder ?? ''), params),
    },
    {
      method: 'POST',
      path: '/v1/issuing/cardholders/:cardholder',
      params: {
        billing: p.object({ address: address(true) }),
        status: p.enum(['active', 'inactive']),
        ...mutableFields,
      },
      handler: (ctx, params, path) => {
        checkEmail(params.email);
        const current = findCardholder(ctx.data, path.cardholder ?? '');
        const next: Stripe.Issuing.Cardholder = { ...current };
        const previous: Record<string, unknown> = {};
        const set = <K extends keyof Stripe.Issuing.Cardholder>(key: K, value: Stripe.Issuing.Cardholder[K]) => {
          if (JSON.stringify(current[key]) !== JSON.stringify(value)) previous[key] = current[key];
          next[key] = value;
        };
        if (params.billing)
          set('billing', { address: addressObject((params.billing as Params).address as Partial<Stripe.Address>) });
        if (params.status !== undefined) set('status', params.status as Stripe.Issuing.Cardholder.Status);
        if (params.email !== undefined) set('email', params.email as string | null);
        if (params.phone_number !== undefined) set('phone_number', params.phone_number as string | null);
        if (params.individual !== undefined) set('individual', individualObject(params.individual as Params));
        if (params.company !== undefined)
          set('company', { tax_id_provided: Boolean((params.company as Params).tax_id) });
        if (params.metadata !== undefined) {
          set('metadata', mergeMetadata(current.metadata, params.metadata as Record<string, string | null>));
        }
        if (params.preferred_locales !== undefined) {
          set('preferred_locales', (params.preferred_locales ?? []) as Stripe.Issuing.Cardholder.PreferredLocale[]);
        }
        if (params.spending_controls !== undefined) {
          set(
            'spending_controls',
            applySpendingControls(
              current.spending_controls ?? emptySpendingControls('cardholder', null),
              params.spending_controls as Params | null,
              'cardholder',
              accountCurrency(ctx),
            ),
          );
        }
        ctx.data.cardholders.replace(next);
        if (Object.keys(previous).length > 0) ctx.emit('issuing_cardholder.updated', next, previous);
        return expand(ctx, next, params);
      },
    },
  ],
});
