// Issuing funding instructions (https://docs.stripe.com/api/issuing/funding_instructions): "reusable
// bank account and routing information. Push funds to these addresses via bank transfer to top
// up Issuing Balances." The push funding of UK and euro-area accounts ("Push funding is available
// in the UK and EU", https://docs.stripe.com/issuing/connect/funding).
//
// - Create is "create or retrieve": "If we've already created funding instructions for the
//   account, we'll retrieve the same funding instructions … we'll return the same funding
//   instructions each time"; "For a given currency, the provided bank account information will be
//   unique" (docs.stripe.com/issuing/funding/balance). So one set per account and currency.
// - `bank_transfer[type]` is `eu_bank_transfer` or `gb_bank_transfer` (the create reference's
//   enum); "Funds always arrive in your Issuing balance in the specified currency", so the
//   emulator pairs gbp with gb_bank_transfer and eur with eu_bank_transfer and refuses a
//   currency the type does not carry.
// - US accounts: Stripe's test mode answers `fund_balance` on a US account with "A Funding
//   Instruction is not currently supported for US" (an answer recorded from Stripe in a public
//   project's design notes; Stripe's docs print no message). US accounts are "pull" funded by
//   top-ups (docs.stripe.com/issuing/testing, /issuing/connect/funding, where US push funding is
//   a preview). The emulator gives that answer to create and `fund_balance` for every
//   account outside the UK and the euro area, so code that funds a US account the UK way fails
//   here as it does on Stripe; the list ("all applicable funding instructions") is empty there.
// - The financial addresses are test values that reach no bank: the reference's example account
//   holder, BIC and country for euro transfers (Stripe Technology Europe Limited, SXPYDEHH, DE),
//   Stripe's UK entity for sterling; an IBAN with check digits 00 (never valid) and the unallocated
//   sort code 00-00-00, with random account digits, so each account's are its own. Addresses are
//   left empty (every field null) rather than invented.
import type Stripe from 'stripe';
import { issuingCurrencyFor } from '../../../shared/issuing-funding.ts';
import { invalidParam, invalidRequest } from '../errors.ts';
import { randomDigits } from '../ids.ts';
import type { ApiContext } from '../router.ts';
import { accountCountry } from './account-country.ts';
import { createTopup } from './topups.ts';

export const BANK_TRANSFER_TYPES = ['eu_bank_transfer', 'gb_bank_transfer'] as const;
type BankTransferType = (typeof BANK_TRANSFER_TYPES)[number];

const CURRENCY_OF_TYPE: Record<BankTransferType, string> = { gb_bank_transfer: 'gbp', eu_bank_transfer: 'eur' };

/** Stored per account, keyed by currency (the object itself has no id). */
type StoredInstructions = Stripe.FundingInstructions & { id: string };

function instructions(ctx: ApiContext) {
  return ctx.data.collection<StoredInstructions>('issuing.funding_instructions');
}

const EMPTY_ADDRESS: Stripe.Address = {
  city: null,
  country: null,
  line1: null,
  line2: null,
  postal_code: null,
  state: null,
};

function financialAddress(type: BankTransferType): Stripe.FundingInstructions.BankTransfer.FinancialAddress {
  if (type === 'gb_bank_transfer') {
    return {
      type: 'sort_code',
      sort_code: {
        account_holder_address: EMPTY_ADDRESS,
        account_holder_name: 'Stripe Payments UK Limited',
        account_number: randomDigits(8),
        bank_address: EMPTY_ADDRESS,
        sort_code: '000000',
      },
      supported_networks: ['bacs', 'fps'],
    };
  }
  return {
    type: 'iban',
    iban: {
      account_holder_address: EMPTY_ADDRESS,
      account_holder_name: 'Stripe Technology Europe Limited',
      bank_address: EMPTY_ADDRESS,
      bic: 'SXPYDEHH',
      country: 'DE',
      iban: `DE00${randomDigits(18)}`,
    },
    supported_networks: ['sepa'],
  };
}

/** Refuses accounts that are not funded by push (see the header): "not currently supported for US". */
function requirePushFunding(ctx: ApiContext): void {
  const country = accountCountry(ctx);
  if (country !== 'US' && issuingCurrencyFor(country) !== undefined) return;
  throw invalidRequest(
    `A Funding Instruction is not currently supported for ${country}. ` +
      (country === 'US'
        ? 'US accounts fund their Issuing balance with top-ups (POST /v1/topups with destination_balance=issuing).'
        : 'Issuing balances are funded by bank transfer in the UK and the euro area only.'),
  );
}

function typeOfCurrency(currency: string, param: string): BankTransferType {
  const type = BANK_TRANSFER_TYPES.find((t) => CURRENCY_OF_TYPE[t] === currency);
  if (!type)
    throw invalidParam(
      `Invalid currency: ${currency}. Issuing funding instructions are in gbp (gb_bank_transfer) or eur (eu_bank_transfer).`,
      param,
    );
  return type;
}

export function renderInstructions(stored: StoredInstructions): Stripe.FundingInstructions {
  const { id: _id, ...shown } = stored;
  return shown;
}

/** Creates or retrieves the account's funding instructions for a currency. */
export function ensureInstructions(ctx: ApiContext, currency: string, type?: string): StoredInstructions {
  requirePushFunding(ctx);
  const expected = typeOfCurrency(currency, 'currency');
  if (type !== undefined && type !== expected) {
    throw invalidParam(
      `Invalid bank_transfer[type]: ${type} carries ${CURRENCY_OF_TYPE[type as BankTransferType]}, not ${currency}; use ${expected} for ${currency}.`,
      'bank_transfer[type]',
    );
  }
  const existing = instructions(ctx).get(currency);
  if (existing) return existing;
  return instructions(ctx).insert({
    id: currency,
    object: 'funding_instructions',
    bank_transfer: {
      country: expected === 'gb_bank_transfer' ? 'GB' : 'DE',
      financial_addresses: [financialAddress(expected)],
      type: expected,
    },
    currency,
    funding_type: 'bank_transfer',
    livemode: false,
  });
}

/** Every set of instructions the account has, newest first (with their internal ids, for paging). */
export function listInstructions(ctx: ApiContext): StoredInstructions[] {
  return instructions(ctx).list();
}

/**
 * `POST /v1/test_helpers/issuing/fund_balance`: "Simulates an external bank transfer and adds
 * funds to an Issuing balance … Returns testmode funding instructions for an Issuing balance"
 * (https://docs.stripe.com/api/issuing/funding_instructions/fund). The transfer arrives at the
 * currency's instructions (made if the account had none) and is "immediately available as a
 * top-up" (docs.stripe.com/issuing/funding/balance).
 */
export function simulateBankTransfer(ctx: ApiContext, amount: number, currency: string): StoredInstructions {
  const target = ensureInstructions(ctx, currency);
  createTopup(ctx, {
    amount,
    currency,
    description: null,
    statement_descriptor: null,
    transfer_group: null,
    destination: 'issuing',
    status: 'succeeded',
    initiatedBy: null,
  });
  return target;
}
