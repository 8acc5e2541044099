// Fault injection: make chosen /v1 requests fail the way Stripe sometimes does, so that code
// under test meets a 429, a 500, a slow answer or a dropped connection on demand
// (contract: docs/architecture.md, "Fault injection").
//
// - per request: header `Emulator-Fault: rate_limit | server_error | delay=<ms> | drop | drop_after`;
// - rules: `{method?, path (a prefix), kind, delay_ms?, times?}` added at start-up
//   (EMULATOR_FAULTS, buildEmulator({faults})), over HTTP (/_emulator/faults) or in code
//   (`emulator.emulator.faults.add(rule)`); each matching request uses up one of `times`.
//
// Faults run as a request hook: after authentication, before idempotency and the handler. So a
// faulted request never saves an idempotent result, and the SDK's retry with the same
// Idempotency-Key (stripe-node retries 5xx and dropped connections) runs the request once the
// fault is gone and gets the same replayable result as any first success. `drop_after` is the
// exception by design: it lets the request run (and save its idempotent result), then cuts the
// connection instead of answering, so the retry must be answered by the replay (Stripe executed
// the call, the client never heard).
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StripeApiError } from './errors.ts';
import type { ApiContext, RequestHook } from './router.ts';

export const FAULT_KINDS = ['rate_limit', 'server_error', 'delay', 'drop', 'drop_after'] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** Any method when omitted. */
  method?: string;
  /** Path prefix, e.g. `/v1/ephemeral_keys`. */
  path: string;
  kind: FaultKind;
  /** For `delay`. */
  delay_ms?: number;
  /** How many matching requests fail; forever when omitted. */
  times?: number;
}

export interface ActiveFaultRule extends FaultRule {
  id: string;
  /** Requests faulted so far. */
  hits: number;
}

interface Fault {
  kind: FaultKind;
  delayMs?: number;
}

export const MAX_DELAY_MS = 120_000;

export class FaultError extends Error {
  constructor(
    message: string,
    readonly field: string,
  ) {
    super(message);
    this.name = 'FaultError';
  }
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

/** Checks a rule from JSON (HTTP body, env); throws FaultError naming the bad field. */
export function parseFaultRule(input: unknown): FaultRule {
  if (!isObject(input)) throw new FaultError('a fault rule must be a JSON object', 'rule');
  const known = new Set(['method', 'path', 'kind', 'delay_ms', 'times']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new FaultError(`unknown field "${key}"`, key);
  }
  const { method, path, kind, delay_ms: delayMs, times } = input;
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new FaultError('path must be a path prefix starting with "/"', 'path');
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new FaultError(`kind must be one of ${FAULT_KINDS.join(', ')}`, 'kind');
  }
  if (method !== undefined && (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))) {
    throw new FaultError('method must be an HTTP method such as POST', 'method');
  }
  if (kind === 'delay') {
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
      throw new FaultError(`delay_ms must be an integer from 0 to ${MAX_DELAY_MS} for a delay`, 'delay_ms');
    }
  } else if (delayMs !== undefined) {
    throw new FaultError('delay_ms applies to kind "delay" only', 'delay_ms');
  }
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) {
    throw new FaultError('times must be a positive integer', 'times');
  }
  const rule: FaultRule = { path, kind: kind as FaultKind };
  if (method !== undefined) rule.method = method.toUpperCase();
  if (delayMs !== undefined) rule.delay_ms = delayMs;
  if (times !== undefined) rule.times = times;
  return rule;
}

/** EMULATOR_FAULTS: a JSON array of rules. Throws an Error naming the variable. */
export function parseFaultsEnv(text: string | undefined): FaultRule[] {
  if (text === undefined || text.trim() === '') return [];
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch {
    throw new Error('EMULATOR_FAULTS must be a JSON array of fault rules');
  }
  if (!Array.isArray(parsed)) throw new Error('EMULATOR_FAULTS must be a JSON array of fault rules');
  return parsed.map((rule, i) => {
    try {
      return parseFaultRule(rule);
    } catch (error) {
      throw new Error(`EMULATOR_FAULTS[${i}]: ${(error as Error).message}`, { cause: error });
    }
  });
}

/** `Emulator-Fault` header value → fault; throws a 400 for anything else. */
export function parseFaultHeader(value: string): Fault {
  const text = value.trim();
  if (text === 'rate_limit' || text === 'server_error' || text === 'drop' || text === 'drop_after')
    return { kind: text };
  const delay = /^delay=(\d{1,6})$/.exec(text);
  if (delay && Number(delay[1]) <= MAX_DELAY_MS) return { kind: 'delay', delayMs: Number(delay[1]) };
  throw new StripeApiError(
    400,
    `Invalid Emulator-Fault header: ${text.slice(0, 40)}. Use rate_limit, server_error, drop, drop_after or delay=<ms> (at most ${MAX_DELAY_MS}).`,
    { param: 'Emulator-Fault', idempotent: false },
  );
}

export class FaultRegistry {
  #rules: ActiveFaultRule[] = [];
  #nextId = 1;

  constructor(rules: readonly FaultRule[] = []) {
    for (const rule of rules) this.add(rule);
  }

  /** Adds a rule (validated); returns it with its id. */
  add(rule: FaultRule): ActiveFaultRule {
    const checked = parseFaultRule(rule);
    const active: ActiveFaultRule = { id: `fault_${this.#nextId++}`, ...checked, hits: 0 };
    this.#rules.push(active);
    return active;
  }

  /** Removes every rule; returns how many there were. */
  clear(): number {
    const count = this.#rules.length;
    this.#rules = [];
    return count;
  }

  list(): ActiveFaultRule[] {
    return this.#rules.map((r) => ({ ...r }));
  }

  /** The first rule matching the request, used up by one; rules whose `times` ran out are dropped. */
  take(method: string, path: string): Fault | undefined {
    const rule = this.#rules.find(
      (r) => (r.method === undefined || r.method === method.toUpperCase()) && path.startsWith(r.path),
    );
    if (!rule) return undefined;
    rule.hits += 1;
    if (rule.times !== undefined && rule.hits >= rule.times) this.#rules = this.#rules.filter((r) => r !== rule);
    return rule.kind === 'delay' ? { kind: 'delay', delayMs: rule.delay_ms ?? 0 } : { kind: rule.kind };
  }
}

// Stripe's answer when it rate-limits (docs.stripe.com/rate-limits, error code `rate_limit`).
export function rateLimitError(): StripeApiError {
  return new StripeApiError(
    429,
    'Request rate limit exceeded. Learn more about rate limits here https://stripe.com/docs/rate-limits.',
    { code: 'rate_limit', idempotent: false },
  );
}

export function serverError(): StripeApiError {
  return new StripeApiError(
    500,
    'An unknown error occurred while processing your request (injected by the Stripe emulator).',
    {
      type: 'api_error',
      idempotent: false,
    },
  );
}

/**
 * Lets the request run to the end, then destroys the socket where the answer would be written:
 * the effects (and the idempotent result) stay, the client sees the connection close.
 */
function dropTheAnswer(reply: FastifyReply): void {
  const raw = reply.raw;
  const cut = () => {
    raw.socket?.destroy();
    return raw;
  };
  raw.writeHead = cut;
  raw.write = (() => true) as typeof raw.write;
  raw.end = cut as typeof raw.end;
}

async function apply(fault: Fault, reply: FastifyReply): Promise<void> {
  switch (fault.kind) {
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
      return;
    case 'drop':
      // Answer nothing: the client sees the connection close (ECONNRESET / "socket hang up").
      reply.hijack();
      reply.raw.socket?.destroy();
      return;
    case 'drop_after':
      dropTheAnswer(reply);
      return;
    case 'rate_limit':
    case 'server_error': {
      const error = fault.kind === 'rate_limit' ? rateLimitError() : serverError();
      reply
        .code(error.statusCode)
        .header('content-type', 'application/json; charset=utf-8')
        .send(JSON.stringify(error.toJSON()));
      return;
    }
  }
}

/** The request hook: the header wins over rules (and uses up none of them). */
export function faultHook(registry: FaultRegistry): RequestHook {
  return async (ctx: ApiContext, reply: FastifyReply) => {
    const header = ctx.request.headers['emulator-fault'];
    const value = Array.isArray(header) ? header[0] : header;
    const fault = value !== undefined ? parseFaultHeader(value) : registry.take(ctx.method, ctx.path);
    if (fault) await apply(fault, reply);
  };
}

/** GET / POST / DELETE /_emulator/faults (JSON), emulator only. */
export function registerFaultRoutes(app: FastifyInstance, registry: FaultRegistry): void {
  app.get('/_emulator/faults', async () => ({ object: 'list', data: registry.list() }));
  app.post('/_emulator/faults', async (request, reply) => {
    try {
      return registry.add(parseFaultRule(request.body));
    } catch (error) {
      if (!(error instanceof FaultError)) throw error;
      return reply.code(400).send({
        error: { type: 'invalid_request_error', message: `Invalid fault rule: ${error.message}`, param: error.field },
      });
    }
  });
  app.delete('/_emulator/faults', async () => ({ deleted: registry.clear() }));
}
