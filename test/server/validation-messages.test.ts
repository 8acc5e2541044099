// A request its route's schema refuses is told so in words a person could have written, naming
// the field as the form labels it, with the field's API name kept for the client (issue 20,
// broken item 5: "email must NOT have fewer than 3 characters"). Each keyword the app's schemas
// use has its sentence; the sweep over every route makes sure no Ajv wording gets through.
import { Ajv } from 'ajv';
import formats from 'ajv-formats';
import { Type } from 'typebox';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { DESCRIBED_KEYWORDS, describeValidation, type AjvError } from '../../server/plugins/app/validation-messages.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/stack.ts';

// The app's Ajv options (server/app.ts).
const ajv = new Ajv({ removeAdditional: false, coerceTypes: 'array', useDefaults: true, allErrors: false });
(((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (a: Ajv) => void)(ajv);

/** What the app would answer for `data` against `schema` (as a body). */
function answer(schema: object, data: unknown) {
  const validate = ajv.compile(schema);
  const copy = structuredClone(data);
  expect(validate(copy)).toBe(false);
  return describeValidation(validate.errors as AjvError[], 'body', schema, copy);
}

/** Ajv's own phrasing, which must never reach a person. */
const AJV_WORDING =
  /must NOT|must match|must have required|must be equal|must be (string|integer|number|boolean|array|object|null)\b|must pass|must be >=|must be <=/;

describe('each keyword reads like a person wrote it and names the field', () => {
  const Email = Type.String({ minLength: 3, maxLength: 254, pattern: '^[^\\s@]+@[^\\s@]+$' });
  test.each([
    [
      'minLength',
      Type.Object({ email: Email }),
      { email: 'ab' },
      'email',
      'Email is too short (at least 3 characters).',
    ],
    [
      'minLength, empty',
      Type.Object({ email: Email }),
      { email: '' },
      'email',
      'Enter an email address, like name@example.com.',
    ],
    [
      'pattern, an email',
      Type.Object({ email: Email }),
      { email: 'abc' },
      'email',
      'Enter an email address, like name@example.com.',
    ],
    [
      'maxLength',
      Type.Object({ individual: Type.Object({ first_name: Type.String({ maxLength: 5 }) }) }),
      { individual: { first_name: 'Alexandra' } },
      'individual.first_name',
      'First name is too long (at most 5 characters).',
    ],
    [
      'minLength 1 on an empty value',
      Type.Object({ individual: Type.Object({ last_name: Type.String({ minLength: 1 }) }) }),
      { individual: { last_name: '' } },
      'individual.last_name',
      'Last name is required.',
    ],
    [
      'format email',
      Type.Object({ contact: Type.String({ format: 'email' }) }),
      { contact: 'x' },
      'contact',
      'Enter an email address, like name@example.com.',
    ],
    [
      'format date-time',
      Type.Object({ from: Type.String({ format: 'date-time' }) }),
      { from: 'yesterday' },
      'from',
      'From must be a date and time, like 2026-01-31T09:00:00Z.',
    ],
    [
      'pattern, an id',
      Type.Object({ card_id: Type.String({ pattern: '^ic_[A-Za-z0-9_]{1,200}$' }) }),
      { card_id: 'card_1' },
      'card_id',
      'Card ID must start with ic_, like ic_1A2b3C.',
    ],
    [
      'pattern, an id named by its prefix',
      Type.Object({ id: Type.String({ pattern: '^usr_[a-f0-9]{32}$' }) }),
      { id: 'x' },
      'id',
      'User ID must start with usr_, like usr_1A2b3C.',
    ],
    [
      'pattern, a country',
      Type.Object({
        billing: Type.Object({ address: Type.Object({ country: Type.String({ pattern: '^[A-Z]{2}$' }) }) }),
      }),
      { billing: { address: { country: 'usa' } } },
      'billing.address.country',
      'Country must be 2 capital letters, like US.',
    ],
    [
      'pattern, digits',
      Type.Object({ last4: Type.String({ pattern: '^[0-9]{4}$' }) }),
      { last4: '12a4' },
      'last4',
      'Last four digits must be 4 digits.',
    ],
    [
      'enum',
      Type.Object({ status: Type.String({ enum: ['active', 'inactive'] }) }),
      { status: 'lost' },
      'status',
      'Status must be one of active or inactive.',
    ],
    [
      'union of literals (anyOf/const)',
      Type.Object({
        role: Type.Union([Type.Literal('platform_admin'), Type.Literal('account_user'), Type.Literal('support_agent')]),
      }),
      { role: 'boss' },
      'role',
      'Role must be one of platform_admin, account_user or support_agent.',
    ],
    [
      'const',
      Type.Object({ confirm: Type.Literal('cancel') }),
      { confirm: 'yes' },
      'confirm',
      'Confirm must be cancel.',
    ],
    [
      'minimum',
      Type.Object({ amount: Type.Integer({ minimum: 50 }) }),
      { amount: 10 },
      'amount',
      'Amount must be at least 50.',
    ],
    [
      'maximum',
      Type.Object({ limit: Type.Integer({ maximum: 100 }) }),
      { limit: 500 },
      'limit',
      'Limit must be at most 100.',
    ],
    [
      'exclusiveMinimum',
      Type.Object({ amount: Type.Number({ exclusiveMinimum: 0 }) }),
      { amount: 0 },
      'amount',
      'Amount must be more than 0.',
    ],
    [
      'type integer',
      Type.Object({ amount: Type.Integer() }),
      { amount: 'ten' },
      'amount',
      'Amount must be a whole number.',
    ],
    ['type string', Type.Object({ name: Type.String() }), { name: { first: 'A' } }, 'name', 'Name must be text.'],
    [
      'type boolean',
      Type.Object({ disabled: Type.Boolean() }),
      { disabled: 'maybe' },
      'disabled',
      'Disabled must be true or false.',
    ],
    ['required', Type.Object({ new_password: Type.String() }), {}, 'new_password', 'New password is required.'],
    [
      'required, an email',
      Type.Object({ email: Type.String() }),
      {},
      'email',
      'Enter an email address, like name@example.com.',
    ],
    [
      'required, nested, with the form’s label',
      Type.Object({ billing: Type.Object({ address: Type.Object({ line1: Type.String() }) }) }),
      { billing: { address: {} } },
      'billing.address.line1',
      'Billing address is required.',
    ],
    [
      'additionalProperties',
      Type.Object({ a: Type.Optional(Type.String()) }, { additionalProperties: false }),
      { nickname: 'x' },
      'nickname',
      '“nickname” is not a field this request takes: leave it out.',
    ],
    [
      'maxItems',
      Type.Object({ accounts: Type.Array(Type.String(), { maxItems: 2 }) }),
      { accounts: ['a', 'b', 'c'] },
      'accounts',
      'Accounts has too many items (at most 2).',
    ],
    [
      'minItems',
      Type.Object({ accounts: Type.Array(Type.String(), { minItems: 1 }) }),
      { accounts: [] },
      'accounts',
      'Choose at least 1 item for accounts.',
    ],
    [
      'a title names the field',
      Type.Object({ nm: Type.String({ minLength: 2, title: 'Name on the card' }) }),
      { nm: 'A' },
      'nm',
      'Name on the card is too short (at least 2 characters).',
    ],
  ])('%s', (_name, schema, data, field, message) => {
    const result = answer(schema, data);
    expect(result).toEqual({ field, message });
    expect(result.message).not.toMatch(AJV_WORDING);
  });

  test('the whole body: a wrong type, or no change at all (minProperties), without a field', () => {
    expect(answer(Type.Object({}), 'text')).toEqual({ message: 'The request body must be a set of fields.' });
    expect(answer(Type.Object({ role: Type.Optional(Type.String()) }, { minProperties: 1 }), {})).toEqual({
      message: 'The request body is empty: send at least 1 field to change.',
    });
  });

  test('a value that was sent is never quoted back', () => {
    const secret = 'hunter2-but-longer';
    const { message } = answer(Type.Object({ code: Type.String({ maxLength: 6 }) }), { code: secret });
    expect(message).toBe('Code is too long (at most 6 characters).');
    expect(message).not.toContain(secret);
  });
});

describe('through the app', () => {
  let t: TestApp;
  let cookie: string;
  beforeAll(async () => {
    // Nothing listens on the emulator port: no request here gets past validation anyway.
    t = await buildTestApp({ EMULATOR_PORT: String(await freePort()) });
    await t.createUser('admin@messages.example', 'platform_admin');
    cookie = await t.login('admin@messages.example');
  });
  afterAll(() => t.close());

  test('signing in with a short email: the sentence, and `field` for the form', async () => {
    const res = await t.inject({ method: 'POST', url: '/api/session', payload: { email: 'ab', password: 'x' } });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toEqual({
      error: { code: 'invalid_request', field: 'email', message: 'Email is too short (at least 3 characters).' },
    });
  });

  test('every keyword of every route schema has its sentence', () => {
    const annotations = new Set([
      'title',
      'description',
      'examples',
      'default',
      '$id',
      '$schema',
      'properties',
      'items',
    ]);
    const used = new Set<string>();
    const walk = (node: unknown): void => {
      if (Array.isArray(node)) return node.forEach(walk);
      if (!node || typeof node !== 'object') return;
      for (const [key, value] of Object.entries(node)) {
        if (key === 'properties' || key === 'patternProperties') Object.values(value as object).forEach(walk);
        else {
          if (!annotations.has(key)) used.add(key);
          walk(value);
        }
      }
    };
    for (const schema of t.app.routeSchemas.values()) {
      if (schema) [schema.body, schema.querystring, schema.params].forEach(walk);
    }
    expect(used.size).toBeGreaterThan(5);
    const described = new Set<string>(DESCRIBED_KEYWORDS);
    expect([...used].filter((k) => !described.has(k))).toEqual([]);
  });

  test('every route: a field of the wrong kind is answered in words, naming the field', async () => {
    let checked = 0;
    for (const [route, schema] of t.app.routeSchemas) {
      const [method, path] = route.split(' ') as [string, string];
      const body = schema?.body as { properties?: Record<string, unknown> } | undefined;
      if (method !== 'POST' || !body?.properties) continue;
      for (const property of Object.keys(body.properties)) {
        const url = path.replace(/:(\w+)/g, (_m, name: string) =>
          name === 'account' ? 'acct_1' : name === 'id' ? 'ic_1' : 'x',
        );
        // An array of an object is no string, number, boolean or object: whatever the field takes.
        const res = await t.inject({ method: 'POST', url, cookie, payload: { [property]: [{ wrong: true }] } });
        if (res.statusCode !== 400 || res.json().error.code !== 'invalid_request') continue;
        const { field, message } = res.json().error as { field?: string; message: string };
        expect(message, `${route} ${property}`).not.toMatch(AJV_WORDING);
        expect(message, `${route} ${property}`).toMatch(/^[A-Z“].*\.$/);
        if (field) expect(field, `${route} ${property}`).toMatch(/^[a-z_0-9.]+$/);
        checked += 1;
      }
    }
    expect(checked).toBeGreaterThan(20);
  });
});
