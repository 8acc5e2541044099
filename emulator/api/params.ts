// Parameter schemas for form-encoded requests, and the validator that turns qs output (strings,
// nested objects, arrays) into typed values with Stripe's error messages.
//
// Why not JSON Schema + ajv here: every value arrives as a string, Stripe treats '' as "unset",
// and the errors must name the parameter the way Stripe does (`spending_controls[spending_limits][0][amount]`).
// A small declarative schema per endpoint keeps those three rules in one place.

import { emptyParameter, invalidEnum, invalidParam, missingParameter, unknownParameter } from './errors.ts';

interface BaseSpec {
  required?: boolean;
  /** Stripe lets some parameters be unset by sending ''. The validator then yields null. */
  emptyable?: boolean;
}
export interface StringSpec extends BaseSpec {
  kind: 'string';
  enum?: readonly string[];
  maxLength?: number;
  pattern?: RegExp;
  /** Message used when `pattern` does not match. */
  patternMessage?: string;
  normalize?: (value: string) => string;
}
export interface IntegerSpec extends BaseSpec {
  kind: 'integer';
  min?: number;
  max?: number;
}
export interface BooleanSpec extends BaseSpec {
  kind: 'boolean';
}
export interface ObjectSpec extends BaseSpec {
  kind: 'object';
  fields: Record<string, Spec>;
}
export interface ArraySpec extends BaseSpec {
  kind: 'array';
  items: Spec;
  maxItems?: number;
}
export interface MetadataSpec extends BaseSpec {
  kind: 'metadata';
}
export interface RangeSpec extends BaseSpec {
  kind: 'range';
}
/** A number that may have decimals (the SDK types every amount and count as `number`). */
export interface NumberSpec extends BaseSpec {
  kind: 'number';
}
/** The first option that accepts the value wins (`string | string[]`, `RangeQueryParam | number`). */
export interface UnionSpec extends BaseSpec {
  kind: 'union';
  options: Spec[];
}
export type Spec =
  StringSpec | IntegerSpec | BooleanSpec | ObjectSpec | ArraySpec | MetadataSpec | RangeSpec | NumberSpec | UnionSpec;

type Options<S> = Omit<S, 'kind'>;

/** Builders, so that schemas read like Stripe's parameter tables. */
export const p = {
  string: (o: Options<StringSpec> = {}): StringSpec => ({ kind: 'string', maxLength: 5000, ...o }),
  enum: (values: readonly string[], o: Options<StringSpec> = {}): StringSpec => ({
    kind: 'string',
    enum: values,
    ...o,
  }),
  integer: (o: Options<IntegerSpec> = {}): IntegerSpec => ({ kind: 'integer', ...o }),
  boolean: (o: Options<BooleanSpec> = {}): BooleanSpec => ({ kind: 'boolean', ...o }),
  object: (fields: Record<string, Spec>, o: Omit<Options<ObjectSpec>, 'fields'> = {}): ObjectSpec => ({
    kind: 'object',
    fields,
    ...o,
  }),
  array: (items: Spec, o: Omit<Options<ArraySpec>, 'items'> = {}): ArraySpec => ({ kind: 'array', items, ...o }),
  metadata: (o: Options<MetadataSpec> = {}): MetadataSpec => ({ kind: 'metadata', emptyable: true, ...o }),
  range: (o: Options<RangeSpec> = {}): RangeSpec => ({ kind: 'range', ...o }),
  union: (options: Spec[], o: Omit<Options<UnionSpec>, 'options'> = {}): UnionSpec => ({
    kind: 'union',
    options,
    ...o,
  }),
  /** `expand[]`, accepted by every endpoint. */
  expand: (): ArraySpec => ({ kind: 'array', items: { kind: 'string', maxLength: 5000 } }),
};

/** The pagination parameters every list endpoint takes. */
export const listParams = {
  limit: p.integer({ min: 1, max: 100 }),
  starting_after: p.string(),
  ending_before: p.string(),
};

export type Params = Record<string, unknown>;

/**
 * Validates `raw` (the qs-parsed body or query) against an endpoint's fields and returns the
 * coerced values. `expand` is always accepted.
 */
export function validateParams(fields: Record<string, Spec>, raw: unknown): Params {
  const root: ObjectSpec = { kind: 'object', fields: { expand: p.expand(), ...fields } };
  const source = raw === undefined || raw === null || raw === '' ? {} : raw;
  return validateObject(root, source, '') ?? {};
}

function joinName(prefix: string, key: string | number): string {
  return prefix === '' ? String(key) : `${prefix}[${key}]`;
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** qs turns `a[25]=x` into an object when the index is large; treat numeric-keyed objects as arrays. */
function asArray(value: unknown): unknown[] | undefined {
  if (Array.isArray(value)) return value as unknown[];
  if (isPlainObject(value)) {
    const keys = Object.keys(value);
    if (keys.length > 0 && keys.every((k) => /^\d+$/.test(k))) {
      return keys.sort((a, b) => Number(a) - Number(b)).map((k) => value[k]);
    }
  }
  return undefined;
}

function validateValue(spec: Spec, value: unknown, name: string): unknown {
  if (value === '') {
    if (spec.emptyable) return null;
    throw emptyParameter(name);
  }
  switch (spec.kind) {
    case 'string':
      return validateString(spec, value, name);
    case 'integer':
      return validateInteger(spec, value, name);
    case 'boolean': {
      if (value === true || value === 'true') return true;
      if (value === false || value === 'false') return false;
      throw invalidParam(`Invalid boolean: ${describe(value)}`, name, 'parameter_invalid_boolean');
    }
    case 'object':
      return validateObject(spec, value, name);
    case 'array': {
      const items = asArray(value);
      if (!items) throw invalidParam(`Invalid array`, name, 'parameter_invalid_array');
      if (spec.maxItems !== undefined && items.length > spec.maxItems) {
        throw invalidParam(`Invalid array: ${name} can have at most ${spec.maxItems} items`, name);
      }
      return items.map((item, i) => {
        const itemName = joinName(name, i);
        if (item === undefined) throw missingParameter(itemName);
        return validateValue(spec.items, item, itemName);
      });
    }
    case 'metadata':
      return validateMetadata(value, name);
    case 'range':
      return validateRange(value, name);
    case 'number': {
      const text = typeof value === 'number' ? String(value) : value;
      if (typeof text !== 'string' || !/^-?\d{1,15}(\.\d{1,12})?$/.test(text)) {
        throw invalidParam(`Invalid number: ${describe(value)}`, name, 'parameter_invalid_number');
      }
      return Number(text);
    }
    case 'union': {
      let first: unknown;
      for (const option of spec.options) {
        try {
          return validateValue(option, value, name);
        } catch (error) {
          first ??= error;
        }
      }
      // eslint-disable-next-line @typescript-eslint/only-throw-error -- `first` is what validateValue threw: a StripeError
      throw first ?? invalidParam(`Invalid ${name}`, name);
    }
  }
}

/**
 * An endpoint's parameters: the route's own schema laid over the one generated from the SDK's
 * types (emulator/api/sdk-params.json). The route's specs win where both define a parameter (they
 * carry the emulator's validation and coercion); the SDK's add every parameter Stripe accepts
 * that the route does not act on, so code written for Stripe is not refused.
 */
export function mergeSpecs(generated: Spec | undefined, own: Spec | undefined): Spec | undefined {
  if (!generated) return own;
  if (!own) return generated;
  if (own.kind === 'object' && generated.kind === 'object') {
    const fields: Record<string, Spec> = { ...generated.fields };
    for (const [key, spec] of Object.entries(own.fields)) fields[key] = mergeSpecs(generated.fields[key], spec)!;
    return { ...own, fields };
  }
  if (own.kind === 'array' && generated.kind === 'array')
    return { ...own, items: mergeSpecs(generated.items, own.items)! };
  return own;
}

function describe(value: unknown): string {
  return typeof value === 'string' ? value : JSON.stringify(value);
}

function validateString(spec: StringSpec, value: unknown, name: string): string {
  if (typeof value !== 'string') {
    if (typeof value === 'number' || typeof value === 'boolean') value = String(value);
    else throw invalidParam(`Invalid string: ${describe(value)}`, name, 'parameter_invalid_string');
  }
  let text = value as string;
  if (spec.normalize) text = spec.normalize(text);
  if (spec.enum && !spec.enum.includes(text)) throw invalidEnum(name, spec.enum);
  if (spec.maxLength !== undefined && text.length > spec.maxLength) {
    throw invalidParam(
      `Invalid string: ${text.slice(0, 20)}...; must be at most ${spec.maxLength} characters`,
      name,
      'parameter_invalid_string',
    );
  }
  if (spec.pattern && !spec.pattern.test(text)) {
    throw invalidParam(spec.patternMessage ?? `Invalid ${name}: ${text}`, name);
  }
  return text;
}

function validateInteger(spec: IntegerSpec, value: unknown, name: string): number {
  const text = typeof value === 'number' ? String(value) : value;
  if (typeof text !== 'string' || !/^-?\d{1,15}$/.test(text)) {
    throw invalidParam(`Invalid integer: ${describe(value)}`, name, 'parameter_invalid_integer');
  }
  const n = Number(text);
  if (spec.min !== undefined && n < spec.min) {
    throw invalidParam(`This value must be greater than or equal to ${spec.min}.`, name, 'parameter_invalid_integer');
  }
  if (spec.max !== undefined && n > spec.max) {
    throw invalidParam(`This value must be less than or equal to ${spec.max}.`, name, 'parameter_invalid_integer');
  }
  return n;
}

function validateObject(spec: ObjectSpec, value: unknown, name: string): Params | null {
  if (!isPlainObject(value)) {
    throw invalidParam(`Invalid object`, name, 'parameter_invalid_object');
  }
  for (const key of Object.keys(value)) {
    if (!Object.hasOwn(spec.fields, key)) throw unknownParameter(joinName(name, key));
  }
  const out: Params = {};
  for (const [key, fieldSpec] of Object.entries(spec.fields)) {
    const fieldName = joinName(name, key);
    const fieldValue = value[key];
    if (fieldValue === undefined) {
      if (fieldSpec.required) throw missingParameter(fieldName);
      continue;
    }
    out[key] = validateValue(fieldSpec, fieldValue, fieldName);
  }
  return out;
}

/** Stripe's metadata rules: up to 50 keys, key ≤ 40 chars, value ≤ 500 chars; '' deletes a key. */
function validateMetadata(value: unknown, name: string): Record<string, string | null> {
  if (!isPlainObject(value)) throw invalidParam(`Invalid object`, name, 'parameter_invalid_object');
  const entries = Object.entries(value);
  if (entries.length > 50) throw invalidParam(`Invalid metadata: metadata can have at most 50 keys`, name);
  const out: Record<string, string | null> = {};
  for (const [key, v] of entries) {
    const keyName = joinName(name, key);
    if (key.length > 40) throw invalidParam(`Invalid metadata: keys can be at most 40 characters`, keyName);
    if (typeof v !== 'string')
      throw invalidParam(`Invalid string: ${describe(v)}`, keyName, 'parameter_invalid_string');
    if (v.length > 500) throw invalidParam(`Invalid metadata: values can be at most 500 characters`, keyName);
    out[key] = v === '' ? null : v;
  }
  return out;
}

export interface Range {
  gt?: number;
  gte?: number;
  lt?: number;
  lte?: number;
}

function validateRange(value: unknown, name: string): Range {
  if (typeof value === 'string') {
    return { gte: validateInteger({ kind: 'integer' }, value, name), lte: Number(value) };
  }
  const bounds = validateObject(
    {
      kind: 'object',
      fields: { gt: p.integer(), gte: p.integer(), lt: p.integer(), lte: p.integer() },
    },
    value,
    name,
  );
  return bounds ?? {};
}

export function inRange(n: number, range: Range | undefined): boolean {
  if (!range) return true;
  if (range.gt !== undefined && !(n > range.gt)) return false;
  if (range.gte !== undefined && !(n >= range.gte)) return false;
  if (range.lt !== undefined && !(n < range.lt)) return false;
  if (range.lte !== undefined && !(n <= range.lte)) return false;
  return true;
}

/** Applies a validated metadata update (null values delete keys, null as a whole clears). */
export function mergeMetadata(
  current: Record<string, string>,
  update: Record<string, string | null> | null | undefined,
): Record<string, string> {
  if (update === undefined) return current;
  if (update === null) return {};
  const next = { ...current };
  for (const [key, value] of Object.entries(update)) {
    if (value === null) delete next[key];
    else next[key] = value;
  }
  return next;
}
