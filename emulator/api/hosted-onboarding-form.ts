// The form of the emulator's hosted onboarding page (./hosted-onboarding.ts): which fields it asks
// for, what it prefills, how a submission becomes the onboarding parameters of
// ./account-onboarding.ts, and the HTML. Plain server-rendered HTML that works without
// JavaScript; every value rendered is escaped.
//
// What it asks for follows Stripe's hosted onboarding: "a form for inputting outstanding
// requirements" (`account_onboarding`: the account's `requirements.currently_due`, or
// `eventually_due` with `collection_options.fields=eventually_due`), and for `account_update` the
// information already provided, to edit (https://docs.stripe.com/api/account_links/create). "The
// Connect onboarding flow doesn't ask your connected account for any information that you
// prefilled" (https://docs.stripe.com/connect/marketplace/tasks/onboard).
//
// Prefilled values are the account's own, else Stripe's documented test values
// (https://docs.stripe.com/connect/testing: date of birth 1901-01-01 "Successful verification",
// id number 000000000, address line1 `address_full_match`, phone 0000000000, the website
// https://accessible.stripe.com), the same the seed sends (shared/stripe-test-onboarding.ts), so
// that submitting the form as it comes activates the account's capabilities.
//
// The form onboards an individual (business_type `individual`, as Stripe's Issuing sample does):
// a company's representative is a Person (`/v1/accounts/:id/persons`), which the emulator does not
// serve, so it could never be completed here (emulator/README.md).
import type Stripe from 'stripe';
import { onboardingParams, type OnboardingInput } from './account-onboarding.ts';
import { VERIFYING_ID_NUMBER } from './account-requirements.ts';
import { StripeApiError } from './errors.ts';
import { p, validateParams } from './params.ts';
import { TEST_ADDRESS_LINE1, TEST_DOB, TEST_MCC } from '../../shared/stripe-test-onboarding.ts';

// Stripe's documented test values (https://docs.stripe.com/connect/testing): those the seed sends
// (shared/stripe-test-onboarding.ts), and two the seed sets otherwise.
const TEST_PHONE = '0000000000';
const TEST_WEBSITE = 'https://accessible.stripe.com';
const pad = (n: number) => String(n).padStart(2, '0');
/** The date field's form of a date of birth: `YYYY-MM-DD`. */
const dateValue = (dob: { day: number; month: number; year: number }) =>
  `${dob.year}-${pad(dob.month)}-${pad(dob.day)}`;

type Group = 'business' | 'person' | 'terms';

interface FieldDef {
  /** The control's name: Stripe's parameter in bracket notation (the date of birth is one `YYYY-MM-DD` field). */
  name: string;
  label: string;
  group: Group;
  type: 'text' | 'email' | 'tel' | 'url' | 'date' | 'checkbox';
  /** Stripe's requirement names (`requirements.currently_due`) this field provides. */
  provides: readonly string[];
  autocomplete?: string;
  hint?: string;
  /** What the field starts with when the account has no value of its own. */
  testValue?: string;
  /** The account's own value. */
  current?: (account: Stripe.Account) => string | null | undefined;
  /** A better start than the test value when the account has none (the account's email for the person's). */
  suggest?: (account: Stripe.Account) => string | null | undefined;
}

const person = (account: Stripe.Account) => account.individual;
const idGiven = (account: Stripe.Account) =>
  account.individual?.id_number_provided === true || account.individual?.ssn_last_4_provided === true;

const FIELDS: readonly FieldDef[] = [
  {
    name: 'business_profile[mcc]',
    label: 'Merchant category code (MCC)',
    group: 'business',
    type: 'text',
    provides: ['business_profile.mcc'],
    hint: 'Four digits. 5734 is “computer software stores”.',
    testValue: TEST_MCC,
    current: (a) => a.business_profile?.mcc,
  },
  {
    name: 'business_profile[url]',
    label: 'Business website',
    group: 'business',
    type: 'url',
    provides: ['business_profile.url'],
    autocomplete: 'url',
    hint: 'Test value: https://accessible.stripe.com.',
    testValue: TEST_WEBSITE,
    current: (a) => a.business_profile?.url,
  },
  {
    name: 'individual[first_name]',
    label: 'First name',
    group: 'person',
    type: 'text',
    provides: ['individual.first_name'],
    autocomplete: 'given-name',
    testValue: 'Jenny',
    current: (a) => person(a)?.first_name,
  },
  {
    name: 'individual[last_name]',
    label: 'Last name',
    group: 'person',
    type: 'text',
    provides: ['individual.last_name'],
    autocomplete: 'family-name',
    testValue: 'Rosen',
    current: (a) => person(a)?.last_name,
  },
  {
    name: 'individual[email]',
    label: 'Email',
    group: 'person',
    type: 'email',
    provides: ['individual.email'],
    autocomplete: 'email',
    testValue: 'jenny.rosen@example.com',
    current: (a) => person(a)?.email,
    suggest: (a) => a.email,
  },
  {
    name: 'individual[phone]',
    label: 'Phone number',
    group: 'person',
    type: 'tel',
    provides: ['individual.phone'],
    autocomplete: 'tel',
    hint: 'Test value: 0000000000.',
    testValue: TEST_PHONE,
    current: (a) => person(a)?.phone,
  },
  {
    name: 'individual[dob]',
    label: 'Date of birth',
    group: 'person',
    type: 'date',
    provides: ['individual.dob.day', 'individual.dob.month', 'individual.dob.year', 'individual.verification.document'],
    autocomplete: 'bday',
    hint: 'YYYY-MM-DD. In test mode 1901-01-01 verifies; any other date fails verification.',
    testValue: dateValue(TEST_DOB),
    current: (a) => {
      const dob = person(a)?.dob;
      return dob?.year && dob.month && dob.day
        ? dateValue({ day: dob.day, month: dob.month, year: dob.year })
        : undefined;
    },
  },
  {
    name: 'individual[address][line1]',
    label: 'Street address',
    group: 'person',
    type: 'text',
    provides: ['individual.address.line1'],
    autocomplete: 'address-line1',
    hint: 'In test mode address_full_match verifies the address.',
    testValue: TEST_ADDRESS_LINE1,
    current: (a) => person(a)?.address?.line1,
  },
  {
    name: 'individual[address][city]',
    label: 'City',
    group: 'person',
    type: 'text',
    provides: ['individual.address.city'],
    autocomplete: 'address-level2',
    testValue: 'San Francisco',
    current: (a) => person(a)?.address?.city,
  },
  {
    name: 'individual[address][state]',
    label: 'State',
    group: 'person',
    type: 'text',
    provides: ['individual.address.state'],
    autocomplete: 'address-level1',
    testValue: 'CA',
    current: (a) => person(a)?.address?.state,
  },
  {
    name: 'individual[address][postal_code]',
    label: 'ZIP code',
    group: 'person',
    type: 'text',
    provides: ['individual.address.postal_code'],
    autocomplete: 'postal-code',
    testValue: '94103',
    current: (a) => person(a)?.address?.postal_code,
  },
  {
    // Never prefilled from the account: Stripe never returns an id number (`id_number_provided`).
    name: 'individual[id_number]',
    label: 'Social Security number',
    group: 'person',
    type: 'text',
    provides: ['individual.id_number', 'individual.verification.document'],
    autocomplete: 'off',
    hint: 'In test mode 000000000 verifies; any other number fails verification.',
    testValue: VERIFYING_ID_NUMBER,
  },
  {
    name: 'accept_services_agreement',
    label: 'I agree to the Stripe Connected Account Agreement.',
    group: 'terms',
    type: 'checkbox',
    provides: ['tos_acceptance.date', 'tos_acceptance.ip'],
  },
  {
    name: 'accept_issuing_terms',
    label: 'I agree to the Stripe Issuing terms, for cards issued on this account.',
    group: 'terms',
    type: 'checkbox',
    provides: ['settings.card_issuing.tos_acceptance.date', 'settings.card_issuing.tos_acceptance.ip'],
  },
];

const LEGENDS: Record<Group, string> = {
  business: 'Your business',
  person: 'About you, the account’s owner',
  terms: 'Terms',
};

export interface FormPlan {
  /** Whether `business_type` is due: the form sets `individual`. */
  businessType: boolean;
  fields: FieldDef[];
  /** Due requirements this form cannot provide (a company's, documents). */
  unsupported: string[];
}

/** What the form asks for: the fields providing what is due (all of them for `account_update`). */
export function planForm(
  account: Stripe.Account,
  link: { type: 'account_onboarding' | 'account_update'; fields: 'currently_due' | 'eventually_due' },
): FormPlan {
  const requirements = account.requirements;
  const due = new Set([
    ...((link.fields === 'eventually_due' ? requirements?.eventually_due : requirements?.currently_due) ?? []),
    ...(requirements?.past_due ?? []),
  ]);
  const update = link.type === 'account_update';
  // Stripe names the person's fields only once the business type is known; the form sets it
  // (`individual`), so it asks for whatever the person lacks at the same time.
  const personLacking = (f: FieldDef) =>
    due.has('business_type') && f.group === 'person' && !(f.current?.(account) ?? (idGiven(account) ? 'given' : ''));
  const fields = FIELDS.filter((f) =>
    update && f.group !== 'terms' ? true : f.provides.some((requirement) => due.has(requirement)) || personLacking(f),
  );
  const provided = new Set(['business_type', ...fields.flatMap((f) => f.provides)]);
  return {
    businessType: due.has('business_type'),
    fields,
    unsupported: [...due].filter((requirement) => !provided.has(requirement)).sort(),
  };
}

/** The value of `individual[address][line1]` in a qs-parsed body. */
function valueAt(body: unknown, name: string): unknown {
  let node = body;
  for (const key of name.replace(/\]/g, '').split('[')) {
    if (node === null || typeof node !== 'object') return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  return node;
}

function setAt(target: Record<string, unknown>, name: string, value: unknown): void {
  const keys = name.replace(/\]/g, '').split('[');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]!] = value;
}

export interface Submission {
  /** What the user typed, by control name, to render again with the errors. */
  values: Record<string, string>;
  /** Problems by control name. */
  errors: Map<string, string>;
  input?: OnboardingInput;
}

/** Stripe's parameter checks for what the form sends (./account-onboarding.ts's, plus the business profile's). */
const FORM_PARAMS = {
  business_type: p.enum(['individual']),
  business_profile: p.object({ mcc: p.string(), url: p.string() }),
  individual: onboardingParams.individual,
  tos_acceptance: onboardingParams.tos_acceptance,
  settings: onboardingParams.settings,
};

/**
 * Reads a submission of the form `plan` describes. Every shown field is required; terms are
 * accepted with the time and address of the request, as a platform records them
 * (https://docs.stripe.com/connect/updating-service-agreements#tracking-acceptance).
 */
export function readSubmission(
  plan: FormPlan,
  body: unknown,
  acceptance: { date: number; ip: string; userAgent: string | undefined },
): Submission {
  const values: Record<string, string> = {};
  const errors = new Map<string, string>();
  const raw: Record<string, unknown> = {};
  if (plan.businessType) raw.business_type = 'individual';
  const terms = { date: String(acceptance.date), ip: acceptance.ip, user_agent: acceptance.userAgent ?? '' };
  for (const field of plan.fields) {
    const given = valueAt(body, field.name);
    const text = typeof given === 'string' ? given.trim() : '';
    values[field.name] = text;
    if (field.type === 'checkbox') {
      if (text !== 'yes') errors.set(field.name, `Tick “${field.label}” to continue.`);
      else if (field.name === 'accept_services_agreement') raw.tos_acceptance = terms;
      else raw.settings = { card_issuing: { tos_acceptance: terms } };
      continue;
    }
    if (text === '') {
      errors.set(field.name, `Enter your ${field.label.toLowerCase()}.`);
      continue;
    }
    if (field.type === 'date') {
      const match = /^(\d{4})-(\d{2})-(\d{2})$/.exec(text);
      if (!match) errors.set(field.name, 'Enter the date of birth as YYYY-MM-DD.');
      else setAt(raw, field.name, { year: match[1], month: match[2], day: match[3] });
      continue;
    }
    if (field.name === 'business_profile[mcc]' && !/^\d{4}$/.test(text)) {
      errors.set(field.name, 'Enter a merchant category code of four digits.');
      continue;
    }
    if (field.type === 'url' && !/^https?:\/\/[^\s/]+/i.test(text)) {
      errors.set(field.name, 'Enter the website’s full address, starting with https://.');
      continue;
    }
    setAt(raw, field.name, text);
  }
  if (errors.size > 0) return { values, errors };
  try {
    return { values, errors, input: validateParams(FORM_PARAMS, raw) };
  } catch (error) {
    if (!(error instanceof StripeApiError)) throw error;
    // Stripe's message, next to the field its `param` names (`individual[dob][year]` → the date of birth).
    const param = error.body.param ?? '';
    const field = plan.fields.find((f) => param === f.name || param.startsWith(`${f.name}[`));
    errors.set(field?.name ?? '', error.message);
    return { values, errors };
  }
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };
/** Text and attribute values alike. */
export function escapeHtml(value: string): string {
  return value.replace(/[&<>"']/g, (c) => ESCAPES[c]!);
}

const idOf = (name: string) => `f-${name.replace(/[^a-z0-9]+/gi, '-').replace(/-$/, '')}`;

function renderField(field: FieldDef, value: string, error: string | undefined): string {
  const id = idOf(field.name);
  const described = [field.hint ? `${id}-hint` : '', error ? `${id}-error` : ''].filter(Boolean).join(' ');
  const hint = field.hint ? `<p class="hint" id="${id}-hint">${escapeHtml(field.hint)}</p>` : '';
  const problem = error ? `<p class="error" id="${id}-error">${escapeHtml(error)}</p>` : '';
  const aria = `${described ? ` aria-describedby="${described}"` : ''}${error ? ' aria-invalid="true"' : ''}`;
  if (field.type === 'checkbox') {
    return `<div class="check"><input type="checkbox" id="${id}" name="${escapeHtml(field.name)}" value="yes" required${value === 'yes' ? ' checked' : ''}${aria}><label for="${id}">${escapeHtml(field.label)}</label>${problem}</div>`;
  }
  const autocomplete = field.autocomplete ? ` autocomplete="${field.autocomplete}"` : '';
  return `<div class="field"><label for="${id}">${escapeHtml(field.label)}</label>${hint}<input type="${field.type}" id="${id}" name="${escapeHtml(field.name)}" value="${escapeHtml(value)}" required${autocomplete}${aria}>${problem}</div>`;
}

export interface PageInput {
  account: Stripe.Account;
  platformName: string;
  plan: FormPlan;
  /** Where the form posts (this page's path). */
  action: string;
  formToken: string;
  returnUrl: string;
  /** A submission to show again, with its errors. */
  submission?: Submission;
}

const STYLE = `body{font:16px/1.5 system-ui,sans-serif;margin:0;background:#f6f8fa;color:#1a1f36}
main{max-width:36rem;margin:0 auto;padding:1.5rem}.banner{background:#fff4d6;border:1px solid #e5b800;padding:.5rem .75rem;border-radius:6px;font-size:.9rem}
fieldset{border:1px solid #c9ced8;border-radius:8px;margin:1rem 0;padding:.75rem 1rem;background:#fff}legend{font-weight:600;padding:0 .25rem}
.field{margin:.75rem 0}.field label{display:block;font-weight:500}.field input{width:100%;box-sizing:border-box;padding:.45rem;font:inherit;border:1px solid #8792a2;border-radius:4px}
.hint{margin:.1rem 0 .25rem;color:#4f566b;font-size:.875rem}.error{color:#b3093c;font-weight:500;margin:.25rem 0}.check{display:flex;flex-wrap:wrap;gap:.5rem;margin:.75rem 0;align-items:baseline}.check .error{flex-basis:100%}
.summary{border:2px solid #b3093c;background:#fff;padding:.5rem 1rem;border-radius:8px}
button{font:inherit;font-weight:600;padding:.6rem 1.2rem;background:#635bff;color:#fff;border:0;border-radius:6px;cursor:pointer}
:focus-visible{outline:3px solid #1a73e8;outline-offset:2px}[aria-invalid=true]{border-color:#b3093c}`;

/** The whole page. */
export function renderPage(input: PageInput): string {
  const { account, plan, submission } = input;
  const name = account.business_profile?.name ?? account.email ?? account.id;
  const valueOf = (field: FieldDef): string =>
    submission?.values[field.name] ??
    (field.type === 'checkbox' ? '' : (field.current?.(account) ?? field.suggest?.(account) ?? field.testValue ?? ''));
  const errors = submission?.errors ?? new Map<string, string>();
  const summary =
    errors.size > 0
      ? `<div class="summary" role="alert" tabindex="-1"><h2>Some details need your attention</h2><ul>${[...errors]
          .map(([field, message]) =>
            field ? `<li><a href="#${idOf(field)}">${escapeHtml(message)}</a></li>` : `<li>${escapeHtml(message)}</li>`,
          )
          .join('')}</ul></div>`
      : '';
  const groups = (['business', 'person', 'terms'] as const)
    .map((group) => {
      const fields = plan.fields.filter((f) => f.group === group);
      const businessType =
        group === 'business' && plan.businessType
          ? '<input type="hidden" name="business_type" value="individual"><p>Business type: <strong>Individual</strong> (sole proprietor).</p>'
          : '';
      if (fields.length === 0 && !businessType) return '';
      return `<fieldset><legend>${LEGENDS[group]}</legend>${businessType}${fields
        .map((f) => renderField(f, valueOf(f), errors.get(f.name)))
        .join('')}</fieldset>`;
    })
    .join('');
  const unsupported =
    plan.unsupported.length > 0
      ? `<p>This emulated form cannot collect: ${plan.unsupported.map((r) => `<code>${escapeHtml(r)}</code>`).join(', ')}. Provide them through the Accounts API.</p>`
      : '';
  const nothing =
    plan.fields.length === 0 && !plan.businessType
      ? `<p>${escapeHtml(name)} has nothing left to provide.</p>`
      : '<p>Check the details below (prefilled with Stripe’s test values where the account has none), then submit them.</p>';
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin">
<title>Set up ${escapeHtml(name)} · Stripe emulator</title><style>${STYLE}</style></head>
<body><main>
<p class="banner">Stripe emulator, test mode: the stand-in for Stripe’s hosted onboarding. ${escapeHtml(input.platformName)} sent you here to finish setting up this account.</p>
<h1>Set up ${escapeHtml(name)}</h1>
${summary}${nothing}${unsupported}
<form method="post" action="${escapeHtml(input.action)}">
<input type="hidden" name="form_token" value="${escapeHtml(input.formToken)}">
${groups}
<p><button type="submit">${plan.fields.length === 0 && !plan.businessType ? 'Continue' : 'Submit'}</button></p>
</form>
<p><a href="${escapeHtml(input.returnUrl)}">Return to ${escapeHtml(input.platformName)} without submitting</a></p>
</main></body></html>`;
}

/** A page with one message (an invalid link, a refused request). */
export function renderMessage(title: string, message: string): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1"><meta name="referrer" content="same-origin">
<title>${escapeHtml(title)} · Stripe emulator</title><style>${STYLE}</style></head>
<body><main><h1>${escapeHtml(title)}</h1><p>${escapeHtml(message)}</p></main></body></html>`;
}
