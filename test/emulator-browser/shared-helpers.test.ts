// The one copy of the helpers the browser stand-ins share (emulator/browser/src/shared): Stripe's
// form encoding, read back by the emulator's own parser, and the PCI stripping.
import fc from 'fast-check';
import { describe, expect, test } from 'vitest';
import { parseForm } from '../../emulator/api/form.ts';
import { encodeForm, type FormValue } from '../../emulator/browser/src/shared/form.ts';
import { stripPciFields } from '../../emulator/browser/src/shared/pci.ts';

describe('encodeForm', () => {
  test('bracket notation, as Stripe reads it', () => {
    expect(
      encodeForm({
        spending_controls: { spending_limits: [{ amount: 5000, interval: 'daily', categories: ['bakeries'] }] },
        'expand[]': 'cardholder',
      }),
    ).toBe(
      'spending_controls%5Bspending_limits%5D%5B0%5D%5Bamount%5D=5000&spending_controls%5Bspending_limits%5D%5B0%5D%5Binterval%5D=daily' +
        '&spending_controls%5Bspending_limits%5D%5B0%5D%5Bcategories%5D%5B0%5D=bakeries&expand%5B%5D=cardholder',
    );
  });

  test("an empty list or null is sent as `key=`, which clears it (Stripe's form encoding); undefined is left out", () => {
    const encoded = encodeForm({
      spending_controls: { allowed_categories: [], blocked_categories: ['bakeries'] },
      metadata: null,
      nickname: undefined,
    });
    expect(encoded).toBe(
      'spending_controls%5Ballowed_categories%5D=&spending_controls%5Bblocked_categories%5D%5B0%5D=bakeries&metadata=',
    );
    expect(parseForm(encoded)).toEqual({
      spending_controls: { allowed_categories: '', blocked_categories: ['bakeries'] },
      metadata: '',
    });
  });

  test('whatever it encodes, the emulator parses back (strings, numbers, nested objects and lists)', () => {
    const key = fc.stringMatching(/^[a-z][a-z_]{0,11}$/);
    const leaf = fc.oneof(
      fc.string({ minLength: 1, maxLength: 12 }),
      fc.integer({ min: 0, max: 1_000_000 }).map(String),
    );
    const value: fc.Arbitrary<FormValue> = fc.letrec<{ node: FormValue }>((tie) => ({
      node: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('node'), { minLength: 1, maxLength: 3 }),
        fc.dictionary(key, tie('node'), { minKeys: 1, maxKeys: 3 }),
      ),
    })).node;
    fc.assert(
      fc.property(fc.dictionary(key, value, { minKeys: 1, maxKeys: 4 }), (params) => {
        expect(parseForm(encodeForm(params))).toEqual(params);
      }),
      { numRuns: 300 },
    );
  });
});

test('stripPciFields drops number, CVC and PIN and leaves the card otherwise as it was', () => {
  const card = {
    id: 'ic_1',
    last4: '4242',
    number: '4242424242424242',
    cvc: '123',
    pin: { number: '1234', status: 'active' },
    exp_month: 1,
  };
  const stripped = stripPciFields(card);
  expect(stripped).toEqual({ id: 'ic_1', last4: '4242', pin: { status: 'active' }, exp_month: 1 });
  expect(card.number).toBe('4242424242424242'); // a copy: the original is untouched
  expect(card.pin.number).toBe('1234');
});
