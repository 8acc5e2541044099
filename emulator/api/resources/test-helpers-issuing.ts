// Stripe's Issuing authorization test helpers (docs.stripe.com/api/issuing/authorizations/test_mode_create):
// create (decided as a real authorization would be), capture, reverse, expire, increment,
// finalize_amount.
import type Stripe from 'stripe';
import { createAuthorization } from '../issuing/authorization-creation.ts';
import {
  captureAuthorization,
  expireAuthorization,
  finalizeAuthorizationAmount,
  incrementAuthorization,
  refundTransaction,
  reverseAuthorization,
} from '../issuing/authorization-lifecycle.ts';
import {
  findAuthorization,
  renderAuthorization,
  renderTransaction,
  transactions,
  type StoredAuthorization,
} from '../issuing/authorizations.ts';
import { envFromCtx } from '../issuing/env.ts';
import { MERCHANT_CATEGORIES } from '../merchant-categories.ts';
import { missingParameter, resourceMissing } from '../errors.ts';
import { p, type Params } from '../params.ts';
import { defineResource, type ApiContext } from '../router.ts';
import { findCard } from './issuing-cards.ts';

const checks = ['match', 'mismatch', 'not_provided'] as const;
const riskLevel = p.enum(['elevated', 'highest', 'low', 'normal', 'not_assessed', 'unknown'], { required: true });
const fuelParams = p.object({
  industry_product_code: p.string(),
  quantity_decimal: p.string(),
  type: p.enum(['diesel', 'other', 'unleaded_plus', 'unleaded_regular', 'unleaded_super']),
  unit: p.enum([
    'charging_minute',
    'imperial_gallon',
    'kilogram',
    'kilowatt_hour',
    'liter',
    'other',
    'pound',
    'us_gallon',
  ]),
  unit_cost_decimal: p.string(),
});

const createParams = {
  card: p.string({ required: true }),
  amount: p.integer({ min: 1 }),
  amount_details: p.object({ atm_fee: p.integer({ min: 0 }), cashback_amount: p.integer({ min: 0 }) }),
  authorization_method: p.enum(['chip', 'contactless', 'keyed_in', 'online', 'swipe']),
  currency: p.string({ pattern: /^[a-z]{3}$/, normalize: (s) => s.toLowerCase() }),
  fraud_disputability_likelihood: p.enum(['neutral', 'unknown', 'very_likely', 'very_unlikely']),
  fuel: fuelParams,
  is_amount_controllable: p.boolean(),
  merchant_amount: p.integer({ min: 1 }),
  merchant_currency: p.string({ pattern: /^[a-z]{3}$/, normalize: (s) => s.toLowerCase() }),
  merchant_data: p.object({
    category: p.enum(MERCHANT_CATEGORIES),
    city: p.string(),
    country: p.string({ pattern: /^[A-Z]{2}$/, normalize: (s) => s.toUpperCase() }),
    name: p.string(),
    network_id: p.string(),
    postal_code: p.string(),
    state: p.string(),
    terminal_id: p.string(),
    url: p.string(),
  }),
  network_data: p.object({ acquiring_institution_id: p.string() }),
  risk_assessment: p.object({
    card_testing_risk: p.object({
      invalid_account_number_decline_rate_past_hour: p.integer(),
      invalid_credentials_decline_rate_past_hour: p.integer(),
      level: riskLevel,
    }),
    fraud_risk: p.object({ level: riskLevel, score: p.integer() }),
    merchant_dispute_risk: p.object({ dispute_rate: p.integer(), level: riskLevel }),
  }),
  verification_data: p.object({
    address_line1_check: p.enum(checks),
    address_postal_code_check: p.enum(checks),
    authentication_exemption: p.object({
      claimed_by: p.enum(['acquirer', 'issuer'], { required: true }),
      type: p.enum(['low_value_transaction', 'transaction_risk_analysis', 'unknown'], { required: true }),
    }),
    cvc_check: p.enum(checks),
    expiry_check: p.enum(checks),
    three_d_secure: p.object({
      result: p.enum(['attempt_acknowledged', 'authenticated', 'failed', 'required'], { required: true }),
    }),
  }),
  wallet: p.enum(['apple_pay', 'google_pay', 'samsung_pay']),
};

async function create(ctx: ApiContext, params: Params): Promise<Stripe.Issuing.Authorization> {
  const card = findCard(ctx.data, params.card as string, 'card', 400);
  const amount = (params.amount as number | undefined) ?? (params.merchant_amount as number | undefined);
  if (amount === undefined) throw missingParameter('amount');
  // The emulator converts nothing: an amount in another currency counts 1:1 in the card's currency.
  const merchantCurrency =
    (params.merchant_currency as string | undefined) ?? (params.currency as string | undefined) ?? card.currency;
  const fuel = params.fuel as Params | undefined;
  const auth = await createAuthorization(envFromCtx(ctx), {
    card,
    amount,
    merchantAmount: (params.merchant_amount as number | undefined) ?? amount,
    merchantCurrency,
    merchant: {
      name: 'Test Merchant',
      city: 'San Francisco',
      country: 'US',
      postal_code: '94103',
      state: 'CA',
      ...((params.merchant_data as Params | undefined) ?? {}),
    },
    authorizationMethod: params.authorization_method as Stripe.Issuing.Authorization.AuthorizationMethod | undefined,
    isAmountControllable: params.is_amount_controllable as boolean | undefined,
    verificationData: params.verification_data as Partial<Stripe.Issuing.Authorization.VerificationData> | undefined,
    wallet: (params.wallet as string | undefined) ?? null,
    amountDetails: params.amount_details as { atm_fee?: number; cashback_amount?: number } | undefined,
    fraudRisk: ((params.risk_assessment as Params | undefined)?.fraud_risk as Params | undefined)?.level as
      string | undefined,
    fuel: fuel
      ? ({
          industry_product_code: (fuel.industry_product_code as string | undefined) ?? null,
          quantity_decimal: (fuel.quantity_decimal as string | undefined) ?? null,
          type: (fuel.type as string | undefined) ?? null,
          unit: (fuel.unit as string | undefined) ?? null,
          unit_cost_decimal: (fuel.unit_cost_decimal as string | undefined) ?? null,
        } as Stripe.Issuing.Authorization.Fuel)
      : null,
  });
  return respond(ctx, auth, params);
}

function respond(ctx: ApiContext, auth: StoredAuthorization, params: Params): Stripe.Issuing.Authorization {
  return ctx.expand(renderAuthorization(ctx.data, auth), params.expand as string[] | undefined);
}

/** `input`'s values for `keys`, null where absent (Stripe returns every field, null when unknown). */
function pick(input: Params | undefined, keys: readonly string[]): Record<string, unknown> {
  return Object.fromEntries(keys.map((key) => [key, input?.[key] ?? null]));
}

const nested = (input: Params | undefined, key: string): Params | undefined => input?.[key] as Params | undefined;

/**
 * The transaction's `purchase_details` from the capture helper's parameter of the same name
 * (every kind the SDK declares: fleet, flight, fuel, lodging, receipt, reference; shapes of
 * Stripe.Issuing.Transaction.PurchaseDetails). Parameters the route does not spell out are
 * validated against the SDK's types by the router (api/sdk-params.json).
 */
function purchaseDetails(input: Params | undefined): Stripe.Issuing.Transaction.PurchaseDetails | null {
  if (!input) return null;
  const fleet = nested(input, 'fleet');
  const breakdown = nested(fleet, 'reported_breakdown');
  const flight = nested(input, 'flight');
  const fuel = nested(input, 'fuel');
  return {
    fleet: fleet
      ? {
          cardholder_prompt_data: fleet.cardholder_prompt_data
            ? pick(nested(fleet, 'cardholder_prompt_data'), [
                'driver_id',
                'odometer',
                'unspecified_id',
                'user_id',
                'vehicle_number',
              ])
            : null,
          purchase_type: fleet.purchase_type ?? null,
          reported_breakdown: breakdown
            ? {
                fuel: breakdown.fuel ? pick(nested(breakdown, 'fuel'), ['gross_amount_decimal']) : null,
                non_fuel: breakdown.non_fuel ? pick(nested(breakdown, 'non_fuel'), ['gross_amount_decimal']) : null,
                tax: breakdown.tax
                  ? pick(nested(breakdown, 'tax'), ['local_amount_decimal', 'national_amount_decimal'])
                  : null,
              }
            : null,
          service_type: fleet.service_type ?? null,
        }
      : null,
    flight: flight
      ? {
          ...pick(flight, ['departure_at', 'passenger_name', 'refundable', 'travel_agency']),
          segments: flight.segments
            ? (flight.segments as Params[]).map((segment) =>
                pick(segment, [
                  'arrival_airport_code',
                  'carrier',
                  'departure_airport_code',
                  'flight_number',
                  'service_class',
                  'stopover_allowed',
                ]),
              )
            : null,
        }
      : null,
    // `type`, `unit` and `unit_cost_decimal` are never null in Stripe's object; `other` is the
    // enum's catch-all value for what the capture did not say.
    fuel: fuel
      ? {
          industry_product_code: fuel.industry_product_code ?? null,
          quantity_decimal: fuel.quantity_decimal ?? null,
          type: fuel.type ?? 'other',
          unit: fuel.unit ?? 'other',
          unit_cost_decimal: fuel.unit_cost_decimal ?? '0',
        }
      : null,
    lodging: input.lodging ? pick(nested(input, 'lodging'), ['check_in_at', 'nights']) : null,
    // The parameter's quantity is a decimal string; the object's is a number.
    receipt: input.receipt
      ? (input.receipt as Params[]).map((r) => ({
          ...pick(r, ['description', 'total', 'unit_cost']),
          quantity: r.quantity === undefined ? null : Number(r.quantity),
        }))
      : null,
    reference: (input.reference as string | undefined) ?? null,
  } as unknown as Stripe.Issuing.Transaction.PurchaseDetails;
}

const base = '/v1/test_helpers/issuing/authorizations';
const load = (ctx: ApiContext, id: string | undefined): StoredAuthorization => findAuthorization(ctx.data, id ?? '');

export default defineResource({
  name: 'test_helpers.issuing.authorizations',
  routes: [
    { method: 'POST', path: base, params: createParams, handler: (ctx, params) => create(ctx, params) },
    {
      method: 'POST',
      path: `${base}/:authorization/capture`,
      params: {
        capture_amount: p.integer({ min: 1 }),
        close_authorization: p.boolean(),
        // Every kind Stripe takes (fleet, flight, fuel, lodging, receipt, reference) comes from the SDK's types.
        purchase_details: p.object({ lodging: p.object({ check_in_at: p.integer(), nights: p.integer() }) }),
      },
      handler: (ctx, params, path) =>
        respond(
          ctx,
          captureAuthorization(envFromCtx(ctx), load(ctx, path.authorization), {
            captureAmount: params.capture_amount as number | undefined,
            closeAuthorization: params.close_authorization as boolean | undefined,
            purchaseDetails: purchaseDetails(params.purchase_details as Params | undefined),
          }),
          params,
        ),
    },
    {
      method: 'POST',
      path: `${base}/:authorization/reverse`,
      params: { reverse_amount: p.integer({ min: 1 }) },
      handler: (ctx, params, path) =>
        respond(
          ctx,
          reverseAuthorization(
            envFromCtx(ctx),
            load(ctx, path.authorization),
            params.reverse_amount as number | undefined,
          ),
          params,
        ),
    },
    {
      method: 'POST',
      path: `${base}/:authorization/expire`,
      handler: (ctx, params, path) =>
        respond(ctx, expireAuthorization(envFromCtx(ctx), load(ctx, path.authorization)), params),
    },
    {
      method: 'POST',
      path: `${base}/:authorization/increment`,
      params: { increment_amount: p.integer({ required: true, min: 1 }), is_amount_controllable: p.boolean() },
      handler: (ctx, params, path) =>
        respond(
          ctx,
          incrementAuthorization(envFromCtx(ctx), load(ctx, path.authorization), params.increment_amount as number),
          params,
        ),
    },
    {
      // docs.stripe.com/api/issuing/transactions/test_mode_refund
      method: 'POST',
      path: '/v1/test_helpers/issuing/transactions/:transaction/refund',
      params: { refund_amount: p.integer({ min: 1 }) },
      handler: (ctx, params, path) => {
        const capture = transactions(ctx.data).get(path.transaction ?? '');
        if (!capture) throw resourceMissing('issuing transaction', path.transaction ?? '', 'transaction');
        const refund = refundTransaction(envFromCtx(ctx), capture, params.refund_amount as number | undefined);
        return ctx.expand(renderTransaction(ctx.data, refund), params.expand as string[] | undefined);
      },
    },
    {
      method: 'POST',
      path: `${base}/:authorization/finalize_amount`,
      params: { final_amount: p.integer({ required: true, min: 0 }), fuel: fuelParams },
      handler: (ctx, params, path) =>
        respond(
          ctx,
          finalizeAuthorizationAmount(envFromCtx(ctx), load(ctx, path.authorization), params.final_amount as number),
          params,
        ),
    },
  ],
});
