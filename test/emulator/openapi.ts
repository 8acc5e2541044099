// Validates emulator responses against Stripe's OpenAPI schemas (test/emulator/reference/: Stripe's
// spec3.json of 2024-04-10). Reusable by the conformance suite: `schemaErrors('issuing.card', body)` for a
// component schema, `responseErrors('get', '/v1/issuing/cards/{card}', 200, body)` for an
// operation's declared response.
//
// The spec is OpenAPI 3.0: `nullable: true` (which Stripe also puts beside `anyOf` with no `type`,
// a combination ajv refuses) is rewritten to `anyOf: [schema, {type: 'null'}]`; Stripe's `x-…`
// extensions are ignored (strict: false). Where the spec is older than the API version the
// emulator speaks, extra fields pass (Stripe's schemas do not forbid additional properties).
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ErrorObject, type ValidateFunction } from 'ajv';

const SPEC_PATH = fileURLToPath(new URL('./reference/openapi-subset.json', import.meta.url));

interface OpenApiSpec {
  paths: Record<
    string,
    Record<string, { responses: Record<string, { content?: Record<string, { schema: unknown }> }> }>
  >;
  components: { schemas: Record<string, unknown> };
}

/** OpenAPI 3.0 `nullable: true` → JSON Schema `anyOf: [schema, {type: 'null'}]`, recursively. */
export function convertNullable(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(convertNullable);
  if (typeof node !== 'object' || node === null) return node;
  const out: Record<string, unknown> = {};
  for (const [key, value] of Object.entries(node)) {
    // `properties` maps names to schemas; its keys are not keywords.
    out[key] = convertNullable(value);
  }
  if (out.nullable === true) {
    delete out.nullable;
    return { anyOf: [out, { type: 'null' }] };
  }
  delete out.nullable;
  return out;
}

let cached: { spec: OpenApiSpec; ajv: Ajv } | undefined;

function load(): { spec: OpenApiSpec; ajv: Ajv } {
  if (!cached) {
    const spec = JSON.parse(readFileSync(process.env.STRIPE_OPENAPI_PATH ?? SPEC_PATH, 'utf8')) as OpenApiSpec;
    const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false });
    ajv.addSchema({ $id: 'stripe', components: convertNullable(spec.components) });
    cached = { spec, ajv };
  }
  return cached;
}

const compiled = new Map<string, ValidateFunction>();

function format(errors: ErrorObject[] | null | undefined): string[] {
  return (errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message ?? ''} ${JSON.stringify(e.params)}`);
}

/** Errors of `value` against components.schemas[name]; [] when it conforms. */
export function schemaErrors(name: string, value: unknown): string[] {
  const { ajv } = load();
  const key = `schema:${name}`;
  let validate = compiled.get(key);
  if (!validate) {
    validate = ajv.compile({ $ref: `stripe#/components/schemas/${name.replace(/~/g, '~0').replace(/\//g, '~1')}` });
    compiled.set(key, validate);
  }
  return validate(value) ? [] : format(validate.errors);
}

/** Errors of `body` against the declared JSON response of an operation; throws if the spec has none. */
export function responseErrors(method: string, path: string, status: number, body: unknown): string[] {
  const { spec, ajv } = load();
  const response =
    spec.paths[path]?.[method.toLowerCase()]?.responses[String(status)] ??
    spec.paths[path]?.[method.toLowerCase()]?.responses.default;
  const schema = response?.content?.['application/json']?.schema;
  if (!schema) throw new Error(`the spec declares no JSON response for ${method.toUpperCase()} ${path} ${status}`);
  const key = `response:${method}:${path}:${status}`;
  let validate = compiled.get(key);
  if (!validate) {
    // Operation schemas point at `#/components/...`; rewrite to the registered spec document.
    const rebased = convertNullable(
      JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"stripe#/components/')),
    );
    validate = ajv.compile(rebased as object);
    compiled.set(key, validate);
  }
  return validate(body) ? [] : format(validate.errors);
}
