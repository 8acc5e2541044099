// Reads the installed `stripe` SDK's own description of the API it pins: which endpoints exist
// (method + path, from the generated resource classes) and, for each, the shape of its parameters
// and of the object it returns (from the generated type definitions, `esm/resources/**/*.d.ts`).
//
// The SDK is generated from Stripe's OpenAPI spec for its API version (`esm/apiVersion.d.ts`), so
// its types are the newest complete description of what Stripe accepts and returns that this
// project has locally. Two users: the SDK-types oracle (test/emulator/sdk-types.test.ts) and the
// generator of the emulator's parameter table (./generate-params.ts).
//
// Types are resolved by TypeScript itself (not by regexes over .d.ts text): TypeScript 7 (the Go
// compiler; installed as `typescript-7`, since `typescript` is TypeScript 6 for typescript-eslint,
// decision 154) exposes its checker to Node through `typescript-7/unstable/sync`,
// which starts `tsgo` as a child process. Only the method → path mapping is read from the SDK's
// JavaScript, where `_makeRequest('POST', '/v1/…')` is the only place it is written down.
/* eslint-disable @typescript-eslint/no-explicit-any, @typescript-eslint/no-unsafe-member-access, @typescript-eslint/no-unsafe-argument, @typescript-eslint/no-unsafe-call, @typescript-eslint/no-unsafe-assignment --
   TypeScript 7's API is `unstable` and its node and type shapes are only partly typed; this file reads them as any. */
import { mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';
import { API, SymbolFlags, TypeFlags, type Type } from 'typescript-7/unstable/sync';
import { SyntaxKind } from 'typescript-7/unstable/ast';

const SDK_ROOT = fileURLToPath(new URL('../../node_modules/stripe/esm/', import.meta.url));
const RESOURCES = join(SDK_ROOT, 'resources');

/** A value's shape, as far as a form-encoded request or a JSON response needs it. */
export type Shape =
  | { kind: 'string'; enum?: string[] }
  | { kind: 'number' }
  | { kind: 'boolean' }
  | { kind: 'decimal' }
  | { kind: 'null' }
  /** The empty string of `Emptyable<T>` (unset). */
  | { kind: 'empty' }
  | { kind: 'unknown' }
  | { kind: 'array'; items: Shape }
  | { kind: 'object'; name: string; fields: Record<string, Field>; index?: Shape }
  | { kind: 'union'; options: Shape[] }
  /** A reference to an object shape already being built (recursive types). */
  | { kind: 'ref'; name: string };

export interface Field {
  optional: boolean;
  shape: Shape;
}

export interface SdkEndpoint {
  method: 'GET' | 'POST' | 'DELETE';
  /** Stripe's path with `{}` for each id, e.g. `/v1/issuing/cards/{}`. */
  path: string;
  /** e.g. `issuing.cards.update` */
  sdkMethod: string;
  /** Resolved lazily by `sdk.params(endpoint)` / `sdk.response(endpoint)`. */
  file: string;
  className: string;
  methodName: string;
  returns: 'object' | 'list' | 'search' | 'unknown';
}

/** `/v1/issuing/cards/:card` and `/v1/issuing/cards/${…}` both become `/v1/issuing/cards/{}`. */
export function normalizePath(path: string): string {
  return path.replace(/\$\{[^}]+\}/g, '{}').replace(/:[A-Za-z_]+/g, '{}');
}

function walk(dir: string, suffix: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) =>
    entry.isDirectory()
      ? walk(join(dir, entry.name), suffix)
      : entry.name.endsWith(suffix)
        ? [join(dir, entry.name)]
        : [],
  );
}

/** `methodName` → its `_makeRequest` calls, from one generated resource class. */
function requestsOf(jsFile: string): Map<string, { method: SdkEndpoint['method']; path: string }[]> {
  const text = readFileSync(jsFile, 'utf8');
  const out = new Map<string, { method: SdkEndpoint['method']; path: string }[]>();
  const methods = [...text.matchAll(/^ {4}([A-Za-z]\w*)\([^)]*\) \{$/gm)];
  methods.forEach((match, i) => {
    const body = text.slice(match.index, methods[i + 1]?.index ?? text.length);
    const calls = [...body.matchAll(/_makeRequest\('(GET|POST|DELETE)', [`']([^`']+)[`']/g)].map((m) => ({
      method: m[1] as SdkEndpoint['method'],
      path: normalizePath(m[2]!),
    }));
    if (calls.length > 0) out.set(match[1]!, calls);
  });
  return out;
}

export interface Sdk {
  apiVersion: string;
  endpoints: SdkEndpoint[];
  /** The endpoint the SDK calls for `METHOD path` (emulator or Stripe path syntax). */
  find(method: string, path: string): SdkEndpoint | undefined;
  /** The parameters' shape (an object; `{}` when the method takes none). */
  params(endpoint: SdkEndpoint): Extract<Shape, { kind: 'object' }>;
  /** The returned object's shape (the list's item for lists and searches). */
  response(endpoint: SdkEndpoint): Shape;
  /** Shapes of named object types seen so far, for `ref`s. */
  named: Map<string, Extract<Shape, { kind: 'object' }>>;
  close(): void;
}

type Node = any;

export function loadSdk(): Sdk {
  const declarations = walk(RESOURCES, '.d.ts');
  const dir = mkdtempSync(join(tmpdir(), 'stripe-sdk-types-'));
  writeFileSync(
    join(dir, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: { noEmit: true, skipLibCheck: true, module: 'nodenext', target: 'es2022', types: [] },
      files: declarations,
    }),
  );
  const api = new API({ cwd: dir });
  const project = api.updateSnapshot({ openProjects: [join(dir, 'tsconfig.json')] }).getProjects()[0]!;
  const checker = project.checker;

  const endpoints: SdkEndpoint[] = [];
  const methodNodes = new Map<string, Node>();
  for (const file of declarations) {
    const js = file.replace(/\.d\.ts$/, '.js');
    let requests: ReturnType<typeof requestsOf>;
    try {
      requests = requestsOf(js);
    } catch {
      continue;
    }
    if (requests.size === 0) continue;
    const source = project.program.getSourceFile(file);
    for (const statement of (source?.statements ?? []) as Node[]) {
      if (statement.kind !== SyntaxKind.ClassDeclaration) continue;
      const className = statement.name.text as string;
      const namespace = relative(RESOURCES, file)
        .replace(/\.d\.ts$/, '')
        .split('/')
        .map((part) => part.charAt(0).toLowerCase() + part.slice(1))
        .join('.');
      for (const member of statement.members) {
        if (member.kind !== SyntaxKind.MethodDeclaration) continue;
        const methodName = member.name.text as string;
        const calls = requests.get(methodName);
        if (!calls) continue;
        methodNodes.set(`${file}#${methodName}`, member);
        const returnText = source!.text.slice(member.type.pos, member.type.end).trim();
        const returns = /^ApiListPromise</.test(returnText)
          ? 'list'
          : /^ApiSearchResultPromise</.test(returnText)
            ? 'search'
            : /^Promise<Response</.test(returnText)
              ? 'object'
              : 'unknown';
        for (const call of calls) {
          if (endpoints.some((e) => e.method === call.method && e.path === call.path)) continue;
          endpoints.push({ ...call, sdkMethod: `${namespace}.${methodName}`, file, className, methodName, returns });
        }
      }
    }
  }

  const named = new Map<string, Extract<Shape, { kind: 'object' }>>();
  const byTypeId = new Map<number, Shape>();

  const typeName = (type: Type): string => checker.typeToString(type);

  function shapeOf(type: Type, nullable = { value: false }): Shape {
    if (type.flags & TypeFlags.Union) {
      const options: Shape[] = [];
      const literals: string[] = [];
      let booleans = 0;
      let openString = false;
      for (const member of (type as any).getTypes() as Type[]) {
        if (member.flags & TypeFlags.Undefined) continue;
        if (member.flags & TypeFlags.Null) {
          nullable.value = true;
          options.push({ kind: 'null' });
          continue;
        }
        if (member.flags & TypeFlags.StringLiteral) {
          const value = String((member as any).value);
          // `Emptyable<T>` is `T | ''`: Stripe's "send an empty string to unset".
          if (value === '') options.push({ kind: 'empty' });
          else literals.push(value);
          continue;
        }
        if (member.flags & TypeFlags.BooleanLiteral) {
          booleans++;
          continue;
        }
        const shape = shapeOf(member);
        if (shape.kind === 'string' && !shape.enum) openString = true;
        else options.push(shape);
      }
      if (booleans > 0) options.push({ kind: 'boolean' });
      // `'a' | 'b' | OtherString`: the SDK tolerates values newer than itself; the enum is what
      // Stripe knows at the pinned version.
      if (literals.length > 0) options.push({ kind: 'string', enum: literals.sort() });
      else if (openString) options.push({ kind: 'string' });
      return options.length === 1 ? options[0]! : { kind: 'union', options };
    }
    // `Decimal` (`DecimalImpl & {…}`): a decimal string on the wire, both ways.
    if (type.flags & (TypeFlags.Object | TypeFlags.Intersection) && typeName(type) === 'Decimal')
      return { kind: 'decimal' };
    if (type.flags & TypeFlags.Null) return { kind: 'null' };
    if (type.flags & (TypeFlags.String | TypeFlags.TemplateLiteral)) return { kind: 'string' };
    if (type.flags & TypeFlags.StringLiteral) return { kind: 'string', enum: [String((type as any).value)] };
    if (type.flags & (TypeFlags.Number | TypeFlags.NumberLiteral)) return { kind: 'number' };
    if (type.flags & (TypeFlags.Boolean | TypeFlags.BooleanLiteral)) return { kind: 'boolean' };
    // `OtherString` is `string & {}`.
    if (type.flags & TypeFlags.Intersection) {
      const parts = (type as any).getTypes() as Type[];
      if (parts.some((part) => part.flags & TypeFlags.String)) return { kind: 'string' };
      return { kind: 'unknown' };
    }
    if (type.flags & TypeFlags.Object) {
      if (checker.isArrayType(type)) {
        const [item] = checker.getTypeArguments(type as any);
        return { kind: 'array', items: item ? shapeOf(item) : { kind: 'unknown' } };
      }
      const name = typeName(type);
      const seen = byTypeId.get(type.id);
      if (seen) return seen.kind === 'object' ? { kind: 'ref', name: seen.name } : seen;
      let unique = name;
      for (let i = 2; named.has(unique); i++) unique = `${name}#${i}`;
      const shape: Extract<Shape, { kind: 'object' }> = { kind: 'object', name: unique, fields: {} };
      byTypeId.set(type.id, shape);
      named.set(unique, shape);
      const properties = checker.getPropertiesOfType(type);
      const types = properties.length > 0 ? checker.getTypeOfSymbol(properties as any) : [];
      properties.forEach((property, i) => {
        const propertyType = (types as (Type | undefined)[])[i];
        shape.fields[property.name] = {
          optional: (property.flags & SymbolFlags.Optional) !== 0,
          shape: propertyType ? shapeOf(propertyType) : { kind: 'unknown' },
        };
      });
      const [index] = checker.getIndexInfosOfType(type);
      if (index) shape.index = shapeOf(index.valueType);
      return shape;
    }
    return { kind: 'unknown' };
  }

  function typeArgument(node: Node): Node {
    return node?.typeArguments?.[0];
  }

  return {
    apiVersion: /ApiVersion = "([^"]+)"/.exec(readFileSync(join(SDK_ROOT, 'apiVersion.d.ts'), 'utf8'))![1]!,
    endpoints,
    named,
    find: (method, path) => {
      const wanted = normalizePath(path);
      return endpoints.find((e) => e.method === method && e.path === wanted);
    },
    params: (endpoint) => {
      const member = methodNodes.get(`${endpoint.file}#${endpoint.methodName}`);
      const parameter = member.parameters.find((p: Node) => p.name.text === 'params');
      if (!parameter?.type) return { kind: 'object', name: `${endpoint.sdkMethod}(no params)`, fields: {} };
      const shape = shapeOf(checker.getTypeFromTypeNode(parameter.type)!);
      if (shape.kind === 'object') return shape;
      if (shape.kind === 'ref') return named.get(shape.name)!;
      throw new Error(`${endpoint.sdkMethod}: params are not an object`);
    },
    response: (endpoint) => {
      const member = methodNodes.get(`${endpoint.file}#${endpoint.methodName}`);
      // Promise<Response<T>> | ApiListPromise<T> | ApiSearchResultPromise<T>
      const node = endpoint.returns === 'object' ? typeArgument(typeArgument(member.type)) : typeArgument(member.type);
      if (!node) return { kind: 'unknown' };
      return shapeOf(checker.getTypeFromTypeNode(node)!);
    },
    close: () => {
      api.close();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Follows a `ref` to its object shape. */
export function resolve(sdk: Pick<Sdk, 'named'>, shape: Shape): Shape {
  return shape.kind === 'ref' ? sdk.named.get(shape.name)! : shape;
}
