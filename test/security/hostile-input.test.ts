// Hostile input to EVERY route of shared/route-table.ts, generated with fast-check from the route's
// own schemas: bodies (schema-shaped with hostile values, unknown fields, missing fields, any JSON,
// garbage, wrong content types), query strings, path parameters and headers. The values include
// control characters (NUL and the other C0 codes, DEL), lone UTF-16 surrogates, huge and
// out-of-range numbers, and well-formed but impossible or out-of-range dates (year 0, 10000,
// 275760-09-13, February 30, a leap second). The promise: never a 5xx, never a stack trace or
// internal path; every refusal is `{error: {code, message, field?}}`; input the schema refuses is
// always a 4xx. Prints the number of cases per route and how many carried each kind of value.
import { Ajv, type ValidateFunction } from 'ajv';
import formats from 'ajv-formats';
import fc from 'fast-check';
import type { FastifySchema } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { ROLES, can, type Role } from '../../shared/policy.ts';
import { ROUTES, type RouteEntry } from '../../shared/route-table.ts';
import { EMAIL, startSecurityStack, summary, type SecurityStack } from './stack.ts';

const RUNS = Number(process.env.SECURITY_FUZZ_RUNS ?? 60);

let stack: SecurityStack;
const casesPerRoute: Record<string, number> = {};
let fiveHundreds = 0;

type JsonSchema = {
  type?: string;
  anyOf?: JsonSchema[];
  const?: unknown;
  enum?: unknown[];
  pattern?: string;
  format?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  items?: JsonSchema;
  maxItems?: number;
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
};

// ---- arbitraries --------------------------------------------------------------------------------

const HOSTILE_STRINGS = [
  '',
  ' ',
  '\u0000',
  '\r\nSet-Cookie: x=1',
  '../../../../etc/passwd',
  '<script>alert(1)</script>',
  "' OR 1=1 --",
  '${7*7}{{7*7}}',
  '%00%2e%2e%2f',
  '__proto__',
  'constructor',
  '4242424242424242',
  '\uD800',
  'ic_' + 'A'.repeat(300),
  'acct_../../v1/accounts',
  'ephkn_pub_"quote',
  'eyJhbGciOiJub25lIn0.e30.',
  'NaN',
  '-1',
  '1e309',
  'x'.repeat(5000),
];

/** Control characters: PostgreSQL refuses NUL in text; none belongs in an id, email or search term. */
const CONTROL_STRINGS = [
  'a\u0000b',
  '\u0000admin@example.com',
  'x\u0001',
  '\u0007\u0008',
  'ic_x\u001b[2J',
  'del\u007f',
  '\u000b\u000c',
  'a\u001fb',
];
/** Single characters that are no text: slipped into otherwise valid values. */
const BAD_CHARACTERS = [
  '\u0000',
  '\u0001',
  '\u0008',
  '\u001b',
  '\u001f',
  '\u007f',
  '\uD800',
  '\uDBFF',
  '\uDC00',
  '\uDFFF',
];
/** Half a surrogate pair: no character at all. */
const SURROGATE_STRINGS = ['\uD800', '\uDFFF', 'a\uD800b', '\uDC00abc', 'ok\uDBFF'];
/** Well-formed (mostly) date-times that are no date, or no date PostgreSQL or JavaScript can hold. */
const BOUNDARY_DATES = [
  '0000-01-01T00:00:00Z',
  '0001-01-01T00:00:00Z',
  '9999-12-31T23:59:59Z',
  '10000-01-01T00:00:00Z',
  '+275760-09-13T00:00:00Z',
  '275760-09-13T00:00:00.000Z',
  '-000001-01-01T00:00:00Z',
  '2023-02-30T00:00:00Z',
  '2024-02-29T00:00:00Z',
  '2024-06-30T23:59:60Z',
  '1969-12-31T23:59:59.999999999Z',
  '2024-01-01T00:00:00+23:59',
];
/** Numbers past what the schemas, JavaScript integers or PostgreSQL integers hold. */
const HUGE_NUMBERS = [
  2 ** 31,
  2 ** 53,
  2 ** 64,
  1e21,
  1e308,
  -1e308,
  -(2 ** 63),
  Number.MAX_VALUE,
  Number.MIN_VALUE,
  -0,
  1.0000000000000002,
];

HOSTILE_STRINGS.push(...CONTROL_STRINGS, ...SURROGATE_STRINGS, ...BOUNDARY_DATES, ...HUGE_NUMBERS.map(String));

/** The kinds of hostile value a case carries, for the printed counts. */
const KINDS: Record<string, RegExp> = {
  control: /\\u00(?:0[0-8bcef]|1[0-9a-f]|7f)|%0[0-8bcef]|%1[0-9a-f]|%7f|\x7f/i,
  loneSurrogate: /\\ud[89a-f][0-9a-f]{2}|%ED%[AB][0-9A-F]/i,
  boundaryDate: /(?:"|=|^)(?:[+-]?\d{5,6}|0000|0001|9999)-\d\d-\d\dT|-02-3[01]T|T23:59:60/,
  hugeNumber: /\d{16,}|\de[+-]?\d{2,}|e\+\d/i,
};
const kindCounts: Record<string, number> = Object.fromEntries(Object.keys(KINDS).map((k) => [k, 0]));

const hostileString = fc.oneof(
  fc.constantFrom(...HOSTILE_STRINGS),
  fc.constantFrom(...CONTROL_STRINGS, ...SURROGATE_STRINGS, ...BOUNDARY_DATES),
  fc.string({ maxLength: 40 }),
  fc.string({ unit: 'binary', maxLength: 40 }),
  // Any control character, anywhere in an otherwise ordinary string.
  fc
    .tuple(fc.string({ maxLength: 10 }), fc.integer({ min: 0, max: 0x1f }), fc.string({ maxLength: 10 }))
    .map(([a, c, b]) => `${a}${String.fromCharCode(c)}${b}`),
);
const hostileValue: fc.Arbitrary<unknown> = fc.oneof(
  hostileString,
  fc.constantFrom(null, true, false, 0, -1, 1.5, 2 ** 53, -(2 ** 31), Number.MAX_SAFE_INTEGER, ...HUGE_NUMBERS),
  fc.jsonValue({ maxDepth: 3 }),
  fc.constant({ __proto__: { admin: true } }),
  fc.array(fc.string(), { maxLength: 3 }),
);

/** Values the schema accepts (mostly), so that hostile mutations reach deeper than the first check. */
function validArbitrary(schema: JsonSchema, depth = 0): fc.Arbitrary<unknown> {
  if (schema.anyOf) return fc.oneof(...schema.anyOf.map((s) => validArbitrary(s, depth)));
  if (schema.const !== undefined) return fc.constant(schema.const);
  if (schema.enum) return fc.constantFrom(...schema.enum);
  switch (schema.type) {
    case 'string':
      if (schema.pattern)
        return fc
          .stringMatching(new RegExp(schema.pattern), { maxLength: 60 })
          .filter((s) => s.length <= (schema.maxLength ?? 10_000));
      if (schema.format === 'date-time') {
        return fc.oneof(
          {
            weight: 3,
            arbitrary: fc
              .date({ noInvalidDate: true, min: new Date(0), max: new Date(4e12) })
              .map((d) => d.toISOString()),
          },
          { weight: 2, arbitrary: fc.constantFrom(...BOUNDARY_DATES) },
        );
      }
      return fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 40) });
    case 'integer':
      return fc.oneof(
        { weight: 4, arbitrary: fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 }) },
        { weight: 1, arbitrary: fc.constantFrom(...HUGE_NUMBERS) },
      );
    case 'number':
      return fc.double({ noNaN: true, noDefaultInfinity: true });
    case 'boolean':
      return fc.boolean();
    case 'array':
      return depth > 3
        ? fc.constant([])
        : fc.array(validArbitrary(schema.items ?? {}, depth + 1), { maxLength: Math.min(schema.maxItems ?? 3, 3) });
    case 'object': {
      if (depth > 3 || !schema.properties) return fc.constant({});
      const required = new Set(schema.required ?? []);
      const entries = Object.entries(schema.properties).map(([k, s]) => [k, validArbitrary(s, depth + 1)] as const);
      return fc.record(Object.fromEntries(entries), { requiredKeys: [...required] as never[] });
    }
    default:
      return fc.jsonValue({ maxDepth: 2 });
  }
}

/** A schema-shaped object with some of: a value made hostile, an unknown field, a required field dropped. */
function mutatedObject(schema: JsonSchema): fc.Arbitrary<Record<string, unknown>> {
  const base = validArbitrary(schema) as fc.Arbitrary<Record<string, unknown>>;
  const keys = Object.keys(schema.properties ?? {});
  return fc
    .tuple(
      base,
      fc.option(fc.tuple(keys.length ? fc.constantFrom(...keys) : fc.constant('x'), hostileValue), { nil: undefined }),
      fc.option(
        fc.tuple(
          fc.oneof(
            fc.constantFrom('__proto__', 'constructor', 'role', 'admin', 'user_id', 'account'),
            fc.string({ minLength: 1, maxLength: 10 }),
          ),
          hostileValue,
        ),
        { nil: undefined },
      ),
      fc.option(keys.length ? fc.constantFrom(...keys) : fc.constant('x'), { nil: undefined }),
      // A value the schema would accept with one bad character slipped in (it reaches the
      // handler and the database, where a whole hostile string would stop at validation).
      fc.option(
        fc.tuple(
          keys.length ? fc.constantFrom(...keys) : fc.constant('x'),
          fc.constantFrom(...BAD_CHARACTERS),
          fc.nat(),
        ),
        { nil: undefined },
      ),
    )
    .map(([obj, replace, extra, drop, corrupt]) => {
      const out: Record<string, unknown> = { ...obj };
      if (corrupt && typeof out[corrupt[0]] === 'string') {
        const value = out[corrupt[0]] as string;
        const at = corrupt[2] % (value.length + 1);
        out[corrupt[0]] = value.slice(0, at) + corrupt[1] + value.slice(at);
      }
      if (replace) out[replace[0]] = replace[1];
      if (extra && !(extra[0] in out))
        Object.defineProperty(out, extra[0], { value: extra[1], enumerable: true, writable: true, configurable: true });
      if (drop) delete out[drop];
      return out;
    });
}

interface Case {
  path: string;
  query: Record<string, string>;
  body: { kind: 'none' } | { kind: 'json'; value: unknown } | { kind: 'raw'; contentType: string; text: string };
  headers: Record<string, string>;
  who: Role | 'anonymous';
}

function stringRecord(schema: JsonSchema | undefined): fc.Arbitrary<Record<string, string>> {
  const shaped = schema?.properties
    ? mutatedObject(schema).map((o) =>
        Object.fromEntries(
          Object.entries(o).map(([k, v]) => [k, typeof v === 'string' ? v : (JSON.stringify(v) ?? '')]),
        ),
      )
    : fc.constant({});
  return fc.oneof(shaped, fc.dictionary(fc.string({ minLength: 1, maxLength: 12 }), hostileString, { maxKeys: 4 }));
}

/** URL-encoded; a lone surrogate becomes the invalid UTF-8 bytes a hostile client would send. */
function encodeSegment(value: string): string {
  try {
    return encodeURIComponent(value);
  } catch {
    return '%ED%A0%80';
  }
}

function decodeSegment(value: string): string | undefined {
  try {
    return decodeURIComponent(value);
  } catch {
    return undefined;
  }
}

function caseArbitrary(route: RouteEntry, schema: FastifySchema | undefined, who: Role): fc.Arbitrary<Case> {
  const params = schema?.params as JsonSchema | undefined;
  const paramNames = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
  const paramValues = fc.tuple(
    ...paramNames.map((name) =>
      fc.oneof(params?.properties?.[name] ? validArbitrary(params.properties[name]) : hostileString, hostileString),
    ),
  );
  const bodySchema = schema?.body as JsonSchema | undefined;
  const body: fc.Arbitrary<Case['body']> =
    route.method === 'GET' || route.method === 'DELETE'
      ? fc.constant({ kind: 'none' as const })
      : fc.oneof(
          {
            weight: 4,
            arbitrary: (bodySchema ? mutatedObject(bodySchema) : fc.dictionary(fc.string(), hostileValue)).map(
              (value) => ({ kind: 'json' as const, value }),
            ),
          },
          { weight: 2, arbitrary: fc.jsonValue({ maxDepth: 4 }).map((value) => ({ kind: 'json' as const, value })) },
          {
            weight: 2,
            arbitrary: fc
              .tuple(
                fc.constantFrom(
                  'application/json',
                  'text/plain',
                  'application/x-www-form-urlencoded',
                  'multipart/form-data; boundary=x',
                  'application/xml',
                  'application/json; charset=utf-16',
                ),
                fc.oneof(
                  hostileString,
                  fc.constantFrom('{', '{"a":', '[1,2', '{"__proto__":{"x":1}}', 'a=1&b=2', '\u0000\u0001'),
                ),
              )
              .map(([contentType, text]) => ({ kind: 'raw' as const, contentType, text })),
          },
          { weight: 1, arbitrary: fc.constant({ kind: 'none' as const }) },
        );
  const headers = fc.dictionary(
    fc.constantFrom(
      'accept',
      'x-forwarded-for',
      'stripe-signature',
      'user-agent',
      'accept-language',
      'x-requested-with',
      'range',
      'if-none-match',
    ),
    fc.oneof(
      // eslint-disable-next-line no-control-regex -- NUL is one of the characters a header cannot carry
      fc.constantFrom(...HOSTILE_STRINGS.filter((s) => !/[\r\n\u0000\uD800]/.test(s))),
      fc.string({ maxLength: 30 }).filter((s) => /^[\x20-\x7e]*$/.test(s)),
    ),
    { maxKeys: 3 },
  );
  const caller = fc.oneof(
    { weight: 5, arbitrary: fc.constant(who) },
    { weight: 1, arbitrary: fc.constantFrom<Role | 'anonymous'>('anonymous', ...ROLES) },
  );
  return fc
    .record({
      params: paramValues,
      query: stringRecord(schema?.querystring as JsonSchema | undefined),
      body,
      headers,
      who: caller,
    })
    .map(({ params: values, query, body, headers, who }) => {
      let path = route.path;
      paramNames.forEach((name, i) => {
        path = path.replace(`:${name}`, encodeSegment(String(values[i] ?? '')) || 'x');
      });
      return { path, query, body, headers, who };
    });
}

// ---- what the server must do --------------------------------------------------------------------

const ajv = new Ajv({
  removeAdditional: false,
  coerceTypes: 'array',
  useDefaults: true,
  allErrors: false,
  strict: false,
});
// ajv-formats is CommonJS: its default export is the plugin, or holds it as `default`.
(((formats as unknown as { default?: typeof formats }).default ?? formats) as unknown as (a: Ajv) => void)(ajv);

function compile(schema: unknown): ValidateFunction | undefined {
  return schema ? ajv.compile(schema) : undefined;
}

const cookies: Partial<Record<Role, string>> = {};

async function send(route: RouteEntry, c: Case) {
  // Encoded by hand: URLSearchParams would quietly turn a lone surrogate into U+FFFD, where a
  // hostile client sends the invalid UTF-8 bytes themselves.
  const qs = Object.entries(c.query)
    .map(([k, v]) => `${encodeSegment(k)}=${encodeSegment(v)}`)
    .join('&');
  let payload: string | undefined;
  const headers: Record<string, string> = { origin: stack.appUrl, ...c.headers };
  if (c.body.kind === 'json') {
    payload = JSON.stringify(c.body.value) ?? 'null';
    headers['content-type'] = 'application/json';
  } else if (c.body.kind === 'raw') {
    payload = c.body.text;
    headers['content-type'] = c.body.contentType;
  }
  if (c.who !== 'anonymous') {
    // The session routes end (DELETE) or replace (sign-in) the session they are given, and so do
    // the ones that refuse a replaced session (the Security page's changes end it at once, a
    // step-up retires it: decision 146): a fresh one each time there, never kept for the other
    // routes (which would then only see 401s).
    const fresh = route.path === '/api/session' || route.currentSessionOnly === true;
    headers.cookie = fresh
      ? await stack.loginCookie(EMAIL[c.who])
      : (cookies[c.who] ??= await stack.loginCookie(EMAIL[c.who]));
    // Those may also end the user's other sessions (sign out everywhere): the kept one too.
    if (route.currentSessionOnly) delete cookies[c.who];
  }
  return stack.app.inject({
    method: route.method,
    url: qs ? `${c.path}?${qs}` : c.path,
    headers,
    ...(payload !== undefined ? { payload } : {}),
  });
}

/** A role that passes the route's guard, so that the input reaches validation and the handler. */
function callerFor(route: RouteEntry): Role {
  if (route.rule === 'public' || route.rule === 'authenticated') return 'platform_admin';
  return (
    ROLES.find((r) => can(r, route.rule as Exclude<RouteEntry['rule'], 'public' | 'authenticated'>)) ?? 'platform_admin'
  );
}

function schemaRejects(
  c: Case,
  validators: { body?: ValidateFunction; querystring?: ValidateFunction; params?: ValidateFunction },
  route: RouteEntry,
): boolean {
  if (validators.querystring && !validators.querystring(structuredClone(c.query))) return true;
  if (validators.params) {
    const names = [...route.path.matchAll(/:(\w+)/g)].map((m) => m[1]!);
    const values = c.path.split('/').filter((_, i) => route.path.split('/')[i]?.startsWith(':'));
    const decoded = values.map((v) => decodeSegment(v));
    if (decoded.some((v) => v === undefined)) return true;
    const params = Object.fromEntries(names.map((n, i) => [n, decoded[i]]));
    if (!validators.params(params)) return true;
  }
  if (validators.body && route.method === 'POST') {
    if (c.body.kind !== 'json') return true;
    if (!validators.body(structuredClone(c.body.value))) return true;
  }
  return false;
}

beforeAll(async () => {
  stack = await startSecurityStack();
});

afterAll(async () => {
  summary('hostile input', {
    routes: Object.keys(casesPerRoute).length,
    cases: Object.values(casesPerRoute).reduce((a, b) => a + b, 0),
    '5xx': fiveHundreds,
    ...Object.fromEntries(Object.entries(kindCounts).map(([k, v]) => [`with_${k}`, v])),
    perRoute: Object.entries(casesPerRoute)
      .map(([k, v]) => `${k.replace(' ', '_')}:${v}`)
      .join(','),
  });
  const leaked = stack?.leakedSecrets() ?? [];
  await stack?.close();
  expect(leaked).toEqual([]);
});

describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (name, route: RouteEntry) => {
  test('generated bodies, query strings, path parameters and headers: never a 5xx, refusals in the error shape, bad input a 4xx', async () => {
    const schema = stack.app.routeSchemas.get(name);
    expect(stack.app.routeSchemas.has(name), `${name} is in the table but not registered`).toBe(true);
    const validators = {
      body: compile(schema?.body),
      querystring: compile(schema?.querystring),
      params: compile(schema?.params),
    };
    await fc.assert(
      fc.asyncProperty(caseArbitrary(route, schema, callerFor(route)), async (c) => {
        casesPerRoute[name] = (casesPerRoute[name] ?? 0) + 1;
        const text = `${c.path} ${JSON.stringify(c.query)} ${c.body.kind === 'json' ? JSON.stringify(c.body.value) : c.body.kind === 'raw' ? JSON.stringify(c.body.text) : ''}`;
        for (const [kind, pattern] of Object.entries(KINDS)) if (pattern.test(text)) kindCounts[kind]! += 1;
        const res = await send(route, c);
        stack.trackBody(res.body);
        const context = `${route.method} ${c.path} as ${c.who} -> ${res.statusCode} ${res.body.slice(0, 300)}`;
        if (res.statusCode >= 500) fiveHundreds += 1;
        expect(res.statusCode, context).toBeLessThan(500);
        expect(res.body, context).not.toMatch(/\n\s+at |node_modules|\/work\/|server\/[\w/-]+\.ts/);
        if (res.statusCode >= 400) {
          const body = res.json();
          expect(Object.keys(body), context).toEqual(['error']);
          expect(body.error.code, context).toEqual(expect.any(String));
          expect(body.error.message, context).toEqual(expect.any(String));
          for (const key of Object.keys(body.error)) expect(['code', 'message', 'field'], context).toContain(key);
          if (body.error.field !== undefined) expect(body.error.field, context).toEqual(expect.any(String));
        }
        // Signed-in callers are never turned away as signed out: the cases reach the guard, the
        // validation and the handlers (only the sign-in itself answers 401, to a wrong password).
        if (c.who !== 'anonymous' && route.path !== '/api/session') expect(res.statusCode, context).not.toBe(401);
        if (c.who !== 'anonymous' && schemaRejects(c, validators, route)) {
          expect(res.statusCode, `schema refuses the input: ${context}`).toBeGreaterThanOrEqual(400);
        }
      }),
      { numRuns: RUNS, seed: Number(process.env.SECURITY_FUZZ_SEED ?? 20261028), endOnFailure: true },
    );
  });
});

describe('limits and strictness', () => {
  test('every body and query schema refuses unknown fields, at every level', () => {
    const open: string[] = [];
    const walk = (s: JsonSchema | undefined, where: string) => {
      if (!s) return;
      if (s.type === 'object' && s.properties && s.additionalProperties !== false) open.push(where);
      for (const [k, v] of Object.entries(s.properties ?? {})) walk(v, `${where}.${k}`);
      if (s.items) walk(s.items, `${where}[]`);
      for (const v of s.anyOf ?? []) walk(v, where);
    };
    let bodies = 0;
    for (const [name, schema] of stack.app.routeSchemas) {
      if (schema?.body) bodies += 1;
      walk(schema?.body as JsonSchema | undefined, `${name} body`);
      walk(schema?.querystring as JsonSchema | undefined, `${name} query`);
    }
    expect(bodies).toBeGreaterThan(0);
    expect(open).toEqual([]);
  });

  test.each(ROUTES.filter((r) => r.method === 'POST').map((r) => [`${r.method} ${r.path}`, r] as const))(
    '%s: a body over the limit is a 413 in the error shape',
    async (_name, route) => {
      const big = route.path.startsWith('/webhooks/') ? 1024 * 1024 + 10 : 64 * 1024 + 10;
      const res = await stack.app.inject({
        method: 'POST',
        url: route.path.replace(/:(\w+)/g, 'ic_x'),
        headers: {
          origin: stack.appUrl,
          'content-type': 'application/json',
          cookie: await stack.loginCookie(EMAIL[callerFor(route)]),
        },
        payload: JSON.stringify({ pad: 'x'.repeat(big) }),
      });
      expect(res.statusCode).toBe(413);
      expect(res.json().error.code).toBe('payload_too_large');
    },
  );

  test('a state-changing request from another origin is refused on every non-webhook route', async () => {
    for (const route of ROUTES.filter((r) => r.method !== 'GET' && !r.path.startsWith('/webhooks/'))) {
      const res = await stack.app.inject({
        method: route.method,
        url: route.path.replace(/:(\w+)/g, 'ic_x'),
        headers: {
          origin: 'https://evil.example',
          cookie: await stack.loginCookie(EMAIL.platform_admin),
          'content-type': 'application/json',
        },
        payload: '{}',
      });
      expect(res.statusCode, `${route.method} ${route.path}`).toBe(403);
      expect(res.json().error.code).toBe('csrf_rejected');
    }
  });
});
