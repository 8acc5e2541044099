// What a request that fails its route's schema is told: a sentence a person could have written,
// naming the field as the form labels it ("Email is too short (at least 3 characters).", not
// "email must NOT have fewer than 3 characters"), and the field's API name kept for the client
// (`field`: `individual.first_name`), which shows the sentence next to that input. Ajv's own
// messages never reach the answer. A small mapping rather than ajv-errors (which needs
// `allErrors` and a message written into every schema) or ajv-i18n (Ajv's wording, translated):
// docs/decisions/165-enrolment-and-messages.md.

/** The part of an Ajv error this reads (Fastify hands them over as `err.validation`). */
export interface AjvError {
  instancePath?: string;
  keyword?: string;
  params?: Record<string, unknown>;
}

type ValidationContext = 'body' | 'querystring' | 'params' | 'headers';

type Schema = {
  title?: unknown;
  type?: unknown;
  format?: unknown;
  pattern?: unknown;
  const?: unknown;
  enum?: unknown;
  anyOf?: unknown;
  oneOf?: unknown;
  properties?: Record<string, Schema>;
  items?: Schema;
  [key: string]: unknown;
};

/**
 * The labels the app's forms give API fields whose name does not say it (by dotted path, then by
 * last segment). A schema's `title` comes first; any other field is its name in words
 * (`postal_code`: "Postal code").
 */
const LABELS: Record<string, string> = {
  'billing.address.line1': 'Billing address',
  'billing.address.line2': 'Address line 2',
  'billing.address.state': 'State or region',
  encrypted_number: 'Encrypted PIN',
  token: 'Invitation link',
  q: 'Search',
  last4: 'Last four digits',
  phone_number: 'Phone number',
  request_id: 'Request ID',
  code: 'Code',
};

/** Every keyword the app's route schemas use has its sentence here (test/server/validation-messages.test.ts). */
export const DESCRIBED_KEYWORDS = [
  'required',
  'additionalProperties',
  'minProperties',
  'maxProperties',
  'type',
  'minLength',
  'maxLength',
  'pattern',
  'format',
  'const',
  'enum',
  'anyOf',
  'oneOf',
  'minimum',
  'maximum',
  'exclusiveMinimum',
  'exclusiveMaximum',
  'multipleOf',
  'minItems',
  'maxItems',
  'uniqueItems',
] as const;

const WHOLE = { body: 'The request body', querystring: 'The query string', params: 'The address', headers: 'A header' };

const TYPE_WORDS: Record<string, string> = {
  string: 'text',
  integer: 'a whole number',
  number: 'a number',
  boolean: 'true or false',
  array: 'a list',
  object: 'a set of fields',
  null: 'empty',
};

const FORMAT_WORDS: Record<string, string> = {
  'date-time': 'a date and time, like 2026-01-31T09:00:00Z',
  date: 'a date, like 2026-01-31',
  time: 'a time, like 09:00:00Z',
  uri: 'a web address, like https://example.com',
  url: 'a web address, like https://example.com',
  uuid: 'an identifier like 123e4567-e89b-12d3-a456-426614174000',
};

const EMAIL_SENTENCE = 'Enter an email address, like name@example.com.';

const segmentsOf = (instancePath: string) =>
  instancePath
    .split('/')
    .filter(Boolean)
    .map((s) => s.replaceAll('~1', '/').replaceAll('~0', '~'));

/** The schema of the value at `segments` under `schema` (the first branch of a union that has it). */
function schemaAt(schema: Schema | undefined, segments: readonly string[]): Schema | undefined {
  let node = schema;
  for (const segment of segments) {
    if (!node) return undefined;
    const branches = [node, ...((node.anyOf ?? node.oneOf ?? []) as Schema[])];
    node = branches.map((b) => b.properties?.[segment] ?? (/^\d+$/.test(segment) ? b.items : undefined)).find(Boolean);
  }
  return node;
}

function valueAt(data: unknown, segments: readonly string[]): unknown {
  let value = data;
  for (const segment of segments) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[segment];
  }
  return value;
}

function words(name: string): string {
  const spaced = name
    .replace(/([a-z])([A-Z])/g, '$1 $2')
    .replaceAll('_', ' ')
    .trim()
    .toLowerCase()
    .replace(/\bid\b/g, 'ID');
  return spaced.charAt(0).toUpperCase() + spaced.slice(1);
}

/** The kind of object an id of the app's schemas names, by its prefix (`ic_1A2b…`: a card). */
const ID_NOUNS: Record<string, string> = {
  acct_: 'Account',
  ic_: 'Card',
  ich_: 'Cardholder',
  iauth_: 'Authorization',
  usr_: 'User',
  sf_: 'Second factor',
};

const idPrefix = (pattern: unknown) => (typeof pattern === 'string' ? /^\^([a-z]+_)\[/.exec(pattern)?.[1] : undefined);

/** How a field is named to a person: the schema's title, the forms' label, or its name in words. */
function fieldLabel(field: string, schema?: Schema): string {
  if (typeof schema?.title === 'string' && schema.title) return schema.title;
  const last = field.split('.').at(-1) ?? field;
  const noun = last === 'id' ? ID_NOUNS[idPrefix(schema?.pattern) ?? ''] : undefined;
  if (noun) return `${noun} ID`;
  return LABELS[field] ?? LABELS[last] ?? words(last);
}

const isEmailField = (field: string | undefined, schema: Schema | undefined) =>
  (field !== undefined && /(^|[._])email$/.test(field)) ||
  schema?.format === 'email' ||
  (typeof schema?.pattern === 'string' && schema.pattern.includes('@'));

const plural = (n: unknown, one: string) => `${String(n)} ${one}${n === 1 ? '' : 's'}`;

const list = (values: readonly unknown[]) => {
  const shown = values.map((v) => (typeof v === 'string' ? v : JSON.stringify(v)));
  return shown.length <= 1 ? (shown[0] ?? '') : `${shown.slice(0, -1).join(', ')} or ${shown.at(-1)}`;
};

/** What a regular expression asks for, in words after "must", for the shapes the app's schemas use. */
function patternWords(pattern: string): string | undefined {
  const prefix = idPrefix(pattern);
  if (prefix) return `start with ${prefix}, like ${prefix}1A2b3C`;
  const digits = /^\^\[0-9\]\{(\d+)\}\$$/.exec(pattern)?.[1];
  if (digits) return `be ${digits} digits`;
  if (pattern === '^[A-Z]{2}$') return 'be 2 capital letters, like US';
  if (pattern === '^[a-z]{3}$') return 'be 3 small letters, like usd';
  if (pattern.startsWith('^[^\\u0000-\\u001f]')) return 'be text without line breaks or control characters';
  if (/^\^\[A-Za-z0-9_-\]/.test(pattern)) return 'be letters, digits, - and _ only';
  if (/^\^\[a-z0-9_\]/.test(pattern)) return 'be small letters, digits and _ only';
  if (/^\^\[a-z_\]/.test(pattern)) return 'be small letters and _ only';
  return undefined;
}

/** The sentence for one error about `label` (a value that is there, but wrong). */
function sentence(
  error: AjvError,
  label: string,
  field: string | undefined,
  schema: Schema | undefined,
  value: unknown,
) {
  const p = error.params ?? {};
  const empty = value === undefined || value === '' || (typeof value === 'string' && value.trim() === '');
  switch (error.keyword) {
    case 'type': {
      const types = Array.isArray(p.type) ? p.type.map(String) : typeof p.type === 'string' ? p.type.split(',') : [];
      return `${label} must be ${list(types.map((t) => TYPE_WORDS[t] ?? t))}.`;
    }
    case 'minLength':
      if (empty) return isEmailField(field, schema) ? EMAIL_SENTENCE : `${label} is required.`;
      return `${label} is too short (at least ${plural(p.limit, 'character')}).`;
    case 'maxLength':
      return `${label} is too long (at most ${plural(p.limit, 'character')}).`;
    case 'pattern': {
      if (isEmailField(field, schema)) return EMAIL_SENTENCE;
      if (empty) return `${label} is required.`;
      const shape = typeof p.pattern === 'string' ? patternWords(p.pattern) : undefined;
      return shape ? `${label} must ${shape}.` : `${label} is not in the expected form.`;
    }
    case 'format': {
      if (p.format === 'email') return EMAIL_SENTENCE;
      const shape = FORMAT_WORDS[String(p.format)];
      return shape ? `${label} must be ${shape}.` : `${label} is not a valid ${String(p.format)}.`;
    }
    case 'const':
      return `${label} must be ${list([p.allowedValue])}.`;
    case 'enum':
      return `${label} must be one of ${list((p.allowedValues as unknown[]) ?? [])}.`;
    case 'anyOf':
    case 'oneOf': {
      const branches = ((schema?.anyOf ?? schema?.oneOf ?? []) as Schema[]).filter(Boolean);
      const consts = branches.filter((b) => 'const' in b).map((b) => b.const);
      if (consts.length > 0 && consts.length === branches.length) return `${label} must be one of ${list(consts)}.`;
      return `${label} is not one of the accepted kinds of value.`;
    }
    case 'minimum':
      return `${label} must be at least ${String(p.limit)}.`;
    case 'maximum':
      return `${label} must be at most ${String(p.limit)}.`;
    case 'exclusiveMinimum':
      return `${label} must be more than ${String(p.limit)}.`;
    case 'exclusiveMaximum':
      return `${label} must be less than ${String(p.limit)}.`;
    case 'multipleOf':
      return `${label} must be a multiple of ${String(p.multipleOf)}.`;
    case 'minItems':
      return `Choose at least ${plural(p.limit, 'item')} for ${label.toLowerCase()}.`;
    case 'maxItems':
      return `${label} has too many items (at most ${String(p.limit)}).`;
    case 'uniqueItems':
      return `${label} lists the same item twice.`;
    default:
      return `${label} is not valid.`;
  }
}

/**
 * The error to describe: Ajv (with `allErrors` off) stops at the first failure, but a failed
 * `anyOf` comes after the errors of each of its branches, and only it says what was allowed.
 */
function chosen(errors: readonly AjvError[]): AjvError {
  return errors.find((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf') ?? errors[0] ?? {};
}

/**
 * The answer to a request its route's schema refused: the field at fault (its API name, dotted)
 * and a sentence about it. `schema` is the route's schema for `context`, `data` the request's
 * value there (read to tell an empty value from a wrong one; never quoted back).
 */
export function describeValidation(
  errors: readonly AjvError[],
  context: ValidationContext | undefined,
  schema: unknown,
  data: unknown,
): { field?: string; message: string } {
  const error = chosen(errors);
  const segments = segmentsOf(error.instancePath ?? '');
  const root = schema as Schema | undefined;
  const p = error.params ?? {};

  if (error.keyword === 'required' && typeof p.missingProperty === 'string') {
    const path = [...segments, p.missingProperty];
    const field = path.join('.');
    const target = schemaAt(root, path);
    return {
      field,
      message: isEmailField(field, target) ? EMAIL_SENTENCE : `${fieldLabel(field, target)} is required.`,
    };
  }
  if (error.keyword === 'additionalProperties' && typeof p.additionalProperty === 'string') {
    const field = [...segments, p.additionalProperty].join('.');
    return { field, message: `“${field}” is not a field this request takes: leave it out.` };
  }
  if (segments.length === 0) {
    const whole = WHOLE[context ?? 'body'];
    if (error.keyword === 'type') return { message: `${whole} must be ${TYPE_WORDS[String(p.type)] ?? 'valid'}.` };
    if (error.keyword === 'minProperties')
      return { message: `${whole} is empty: send at least ${plural(p.limit, 'field')} to change.` };
    if (error.keyword === 'maxProperties')
      return { message: `${whole} has too many fields (at most ${String(p.limit)}).` };
    return { message: `${whole} is not valid.` };
  }
  const field = segments.join('.');
  const target = schemaAt(root, segments);
  const label = fieldLabel(field, target);
  if (error.keyword === 'minProperties' || error.keyword === 'maxProperties')
    return { field, message: `${label} ${error.keyword === 'minProperties' ? 'needs more' : 'has too many'} fields.` };
  return { field, message: sentence(error, label, field, target, valueAt(data, segments)) };
}
