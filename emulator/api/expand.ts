// `expand[]`: replaces an id with the object it names, following dotted paths
// (`cardholder`, `data.replacement_for`, `replaced_by.cardholder`) as Stripe does, up to four levels.
import { invalidParam } from './errors.ts';

/** Loads the object an id names (within the request's account), or undefined. */
export type Expander = (id: string) => unknown;

/** Chooses the expander for an id by its prefix ("ic", "ich", "acct", …). */
export type ExpanderLookup = (prefix: string) => Expander | undefined;

const MAX_DEPTH = 4;

function cannotExpand(path: string): Error {
  return invalidParam(`This property cannot be expanded (${path}).`, 'expand');
}

export function expandPaths(target: unknown, paths: readonly string[], lookup: ExpanderLookup): unknown {
  let result = target;
  for (const path of paths) {
    const parts = path.split('.');
    if (parts.length > MAX_DEPTH) {
      throw invalidParam(`You cannot expand more than ${MAX_DEPTH} levels of a property. Property: ${path}`, 'expand');
    }
    result = expandOne(result, parts, path, lookup);
  }
  return result;
}

function expandOne(node: unknown, parts: string[], fullPath: string, lookup: ExpanderLookup): unknown {
  const [head, ...rest] = parts;
  if (head === undefined) return node;
  if (typeof node !== 'object' || node === null || Array.isArray(node) || !(head in node)) {
    throw cannotExpand(fullPath);
  }
  const record = node as Record<string, unknown>;
  let value = record[head];
  if (Array.isArray(value)) {
    // Lists (`data.x`) and arrays of ids expand element by element.
    value = value.map((item) =>
      rest.length === 0 ? resolve(item, fullPath, lookup) : expandOne(item, rest, fullPath, lookup),
    );
  } else if (value !== null) {
    value = resolve(value, fullPath, lookup);
    if (rest.length > 0) value = expandOne(value, rest, fullPath, lookup);
  }
  return { ...record, [head]: value };
}

function resolve(value: unknown, fullPath: string, lookup: ExpanderLookup): unknown {
  if (typeof value === 'object' && value !== null) return value; // already an object
  if (typeof value !== 'string') throw cannotExpand(fullPath);
  const prefix = value.slice(0, value.indexOf('_'));
  const expander = lookup(prefix);
  if (!expander) throw cannotExpand(fullPath);
  return expander(value) ?? value;
}
