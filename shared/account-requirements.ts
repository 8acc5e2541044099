// Stripe's requirement names (an account's `requirements.currently_due`, e.g.
// `individual.dob.day`, `settings.card_issuing.tos_acceptance.date`) in words a platform admin
// understands. The names are Stripe's (https://docs.stripe.com/issuing/connect, "Collect and
// verify required information"; https://docs.stripe.com/connect/required-verification-information);
// several fields of one thing (day, month and year of a birth date) read as one line.

const WHO: Record<string, string> = {
  individual: 'Account owner',
  representative: 'Company representative',
  owners: 'Company owners',
  directors: 'Company directors',
  executives: 'Company executives',
};

const PERSON_FIELDS: Array<[RegExp, string]> = [
  [/^address\./, 'home address'],
  [/^dob\./, 'date of birth'],
  [/^email$/, 'email address'],
  [/^first_name$/, 'first name'],
  [/^last_name$/, 'last name'],
  [/^phone$/, 'phone number'],
  [/^(id_number|ssn_last_4)$/, 'ID number (SSN)'],
  [/^relationship\.title$/, 'job title'],
  [/^verification\.(document|additional_document)$/, 'identity could not be verified: an ID document is needed'],
];

const FIXED: Array<[RegExp, string]> = [
  [/^business_type$/, 'Business type (individual or company)'],
  [/^business_profile\.mcc$/, 'Business category (merchant category code)'],
  [/^business_profile\.(url|product_description)$/, 'Business website or product description'],
  [/^business_profile\.estimated_worker_count$/, 'Estimated number of workers'],
  [/^business_profile\.annual_revenue/, 'Annual revenue'],
  [/^company\.name$/, 'Company legal name'],
  [/^company\.address\./, 'Company address'],
  [/^company\.tax_id$/, 'Company tax ID (EIN)'],
  [/^company\.phone$/, 'Company phone number'],
  [
    /^company\.(owners|directors|executives)_provided$/,
    'Confirmation that all owners, directors and executives are provided',
  ],
  [/^company\.verification\.document$/, 'Company verification document'],
  [/^settings\.card_issuing\.tos_acceptance\./, 'Acceptance of the Stripe Issuing terms (date and IP address)'],
  [/^tos_acceptance\./, 'Acceptance of the Stripe services agreement (date and IP address)'],
  // Card payments need one too (docs.stripe.com/connect/required-verification-information).
  [/^external_account$/, 'A bank account for payouts and card payments'],
];

/** One requirement in words; unknown names are shown as Stripe spells them. */
export function describeRequirement(field: string): string {
  for (const [pattern, words] of FIXED) if (pattern.test(field)) return words;
  const dot = field.indexOf('.');
  const who = dot > 0 ? WHO[field.slice(0, dot).replace(/^person_[A-Za-z0-9]+$/, 'representative')] : undefined;
  if (who) {
    const rest = field.slice(dot + 1);
    for (const [pattern, words] of PERSON_FIELDS) if (pattern.test(rest)) return `${who}: ${words}`;
  }
  return field;
}

/** The requirements in words, each thing once, in Stripe's order. */
export function describeRequirements(fields: readonly string[]): string[] {
  return [...new Set(fields.map(describeRequirement))];
}
