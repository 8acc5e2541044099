// Stripe's requirement names in words a platform admin understands (shared/account-requirements.ts).
import { describe, expect, test } from 'vitest';
import { describeRequirement, describeRequirements } from '../../shared/account-requirements.ts';

describe('requirements in words', () => {
  test.each([
    ['individual.dob.day', 'Account owner: date of birth'],
    ['individual.id_number', 'Account owner: ID number (SSN)'],
    ['individual.verification.document', 'Account owner: identity could not be verified: an ID document is needed'],
    ['representative.address.line1', 'Company representative: home address'],
    ['company.tax_id', 'Company tax ID (EIN)'],
    ['settings.card_issuing.tos_acceptance.ip', 'Acceptance of the Stripe Issuing terms (date and IP address)'],
    ['tos_acceptance.date', 'Acceptance of the Stripe services agreement (date and IP address)'],
    ['business_profile.url', 'Business website or product description'],
    ['some.future.requirement', 'some.future.requirement'],
  ])('%s', (field, words) => {
    expect(describeRequirement(field)).toBe(words);
  });

  test('several fields of one thing read as one line, in Stripe’s order', () => {
    expect(
      describeRequirements([
        'individual.dob.day',
        'individual.dob.month',
        'individual.dob.year',
        'settings.card_issuing.tos_acceptance.date',
        'settings.card_issuing.tos_acceptance.ip',
      ]),
    ).toEqual(['Account owner: date of birth', 'Acceptance of the Stripe Issuing terms (date and IP address)']);
  });
});
