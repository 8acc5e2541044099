// The SDK-types oracle's two checks, apart from the test that drives them:
//
// - `missingParams`: every parameter path the SDK's types declare for an endpoint (and every enum
//   value) must be accepted by the emulator's parameter spec of that route.
// - `missingFields`: every field the SDK's types mark present (not optional) must be in the object
//   the emulator returned, at every depth the returned value reaches (nulls where the type allows
//   them, ids where an expandable field is not expanded).
import type { Spec } from '../../../emulator/api/params.ts';
import { resolve, type Sdk, type Shape } from '../../../scripts/stripe-sdk/sdk-types.ts';

type Named = Pick<Sdk, 'named'>;

export interface ParamReport {
  /** Parameter paths the SDK declares, e.g. `purchase_details[fuel][type]` (arrays as `[]`). */
  declared: string[];
  /** Paths (or `path=value` for enum values) the emulator would refuse. */
  missing: string[];
}

function childName(prefix: string, key: string): string {
  return prefix === '' ? key : `${prefix}[${key}]`;
}

/** The specs of `spec` that can hold an object / array / scalar (unions fan out). */
function alternatives(spec: Spec | undefined): Spec[] {
  if (!spec) return [];
  return spec.kind === 'union' ? spec.options.flatMap(alternatives) : [spec];
}

export function missingParams(sdk: Named, shape: Shape, spec: Spec | undefined): ParamReport {
  const report: ParamReport = { declared: [], missing: [] };
  walkParam(sdk, shape, spec, '', [], report);
  report.declared = [...new Set(report.declared)];
  report.missing = [...new Set(report.missing)];
  return report;
}

function walkParam(
  sdk: Named,
  shape: Shape,
  spec: Spec | undefined,
  path: string,
  ancestors: string[],
  report: ParamReport,
): void {
  shape = resolve(sdk, shape);
  const specs = alternatives(spec);
  switch (shape.kind) {
    case 'object': {
      if (ancestors.includes(shape.name)) return;
      // A map (`metadata` and the like) is accepted by the emulator's metadata spec.
      if (shape.index && Object.keys(shape.fields).length === 0) {
        if (!specs.some((s) => s.kind === 'metadata' || s.kind === 'object')) report.missing.push(path);
        return;
      }
      const objects = specs.filter((s): s is Extract<Spec, { kind: 'object' }> => s.kind === 'object');
      const isRange =
        specs.some((s) => s.kind === 'range') &&
        Object.keys(shape.fields).every((k) => ['gt', 'gte', 'lt', 'lte'].includes(k));
      for (const [key, field] of Object.entries(shape.fields)) {
        const name = childName(path, key);
        report.declared.push(name);
        if (isRange) continue;
        const child = objects.map((o) => o.fields[key]).find((f) => f !== undefined);
        if (!child) {
          report.missing.push(name);
          continue;
        }
        walkParam(sdk, field.shape, child, name, [...ancestors, shape.name], report);
      }
      return;
    }
    case 'array': {
      const arrays = specs.filter((s): s is Extract<Spec, { kind: 'array' }> => s.kind === 'array');
      if (arrays.length === 0) {
        report.missing.push(`${path}[]`);
        return;
      }
      walkParam(sdk, shape.items, arrays[0]!.items, `${path}[]`, ancestors, report);
      return;
    }
    case 'union':
      for (const option of shape.options) walkParam(sdk, option, spec, path, ancestors, report);
      return;
    case 'string': {
      const strings = specs.filter((s) => s.kind === 'string');
      if (shape.enum) {
        for (const value of shape.enum) {
          if (!strings.some((s) => s.kind === 'string' && (!s.enum || s.enum.includes(value))))
            report.missing.push(`${path}=${value}`);
        }
      } else if (strings.length === 0 && !specs.some((s) => s.kind === 'range')) {
        report.missing.push(`${path} (string)`);
      }
      return;
    }
    case 'number':
      if (!specs.some((s) => s.kind === 'number' || s.kind === 'integer' || s.kind === 'range'))
        report.missing.push(`${path} (number)`);
      return;
    case 'boolean':
      if (!specs.some((s) => s.kind === 'boolean')) report.missing.push(`${path} (boolean)`);
      return;
    case 'decimal':
      if (!specs.some((s) => s.kind === 'string' || s.kind === 'number')) report.missing.push(`${path} (decimal)`);
      return;
    default:
      return;
  }
}

export interface FieldReport {
  /** Field paths checked, e.g. `shipping.address.line1` (array items as `[]`). */
  checked: Set<string>;
  /** Fields the SDK's types mark present that the object lacks. */
  missing: string[];
}

export function newFieldReport(): FieldReport {
  return { checked: new Set(), missing: [] };
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/**
 * The union member an object value is an instance of: the one whose literal fields (`object`,
 * `type`: the discriminators of Stripe's unions, e.g. the 300 event types) all match the value.
 */
function pickObject(sdk: Named, options: Shape[], value: Record<string, unknown>): Shape | undefined {
  const objects = options
    .map((o) => resolve(sdk, o))
    .filter((o): o is Extract<Shape, { kind: 'object' }> => o.kind === 'object');
  let best: { shape: Shape; score: number } | undefined;
  for (const option of objects) {
    let score = 0;
    let mismatch = false;
    for (const [key, field] of Object.entries(option.fields)) {
      const literal = resolve(sdk, field.shape);
      if (literal.kind !== 'string' || !literal.enum || literal.enum.length !== 1 || !(key in value)) continue;
      if (literal.enum[0] === value[key]) score++;
      else mismatch = true;
    }
    if (!mismatch && (!best || score > best.score)) best = { shape: option, score };
  }
  return best?.shape ?? objects[0];
}

export function missingFields(sdk: Named, shape: Shape, value: unknown, path: string, report: FieldReport): void {
  shape = resolve(sdk, shape);
  if (shape.kind === 'union') {
    if (isPlainObject(value)) {
      const option = pickObject(sdk, shape.options, value);
      if (option) missingFields(sdk, option, value, path, report);
    } else if (Array.isArray(value)) {
      const option = shape.options.find((o) => resolve(sdk, o).kind === 'array');
      if (option) missingFields(sdk, option, value, path, report);
    }
    return;
  }
  if (shape.kind === 'array' && Array.isArray(value)) {
    for (const item of value) missingFields(sdk, shape.items, item, `${path}[]`, report);
    return;
  }
  if (shape.kind !== 'object' || !isPlainObject(value)) return;
  for (const [key, field] of Object.entries(shape.fields)) {
    const name = path === '' ? key : `${path}.${key}`;
    if (!(key in value)) {
      if (!field.optional) report.missing.push(name);
      continue;
    }
    report.checked.add(name);
    missingFields(sdk, field.shape, value[key], name, report);
  }
}
