// Checks a request the SDK sent against Stripe's OpenAPI description of the operation
// (test/emulator/reference/openapi-subset.json): the form body against the operation's
// `application/x-www-form-urlencoded` schema, the query against its `in: query` parameters.
// Form and query values arrive as strings, so ajv coerces them to the declared types, as Stripe's
// own decoder does; a parameter the operation does not declare is an error.
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { Ajv, type ValidateFunction } from 'ajv';
import { convertNullable } from '../openapi.ts';

interface Parameter {
  name: string;
  in: string;
  required?: boolean;
  schema: unknown;
}
interface Operation {
  parameters?: Parameter[];
  requestBody?: { content?: Record<string, { schema: Record<string, unknown> }> };
  responses: Record<string, unknown>;
}
interface Spec {
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}

const spec = JSON.parse(
  readFileSync(fileURLToPath(new URL('../reference/openapi-subset.json', import.meta.url)), 'utf8'),
) as Spec;

const ajv = new Ajv({ strict: false, allErrors: true, validateFormats: false, coerceTypes: 'array' });
ajv.addSchema({ $id: 'stripe', components: convertNullable(spec.components) });

const templates = Object.keys(spec.paths)
  .map((template) => ({
    template,
    params: (template.match(/\{/g) ?? []).length,
    regex: new RegExp(`^${template.replace(/\{[^}]+\}/g, '[^/]+')}$`),
  }))
  // `/v1/payment_intents/search` before `/v1/payment_intents/{intent}`.
  .sort((a, b) => a.params - b.params);

/** The spec's path template for a concrete path, e.g. /v1/issuing/cards/{card}. */
export function specPath(method: string, path: string): string | undefined {
  return templates.find((t) => t.regex.test(path) && spec.paths[t.template]?.[method.toLowerCase()])?.template;
}

export function hasOperation(method: string, template: string): boolean {
  return Boolean(spec.paths[template]?.[method.toLowerCase()]);
}

const compiled = new Map<string, ValidateFunction>();

function compile(key: string, schema: unknown): ValidateFunction {
  let validate = compiled.get(key);
  if (!validate) {
    const rebased = convertNullable(
      JSON.parse(JSON.stringify(schema).replace(/"#\/components\//g, '"stripe#/components/')),
    );
    validate = ajv.compile(rebased as object);
    compiled.set(key, validate);
  }
  return validate;
}

function errorsOf(validate: ValidateFunction, value: unknown, prefix: string): string[] {
  // Coercion rewrites the value; keep the caller's copy intact.
  return validate(structuredClone(value))
    ? []
    : (validate.errors ?? []).map(
        (e) => `${prefix}${e.instancePath || ''} ${e.message ?? ''} ${JSON.stringify(e.params)}`,
      );
}

/**
 * Errors of the parameters of one request against the operation; `[]` when they conform.
 * `ignore` lists top-level parameters the 2024 spec does not know (see the exceptions table).
 */
export function requestErrors(
  method: string,
  template: string,
  params: Record<string, unknown>,
  ignore: readonly string[] = [],
): string[] {
  const operation = spec.paths[template]?.[method.toLowerCase()];
  if (!operation) return [`the spec has no ${method} ${template}`];
  const sent = Object.fromEntries(Object.entries(params).filter(([k]) => !ignore.includes(k)));
  if (method === 'POST') {
    const schema = operation.requestBody?.content?.['application/x-www-form-urlencoded']?.schema;
    if (!schema)
      return Object.keys(sent).length === 0
        ? []
        : [`${template} declares no form body but got ${Object.keys(sent).join(', ')}`];
    const trimmed =
      ignore.length > 0
        ? { ...schema, required: ((schema.required as string[] | undefined) ?? []).filter((r) => !ignore.includes(r)) }
        : schema;
    return errorsOf(compile(`body:${template}:${ignore.join(',')}`, trimmed), sent, 'body');
  }
  const declared = new Map((operation.parameters ?? []).filter((p) => p.in === 'query').map((p) => [p.name, p]));
  const errors: string[] = [];
  for (const [name, value] of Object.entries(sent)) {
    const parameter = declared.get(name);
    if (!parameter) {
      errors.push(`query ${name} is not a parameter of ${method} ${template}`);
      continue;
    }
    errors.push(...errorsOf(compile(`query:${template}:${name}`, parameter.schema), value, `query ${name}`));
  }
  for (const parameter of declared.values()) {
    if (parameter.required && !(parameter.name in sent)) errors.push(`query ${parameter.name} is required`);
  }
  return errors;
}

/** Top-level fields of Stripe's newer example object (fixtures.json), for where the spec lags. */
export function fixtureFields(resource: string): string[] {
  const fixtures = JSON.parse(
    readFileSync(fileURLToPath(new URL('../reference/fixtures.json', import.meta.url)), 'utf8'),
  ) as { resources: Record<string, Record<string, unknown>> };
  const example = fixtures.resources[resource];
  if (!example) throw new Error(`fixtures.json has no ${resource}`);
  return Object.keys(example).sort();
}
