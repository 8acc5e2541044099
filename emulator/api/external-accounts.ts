// A connected account's external accounts: the bank accounts Stripe pays out to
// (https://docs.stripe.com/api/external_account_bank_accounts). They live on the Account object
// (`external_accounts`, newest first) and are given as `external_account` on account create or
// update, or with `POST /v1/accounts/:id/external_accounts`: a token, or a bank account dictionary
// (`object: 'bank_account'`, `country`, `currency`, `account_number`, `routing_number`).
//
// Secrets stay out, as on Stripe: the account number becomes `last4` and a `fingerprint`; the full
// number is neither kept nor echoed, not even in an error message.
//
// - Test numbers (https://docs.stripe.com/connect/testing#account-numbers): US routing number
//   `110000000` ("STRIPE TEST BANK", stripe/openapi fixtures3.json `bank_account`) with account
//   number `000123456789`; GB sort code `108800` with account number `00012345`
//   (stripe-samples/issuing-treasury `add_external_account.ts`). The numbers Stripe documents for
//   failing payouts attach like any other: payouts are not modelled.
// - Tokens: `btok_us_verified` ("Successful", https://docs.stripe.com/connect/testing), the US
//   test bank account; any other token is unknown ("No such token").
// - Default for its currency: "If the bank account's owner has no other external account in the
//   bank account's currency, the new bank account will become the default for that currency.
//   However, if the owner already has a bank account for that currency, the new account will
//   become the default only if the default_for_currency parameter is set to true"
//   (docs.stripe.com/api/external_account_bank_accounts/create). Given on account create/update,
//   "providing an external account sets it as the new default external account for its currency,
//   and deletes the old default if one exists" (docs.stripe.com/api/accounts/update#update_account-external_account).
// - Deleting: "You cannot delete a bank account if any of the following apply: The bank account's
//   currency is the same as the connected account's default_currency. There is another external
//   account (card or bank account) with the same currency as the bank account" — for the one with
//   `default_for_currency` (docs.stripe.com/api/external_account_bank_accounts/delete).
// - Which bank accounts an account can have: Stripe's Country Specs
//   `supported_bank_account_currencies` (userdashboard/stripe-connect `stripe-country-specs.json`):
//   a US account `usd` in the US; a UK or EEA account `gbp` in GB, `eur` in the UK and the EEA,
//   `usd` in the US.
// - Debit cards (`object: 'card'`, card tokens) are not modelled: a 400 naming `external_account[object]`.
import { createHash } from 'node:crypto';
import type Stripe from 'stripe';
import { invalidParam, invalidRequest, missingParameter, resourceMissing } from './errors.ts';
import { cryptoRandom, newId, type RandomSource } from './ids.ts';
import { mergeMetadata } from './params.ts';

/** The US test bank account behind `btok_us_verified`. */
const TEST_TOKENS: Record<string, BankAccountDetails> = {
  btok_us_verified: { country: 'US', currency: 'usd', routing_number: '110000000', account_number: '000123456789' },
};

const STRIPE_TEST_ROUTING_NUMBER = '110000000';

/** Euro bank accounts a UK or EEA account may pay out to (Country Specs, `eur`). */
const EUR_BANK_COUNTRIES = new Set(
  'AT BE CH DE DK EE ES FI FR GB GR IE IT LT LU LV NL NO PL PT SE SI SK CY HR MT'.split(' '),
);
const UK_AND_EEA_ACCOUNTS = new Set('GB AT BE CY DE EE ES FI FR GR HR IE IT LT LU LV MT NL PT SI SK'.split(' '));

interface BankAccountDetails {
  country: string;
  currency: string;
  account_number: string;
  routing_number?: string;
  account_holder_name?: string;
  account_holder_type?: string;
}

export interface ExternalAccountOptions {
  /** `default_for_currency` as given (create endpoint). */
  defaultForCurrency?: boolean;
  /** Account create/update: the new one replaces the default of its currency, which is deleted. */
  replaceDefault?: boolean;
  metadata?: Record<string, string | null> | null;
}

type BankAccount = Stripe.BankAccount;

const param = (name: string) => `external_account[${name}]`;

/** The bank account a validated `external_account` parameter describes (no side effects). */
function bankAccountDetails(value: unknown): BankAccountDetails {
  if (typeof value === 'string') {
    const details = TEST_TOKENS[value];
    if (!details) throw resourceMissing('token', value, 'external_account', 400);
    return details;
  }
  if (value === null || typeof value !== 'object') throw missingParameter('external_account');
  const given = value as Record<string, unknown>;
  if (given.object !== 'bank_account') {
    throw invalidParam(
      'The emulator models bank accounts only as external accounts; debit cards (object=card) are not supported.',
      param('object'),
    );
  }
  const text = (name: string): string | undefined => {
    const v = given[name];
    return typeof v === 'string' && v !== '' ? v : undefined;
  };
  const country = text('country')?.toUpperCase();
  if (!country || !/^[A-Z]{2}$/.test(country)) {
    throw invalidParam('Invalid country: use a two-letter country code such as US or GB.', param('country'));
  }
  const currency = text('currency')?.toLowerCase();
  if (!currency) throw missingParameter(param('currency'));
  if (!/^[a-z]{3}$/.test(currency))
    throw invalidParam('Invalid currency: use a three-letter ISO code.', param('currency'));
  const accountNumber = text('account_number')?.replace(/[\s-]/g, '');
  if (!accountNumber) throw missingParameter(param('account_number'));
  const routing = text('routing_number')?.replace(/[\s-]/g, '');
  const details: BankAccountDetails = { country, currency, account_number: accountNumber };
  if (routing !== undefined) details.routing_number = routing;
  const holderName = text('account_holder_name');
  if (holderName !== undefined) details.account_holder_name = holderName;
  const holderType = text('account_holder_type');
  if (holderType !== undefined) details.account_holder_type = holderType;
  checkNumbers(details);
  return details;
}

/** The account and routing numbers' formats per bank country; the messages never repeat the numbers. */
function checkNumbers(bank: BankAccountDetails): void {
  if (bank.country === 'US') {
    if (!bank.routing_number) throw missingParameter(param('routing_number'));
    if (!/^\d{9}$/.test(bank.routing_number))
      throw invalidParam('Routing number must have 9 digits.', param('routing_number'));
    if (!/^\d{4,17}$/.test(bank.account_number))
      throw invalidParam('A US account number has 4 to 17 digits.', param('account_number'));
  } else if (bank.country === 'GB') {
    if (!bank.routing_number) throw missingParameter(param('routing_number'));
    if (!/^\d{6}$/.test(bank.routing_number))
      throw invalidParam('A UK sort code (routing_number) has 6 digits.', param('routing_number'));
    if (!/^\d{8}$/.test(bank.account_number))
      throw invalidParam('A UK account number has 8 digits.', param('account_number'));
  } else if (UK_AND_EEA_ACCOUNTS.has(bank.country)) {
    const iban = bank.account_number.toUpperCase();
    if (!/^[A-Z]{2}\d{2}[A-Z0-9]{11,30}$/.test(iban) || !iban.startsWith(bank.country)) {
      throw invalidParam(
        `A bank account in ${bank.country} is given by its IBAN (starting with ${bank.country}) as account_number.`,
        param('account_number'),
      );
    }
  } else if (!/^[A-Za-z0-9]{4,34}$/.test(bank.account_number)) {
    throw invalidParam('Invalid account number.', param('account_number'));
  }
}

/** Country Specs `supported_bank_account_currencies` for the account's country (see the top). */
function checkSupported(account: Stripe.Account, bank: BankAccountDetails): void {
  const country = account.country ?? 'US';
  const allowed =
    country === 'US'
      ? bank.country === 'US' && bank.currency === 'usd'
      : UK_AND_EEA_ACCOUNTS.has(country)
        ? (bank.currency === 'gbp' && bank.country === 'GB') ||
          (bank.currency === 'eur' && EUR_BANK_COUNTRIES.has(bank.country)) ||
          (bank.currency === 'usd' && bank.country === 'US')
        : bank.country === country;
  if (!allowed) {
    throw invalidParam(
      `An account in ${country} cannot be paid out in ${bank.currency} to a bank account in ${bank.country}.`,
      param('currency'),
    );
  }
}

function fingerprint(bank: BankAccountDetails): string {
  const digest = createHash('sha256')
    .update(`${bank.country}:${bank.routing_number ?? ''}:${bank.account_number}`)
    .digest('base64url');
  return digest.replace(/[-_]/g, '').slice(0, 16);
}

const NO_REQUIREMENTS = { currently_due: [], errors: [], past_due: [], pending_verification: [] };

function externalAccounts(account: Stripe.Account): BankAccount[] {
  return (account.external_accounts?.data ?? []) as BankAccount[];
}

function setExternalAccounts(account: Stripe.Account, data: BankAccount[]): void {
  (account as unknown as { external_accounts: Stripe.ApiList<BankAccount> }).external_accounts = {
    object: 'list',
    data,
    has_more: false,
    url: `/v1/accounts/${account.id}/external_accounts`,
  };
}

/** Whether the account has an external account (what `card_payments` and payouts need). */
export function hasExternalAccount(account: Stripe.Account): boolean {
  return externalAccounts(account).length > 0;
}

/**
 * Validates `value` (a token or a bank account dictionary) and adds it to `account` (in place);
 * returns the new bank account and the default it replaced (deleted), if any. Throws a 400 before
 * changing anything when the input is bad.
 */
export function attachExternalAccount(
  account: Stripe.Account,
  value: unknown,
  options: ExternalAccountOptions,
  random: RandomSource = cryptoRandom,
): { added: BankAccount; deleted?: BankAccount } {
  const bank = bankAccountDetails(value);
  checkSupported(account, bank);
  const existing = externalAccounts(account);
  const sameCurrency = existing.filter((e) => e.currency === bank.currency);
  const oldDefault = sameCurrency.find((e) => e.default_for_currency);
  const makeDefault =
    options.replaceDefault === true || options.defaultForCurrency === true || sameCurrency.length === 0;
  const added: BankAccount = {
    id: newId('ba', random),
    object: 'bank_account',
    account: account.id,
    account_holder_name: bank.account_holder_name ?? null,
    account_holder_type: bank.account_holder_type ?? null,
    account_type: null,
    available_payout_methods: ['standard'],
    bank_name: bank.routing_number === STRIPE_TEST_ROUTING_NUMBER ? 'STRIPE TEST BANK' : null,
    country: bank.country,
    currency: bank.currency,
    default_for_currency: makeDefault,
    fingerprint: fingerprint(bank),
    future_requirements: { ...NO_REQUIREMENTS },
    last4: bank.account_number.slice(-4),
    metadata: mergeMetadata({}, options.metadata),
    requirements: { ...NO_REQUIREMENTS },
    routing_number: bank.routing_number ?? null,
    status: 'new',
  };
  let rest = existing.map((e) =>
    makeDefault && e.currency === bank.currency && e.default_for_currency ? { ...e, default_for_currency: false } : e,
  );
  const deleted = options.replaceDefault && oldDefault ? oldDefault : undefined;
  if (deleted) rest = rest.filter((e) => e.id !== deleted.id);
  setExternalAccounts(account, [added, ...rest]);
  return deleted ? { added, deleted } : { added };
}

export function findExternalAccount(account: Stripe.Account, id: string): BankAccount {
  const found = externalAccounts(account).find((e) => e.id === id);
  if (!found) throw resourceMissing('external account', id, 'id');
  return found;
}

export function listExternalAccounts(account: Stripe.Account): BankAccount[] {
  return externalAccounts(account);
}

/** Removes the external account (in place), under Stripe's rules for a default one. */
export function detachExternalAccount(account: Stripe.Account, id: string): BankAccount {
  const found = findExternalAccount(account, id);
  if (found.default_for_currency) {
    const others = externalAccounts(account).filter((e) => e.id !== id && e.currency === found.currency);
    if (found.currency === account.default_currency || others.length > 0) {
      throw invalidRequest(
        found.currency === account.default_currency
          ? `You cannot delete the default external account for the account's default currency (${found.currency}). Make another external account in ${found.currency} the default with \`default_for_currency\`, then delete this one.`
          : `You cannot delete the default external account for ${found.currency} while the account has another in that currency. Make another one the default with \`default_for_currency\` first.`,
        { param: 'id' },
      );
    }
  }
  setExternalAccounts(
    account,
    externalAccounts(account).filter((e) => e.id !== id),
  );
  return found;
}
