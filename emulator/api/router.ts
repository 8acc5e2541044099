// The request pipeline every /v1 endpoint shares, and the shape of a resource module.
//
// A resource is one file exporting `defineResource({...})` with its routes (method, path,
// parameter schema, who may call it, handler) and the expanders for the ids it owns; it is
// registered by adding it to the list in ./resources.ts. The pipeline does the rest, in Stripe's
// order: authenticate, choose the account, check Stripe-Version, run the per-request hooks (fault
// injection goes there), idempotency, parameter validation, per-route access rules, handler.

import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  authenticate,
  connectRefused,
  ephemeralKeyRefused,
  publishableKeyRefused,
  resolveAccount,
  type Principal,
} from './auth.ts';
import { StripeApiError, invalidParam } from './errors.ts';
import { expandPaths, type Expander } from './expand.ts';
import { beginIdempotent } from './idempotency.ts';
import { newId } from './ids.ts';
import { parseStripeVersion } from './stripe-version.ts';
import { validateParams, type Params, type Spec } from './params.ts';
import type { AccountData, Clock, ConnectTokenRecord, EmulatorStore, EphemeralKeyRecord } from './store.ts';

/** The API version the emulator speaks (that of the installed stripe SDK). */
export const API_VERSION = '2026-10-28.endive';

export type HttpMethod = 'GET' | 'POST' | 'DELETE';
export type PathParams = Record<string, string>;

/** Called for each /v1 request after authentication, before idempotency and the handler. */
export type RequestHook = (ctx: ApiContext, reply: FastifyReply) => void | Promise<void>;

/** Notified of every object change a handler reports (the events resource will subscribe). */
export type ObjectEventListener = (event: ObjectEvent) => void;

export interface ObjectEvent {
  type: string;
  account: string;
  object: unknown;
  previousAttributes?: Record<string, unknown>;
  requestId: string;
  idempotencyKey: string | undefined;
}

/** Shared by every request of one emulator instance. */
export interface EmulatorRuntime {
  store: EmulatorStore;
  clock: Clock;
  publicUrl: string;
  requestHooks: RequestHook[];
  eventListeners: ObjectEventListener[];
  /** Expanders by id prefix, contributed by the resources. */
  expanders: Map<string, (ctx: ApiContext, id: string) => unknown>;
}

export interface ApiContext {
  runtime: EmulatorRuntime;
  store: EmulatorStore;
  principal: Principal;
  /** The account acted on: the platform, or the connected account of `Stripe-Account`. */
  account: string;
  data: AccountData;
  apiVersion: string;
  /** Whether the caller sent a Stripe-Version header. */
  apiVersionSent: boolean;
  requestId: string;
  idempotencyKey: string | undefined;
  method: HttpMethod;
  /** The path without query string, used as the list `url`. */
  path: string;
  request: FastifyRequest;
  /** Seconds since the epoch, from the emulator's clock. */
  now(): number;
  nowMs(): number;
  expand<T>(object: T, paths: readonly string[] | undefined): T;
  emit(type: string, object: unknown, previousAttributes?: Record<string, unknown>): void;
}

export interface Access {
  /** Publishable keys may call this endpoint. */
  publishable?: boolean;
  /** Ephemeral key secrets may call this endpoint, subject to the check (throw to refuse). */
  ephemeral?: (key: EphemeralKeyRecord, path: PathParams, params: Params) => void;
  /** Connect session tokens may call this endpoint, subject to the check (throw to refuse). */
  connect?: (token: ConnectTokenRecord, path: PathParams, params: Params) => void;
}

export interface Route {
  method: HttpMethod;
  /** Fastify path syntax, e.g. `/v1/issuing/cards/:card`. */
  path: string;
  /** Body (POST) or query (GET, DELETE) parameters; `expand` is always accepted. */
  params?: Record<string, Spec>;
  access?: Access;
  handler(ctx: ApiContext, params: Params, path: PathParams): unknown;
}

export interface Resource {
  name: string;
  routes: Route[];
  /** Loaders for the ids this resource owns, by prefix, used by `expand[]`. */
  expanders?: Record<string, (ctx: ApiContext, id: string) => unknown>;
}

export function defineResource(resource: Resource): Resource {
  return resource;
}

function header(request: FastifyRequest, name: string): string | undefined {
  const value = request.headers[name];
  return Array.isArray(value) ? value[0] : value;
}

function checkAccessKind(route: Route, principal: Principal): void {
  const access = route.access ?? {};
  if (principal.kind === 'publishable' && !access.publishable) throw publishableKeyRefused();
  if (principal.kind === 'ephemeral' && !access.ephemeral) throw ephemeralKeyRefused();
  if (principal.kind === 'connect' && !access.connect) throw connectRefused(`${route.method} ${route.path}`);
}

function checkAccessRule(route: Route, principal: Principal, path: PathParams, params: Params): void {
  if (principal.kind === 'ephemeral') route.access?.ephemeral?.(principal.record, path, params);
  if (principal.kind === 'connect') route.access?.connect?.(principal.record, path, params);
}

function sendJson(reply: FastifyReply, statusCode: number, body: string, headers: Record<string, string>): FastifyReply {
  return reply
    .code(statusCode)
    .headers(headers)
    .header('content-type', 'application/json; charset=utf-8')
    .send(body);
}

export function registerResources(app: FastifyInstance, runtime: EmulatorRuntime, resources: readonly Resource[]): void {
  for (const resource of resources) {
    for (const [prefix, expander] of Object.entries(resource.expanders ?? {})) {
      runtime.expanders.set(prefix, expander);
    }
  }
  for (const resource of resources) {
    for (const route of resource.routes) {
      app.route({
        method: route.method,
        url: route.path,
        handler: (request, reply) => handle(runtime, route, request, reply),
      });
    }
  }
}

async function handle(runtime: EmulatorRuntime, route: Route, request: FastifyRequest, reply: FastifyReply): Promise<unknown> {
  const { store, clock } = runtime;
  const requestId = newId('req').slice(0, 18);
  reply.header('request-id', requestId);

  const principal = authenticate(store, clock.now(), header(request, 'authorization'));
  checkAccessKind(route, principal);
  const account = resolveAccount(store, principal, header(request, 'stripe-account'));

  const versionHeader = header(request, 'stripe-version');
  const parsedVersion = versionHeader === undefined || versionHeader.trim() === '' ? undefined : parseStripeVersion(versionHeader);
  if (versionHeader !== undefined && versionHeader.trim() !== '' && !parsedVersion) {
    throw new StripeApiError(400, `Invalid Stripe API version: ${versionHeader}`, { idempotent: false });
  }
  // The version before any beta flags is the one used; the header (betas included) is echoed.
  const apiVersion = parsedVersion?.version ?? API_VERSION;
  const echoedVersion = parsedVersion?.header ?? API_VERSION;
  reply.header('stripe-version', echoedVersion);

  const contentType = header(request, 'content-type') ?? '';
  if (route.method === 'POST' && contentType !== '' && !contentType.startsWith('application/x-www-form-urlencoded')) {
    throw invalidParam(
      `Invalid request: Stripe's /v1 API takes application/x-www-form-urlencoded bodies, not ${contentType.split(';')[0]}.`,
      'body',
    );
  }

  const path = request.url.split('?')[0] ?? request.url;
  const idempotencyKey = route.method === 'POST' ? header(request, 'idempotency-key') : undefined;
  const ctx: ApiContext = {
    runtime,
    store,
    principal,
    account,
    data: store.accountData(account),
    apiVersion,
    apiVersionSent: versionHeader !== undefined,
    requestId,
    idempotencyKey,
    method: route.method,
    path,
    request,
    now: () => Math.floor(clock.now() / 1000),
    nowMs: () => clock.now(),
    expand: (object, paths) => {
      if (!paths || paths.length === 0) return object;
      const lookup = (prefix: string): Expander | undefined => {
        const expander = runtime.expanders.get(prefix);
        return expander ? (id: string) => expander(ctx, id) : undefined;
      };
      return expandPaths(object, paths, lookup) as typeof object;
    },
    emit: (type, object, previousAttributes) => {
      for (const listener of runtime.eventListeners) {
        listener({ type, account, object, previousAttributes, requestId, idempotencyKey });
      }
    },
  };

  for (const hook of runtime.requestHooks) {
    await hook(ctx, reply);
    if (reply.sent) return reply;
  }

  const raw = route.method === 'POST' ? request.body : request.query;
  let pending: { scopeKey: string } | undefined;
  if (idempotencyKey !== undefined && idempotencyKey !== '') {
    const decision = beginIdempotent(
      store,
      clock.now(),
      `${principal.key}\u0000${account}`,
      idempotencyKey,
      `${route.method} ${path}`,
      raw,
    );
    if (decision.kind === 'replay') {
      return sendJson(reply, decision.response.statusCode, decision.response.body, {
        ...decision.response.headers,
        'idempotent-replayed': 'true',
        'idempotency-key': idempotencyKey,
      });
    }
    pending = decision;
    reply.header('idempotency-key', idempotencyKey);
  }

  try {
    const params = validateParams(route.params ?? {}, raw);
    checkAccessRule(route, principal, request.params as PathParams, params);
    const result = await route.handler(ctx, params, request.params as PathParams);
    const body = JSON.stringify(result);
    if (pending) save(store, pending.scopeKey, 200, body, { 'original-request': requestId, 'stripe-version': echoedVersion });
    return sendJson(reply, 200, body, {});
  } catch (error) {
    if (pending) {
      if (error instanceof StripeApiError && error.idempotent) {
        save(store, pending.scopeKey, error.statusCode, JSON.stringify(error.toJSON()), {
          ...error.headers,
          'original-request': requestId,
        });
      } else {
        store.idempotency.delete(pending.scopeKey);
      }
    }
    throw error;
  }
}

function save(store: EmulatorStore, scopeKey: string, statusCode: number, body: string, headers: Record<string, string>): void {
  const record = store.idempotency.get(scopeKey);
  if (record) record.response = { statusCode, body, headers };
}
