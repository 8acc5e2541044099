// Fault injection: make chosen /v1 requests fail the way Stripe sometimes does, so that code
// under test meets a 429, a 500, a slow answer, a dropped connection or a restricted key's
// missing permission on demand (contract: docs/architecture.md, "Fault injection").
//
// - per request: header `Emulator-Fault: rate_limit | server_error | delay=<ms> | slow=<ms> | drop
//   | drop_after | permission_denied[=<permission>]`;
// - rules: `{method?, path (a prefix), kind, delay_ms?, permission?, times?}` added at start-up
//   (EMULATOR_FAULTS, buildEmulator({faults})), over HTTP (/_emulator/faults) or in code
//   (`emulator.emulator.faults.add(rule)`); each matching request uses up one of `times`.
//
// Faults run as a request hook: after authentication, before idempotency and the handler. So a
// faulted request never saves an idempotent result, and the SDK's retry with the same
// Idempotency-Key (stripe-node retries 5xx and dropped connections) runs the request once the
// fault is gone and gets the same replayable result as any first success. `drop_after` is the
// exception by design: it lets the request run (and save its idempotent result), then cuts the
// connection instead of answering, so the retry must be answered by the replay (Stripe executed
// the call, the client never heard). `slow` is the other half of a slow answer: `delay` waits
// before the request starts (the network), `slow` once it has started (Stripe executing), so its
// Idempotency-Key is taken while it waits and a concurrent request with the same key meets
// Stripe's 409 `idempotency_key_in_use` for real (./idempotency.ts); it saves no result either.
import type { FastifyInstance, FastifyReply } from 'fastify';
import { StripeApiError, redactKey } from './errors.ts';
import { holdIdempotent, idempotencyEndpoint, idempotencyScope } from './idempotency.ts';
import type { ApiContext, RequestHook } from './router.ts';

export const FAULT_KINDS = [
  'rate_limit',
  'server_error',
  'delay',
  'slow',
  'drop',
  'drop_after',
  'permission_denied',
] as const;
export type FaultKind = (typeof FAULT_KINDS)[number];

export interface FaultRule {
  /** Any method when omitted. */
  method?: string;
  /** Path prefix, e.g. `/v1/ephemeral_keys`. */
  path: string;
  kind: FaultKind;
  /** For `delay` and `slow`. */
  delay_ms?: number;
  /**
   * For `permission_denied`: the permission Stripe names (`rak_issuing_card_read`), or `connect`
   * (a restricted key without Connect permissions); none: a request restricted keys cannot make.
   */
  permission?: string;
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
  permission?: string;
}

export const MAX_DELAY_MS = 120_000;

/** A restricted key permission as Stripe names them (`rak_accounts_kyc_id_numbers_read`), or `connect`. */
const PERMISSION = /^(rak_[a-z0-9_]{1,80}|connect)$/;

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
  const known = new Set(['method', 'path', 'kind', 'delay_ms', 'permission', 'times']);
  for (const key of Object.keys(input)) {
    if (!known.has(key)) throw new FaultError(`unknown field "${key}"`, key);
  }
  const { method, path, kind, delay_ms: delayMs, permission, times } = input;
  if (typeof path !== 'string' || !path.startsWith('/'))
    throw new FaultError('path must be a path prefix starting with "/"', 'path');
  if (typeof kind !== 'string' || !(FAULT_KINDS as readonly string[]).includes(kind)) {
    throw new FaultError(`kind must be one of ${FAULT_KINDS.join(', ')}`, 'kind');
  }
  if (method !== undefined && (typeof method !== 'string' || !/^[A-Za-z]+$/.test(method))) {
    throw new FaultError('method must be an HTTP method such as POST', 'method');
  }
  if (kind === 'delay' || kind === 'slow') {
    if (typeof delayMs !== 'number' || !Number.isInteger(delayMs) || delayMs < 0 || delayMs > MAX_DELAY_MS) {
      throw new FaultError(`delay_ms must be an integer from 0 to ${MAX_DELAY_MS} for a ${kind}`, 'delay_ms');
    }
  } else if (delayMs !== undefined) {
    throw new FaultError('delay_ms applies to kinds "delay" and "slow" only', 'delay_ms');
  }
  if (kind === 'permission_denied') {
    if (permission !== undefined && (typeof permission !== 'string' || !PERMISSION.test(permission))) {
      throw new FaultError('permission must be a restricted key permission (rak_…) or "connect"', 'permission');
    }
  } else if (permission !== undefined) {
    throw new FaultError('permission applies to kind "permission_denied" only', 'permission');
  }
  if (times !== undefined && (typeof times !== 'number' || !Number.isInteger(times) || times < 1)) {
    throw new FaultError('times must be a positive integer', 'times');
  }
  const rule: FaultRule = { path, kind: kind as FaultKind };
  if (method !== undefined) rule.method = method.toUpperCase();
  if (delayMs !== undefined) rule.delay_ms = delayMs;
  if (permission !== undefined) rule.permission = permission;
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
  if (
    text === 'rate_limit' ||
    text === 'server_error' ||
    text === 'drop' ||
    text === 'drop_after' ||
    text === 'permission_denied'
  )
    return { kind: text };
  const timed = /^(delay|slow)=(\d{1,6})$/.exec(text);
  if (timed && Number(timed[2]) <= MAX_DELAY_MS)
    return { kind: timed[1] as 'delay' | 'slow', delayMs: Number(timed[2]) };
  const denied = /^permission_denied=(.{1,90})$/.exec(text);
  if (denied && PERMISSION.test(denied[1]!)) return { kind: 'permission_denied', permission: denied[1]! };
  throw new StripeApiError(
    400,
    `Invalid Emulator-Fault header: ${text.slice(0, 40)}. Use rate_limit, server_error, drop, drop_after, delay=<ms> or slow=<ms> (at most ${MAX_DELAY_MS}), permission_denied or permission_denied=<rak_… | connect>.`,
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
    const fault: Fault = { kind: rule.kind };
    if (rule.delay_ms !== undefined) fault.delayMs = rule.delay_ms;
    if (rule.permission !== undefined) fault.permission = rule.permission;
    return fault;
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
 * What Stripe answers a restricted key (rk_…) lacking what the request needs: "If a restricted API
 * key doesn't have the correct permissions to complete an API request, Stripe returns a permission
 * error" (https://docs.stripe.com/keys/restricted-api-keys; other versions of the page say "an
 * invalid request error": both are this, a 403 of type `invalid_request_error` without a code,
 * which stripe-node raises as StripePermissionError). Stripe's words, by case:
 * - a permission the key lacks, named: "The provided key 'rk_test_***…qs8Kgd' does not have the
 *   required permissions for this endpoint on account 'acct_1PJBLEBBLEfV'. Having the
 *   'rak_accounts_kyc_id_numbers_read' permission would allow this request to continue."
 *   (stripe/stripe-node#2246: statusCode 403, rawType invalid_request_error, code undefined);
 * - no permission grants it: "The provided key 'rk_test_***…OrqQzX' does not have the required
 *   permissions for this endpoint on account 'acct_1Cr5cpGaWq1l1Ho5'. This is a restricted API
 *   key, but the required permissions are not available for use by restricted keys." (403
 *   invalid_request_error on POST /v1/ephemeral_keys: invertase/stripe-firebase-extensions#314, #445);
 * - `connect`: "You passed a restricted API key with the Stripe-Account header, but the restricted
 *   API key does not have any Connect permissions." (stripe/stripe-mirakl-connector#33, code null).
 * The key quoted is the caller's, redacted as the emulator's other errors do; the account is the
 * one acted on.
 */
function permissionDenied(ctx: ApiContext, permission: string | undefined): StripeApiError {
  const lead = `The provided key '${redactKey(ctx.principal.key)}' does not have the required permissions for this endpoint on account '${ctx.account}'.`;
  const message =
    permission === 'connect'
      ? 'You passed a restricted API key with the Stripe-Account header, but the restricted API key does not have any Connect permissions.'
      : permission !== undefined
        ? `${lead} Having the '${permission}' permission would allow this request to continue.`
        : `${lead} This is a restricted API key, but the required permissions are not available for use by restricted keys.`;
  return new StripeApiError(403, message, { idempotent: false });
}

/** Waits as a request Stripe is executing: its Idempotency-Key taken, no result saved. */
async function runSlowly(ctx: ApiContext, ms: number): Promise<void> {
  const key = ctx.idempotencyKey;
  const release =
    key !== undefined && key !== ''
      ? holdIdempotent(
          ctx.store,
          ctx.nowMs(),
          idempotencyScope(ctx.principal.key, ctx.account),
          key,
          idempotencyEndpoint(ctx.method, ctx.path),
          ctx.request.body,
        )
      : () => {};
  try {
    await new Promise((resolve) => setTimeout(resolve, ms));
  } finally {
    release();
  }
}

function sendError(reply: FastifyReply, error: StripeApiError): void {
  reply
    .code(error.statusCode)
    .header('content-type', 'application/json; charset=utf-8')
    .send(JSON.stringify(error.toJSON()));
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

async function apply(fault: Fault, ctx: ApiContext, reply: FastifyReply): Promise<void> {
  switch (fault.kind) {
    case 'delay':
      await new Promise((resolve) => setTimeout(resolve, fault.delayMs ?? 0));
      return;
    case 'slow':
      await runSlowly(ctx, fault.delayMs ?? 0);
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
      sendError(reply, rateLimitError());
      return;
    case 'server_error':
      sendError(reply, serverError());
      return;
    case 'permission_denied':
      sendError(reply, permissionDenied(ctx, fault.permission));
      return;
  }
}

/** The request hook: the header wins over rules (and uses up none of them). */
export function faultHook(registry: FaultRegistry): RequestHook {
  return async (ctx: ApiContext, reply: FastifyReply) => {
    const header = ctx.request.headers['emulator-fault'];
    const value = Array.isArray(header) ? header[0] : header;
    const fault = value !== undefined ? parseFaultHeader(value) : registry.take(ctx.method, ctx.path);
    if (fault) await apply(fault, ctx, reply);
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
