// A connected account's external accounts (bank accounts for payouts): added with a test token or
// Stripe's test numbers, listed, retrieved and deleted under Stripe's rules for a default, never
// showing the full account number; bad input is a 400 naming the parameter.
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { testBankAccount } from '../../shared/stripe-test-onboarding.ts';
import { startEmulator, stripeError, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
let stripe: Stripe;
beforeAll(async () => {
  emu = await startEmulator({ seed: false });
  stripe = emu.stripe();
});
afterAll(() => emu.close());

const US_BANK = testBankAccount('US')!;

function newAccount(country = 'US'): Promise<Stripe.Account> {
  return stripe.accounts.create({ type: 'custom', country, capabilities: { card_payments: { requested: true } } });
}

describe('external accounts', () => {
  it('round-trips a bank account with Stripe’s test numbers, showing only the last four digits', async () => {
    const account = await newAccount();
    const added = (await stripe.accounts.createExternalAccount(account.id, {
      external_account: { ...US_BANK, account_holder_name: 'Ada Byron', account_holder_type: 'individual' },
      metadata: { purpose: 'payouts' },
    })) as Stripe.BankAccount;
    expect(added).toMatchObject({
      object: 'bank_account',
      account: account.id,
      country: 'US',
      currency: 'usd',
      last4: '6789',
      routing_number: '110000000',
      bank_name: 'STRIPE TEST BANK',
      default_for_currency: true,
      account_holder_name: 'Ada Byron',
      metadata: { purpose: 'payouts' },
      status: 'new',
    });
    expect(added.id).toMatch(/^ba_/);
    expect(added.fingerprint).toEqual(expect.any(String));
    expect(await stripe.accounts.retrieveExternalAccount(account.id, added.id)).toMatchObject({ id: added.id });
    const listed = await stripe.accounts.listExternalAccounts(account.id, { object: 'bank_account' });
    expect(listed.data.map((e) => e.id)).toEqual([added.id]);
    expect((await stripe.accounts.listExternalAccounts(account.id, { object: 'card' })).data).toEqual([]);
    const retrieved = await stripe.accounts.retrieve(account.id);
    expect(retrieved.external_accounts?.data.map((e) => e.id)).toEqual([added.id]);
    for (const body of [added, listed, retrieved]) expect(JSON.stringify(body)).not.toContain(US_BANK.account_number);

    const events = await stripe.events.list(
      { type: 'account.external_account.created' },
      { stripeAccount: account.id },
    );
    expect(events.data.map((e) => (e.data.object as { id: string }).id)).toEqual([added.id]);
  });

  it('takes the test token btok_us_verified, and a GB sort code and account number on a GB account', async () => {
    const us = await newAccount();
    const fromToken = await stripe.accounts.createExternalAccount(us.id, { external_account: 'btok_us_verified' });
    expect(fromToken).toMatchObject({ country: 'US', currency: 'usd', last4: '6789' });
    const gb = await newAccount('GB');
    const sortCode = await stripe.accounts.createExternalAccount(gb.id, { external_account: testBankAccount('GB')! });
    expect(sortCode).toMatchObject({ country: 'GB', currency: 'gbp', last4: '2345', routing_number: '108800' });
  });

  it('keeps the first of a currency the default; deleting the default of the account’s currency is refused', async () => {
    const account = await newAccount();
    const first = await stripe.accounts.createExternalAccount(account.id, { external_account: US_BANK });
    const second = (await stripe.accounts.createExternalAccount(account.id, {
      external_account: { ...US_BANK, account_number: '000111111116' },
    })) as Stripe.BankAccount;
    expect(second.default_for_currency).toBe(false);
    const refused = await stripeError(() => stripe.accounts.deleteExternalAccount(account.id, first.id));
    expect(refused.statusCode).toBe(400);
    expect(refused.message).toMatch(/default external account/);
    const deleted = await stripe.accounts.deleteExternalAccount(account.id, second.id);
    expect(deleted).toMatchObject({ id: second.id, deleted: true });
    expect((await stripe.accounts.listExternalAccounts(account.id)).data.map((e) => e.id)).toEqual([first.id]);
    const gone = await stripeError(() => stripe.accounts.retrieveExternalAccount(account.id, second.id));
    expect(gone.statusCode).toBe(404);
  });

  it('on an account update, the new bank account replaces the default of its currency', async () => {
    const account = await newAccount();
    const first = await stripe.accounts.createExternalAccount(account.id, { external_account: US_BANK });
    const updated = await stripe.accounts.update(account.id, {
      external_account: { ...US_BANK, account_number: '000222222227' },
    });
    const data = updated.external_accounts?.data ?? [];
    expect(data).toHaveLength(1);
    expect(data[0]).toMatchObject({ last4: '2227', default_for_currency: true });
    expect(data[0]!.id).not.toBe(first.id);
  });

  it('refuses bad input with a 400 naming the parameter, never repeating the account number', async () => {
    const account = await newAccount();
    const attempts: Array<[unknown, string, RegExp?]> = [
      ['btok_unknown', 'external_account', /No such token/],
      [{ ...US_BANK, routing_number: '11000000' }, 'external_account[routing_number]', /9 digits/],
      [{ ...US_BANK, account_number: '12' }, 'external_account[account_number]'],
      [{ ...US_BANK, currency: undefined }, 'external_account[currency]'],
      [testBankAccount('GB'), 'external_account[currency]', /in gbp to a bank account in GB/],
      [{ object: 'card', number: '4000056655665556', exp_month: 1, exp_year: 2040 }, 'external_account[object]'],
    ];
    for (const [external_account, param, message] of attempts) {
      const error = await stripeError(() =>
        stripe.accounts.createExternalAccount(account.id, { external_account } as never),
      );
      expect(error.statusCode, param).toBe(400);
      expect(error.param).toBe(param);
      if (message) expect(error.message).toMatch(message);
      expect(error.message).not.toContain('000123456789');
    }
    const missing = await stripeError(() => stripe.accounts.createExternalAccount(account.id, {} as never));
    expect(missing).toMatchObject({ statusCode: 400, code: 'parameter_missing', param: 'external_account' });
    const onUpdate = await stripeError(() =>
      stripe.accounts.update(account.id, { external_account: { ...US_BANK, routing_number: '1' } }),
    );
    expect(onUpdate.param).toBe('external_account[routing_number]');
    // Nothing was added by the refused requests.
    expect((await stripe.accounts.listExternalAccounts(account.id)).data).toEqual([]);
    const unknownAccount = await stripeError(() =>
      stripe.accounts.createExternalAccount('acct_doesnotexist', { external_account: US_BANK }),
    );
    expect(unknownAccount.statusCode).toBe(404);
    const self = await stripeError(() =>
      stripe.accounts.createExternalAccount(account.id, { external_account: US_BANK }, { stripeAccount: account.id }),
    );
    expect(self.statusCode).toBe(403);
  });
});
