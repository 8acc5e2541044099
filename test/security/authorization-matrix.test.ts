// The authorization matrix, generated from the routes the RUNNING server answers (every method x
// URL its router holds, as Fastify registered them: app.routeInventory, checked against
// printRoutes), not from shared/route-table.ts: the HEAD route Fastify adds for each GET, the
// client's pages and the docs are probed like the table's routes, and every other method on
// each URL must find nothing (404). Each table route x (anonymous + every role) x a resource
// inside and outside the user's scope (another connected account's account, card, cardholder;
// audit rows) gets its expected status; HEAD gets its GET's. A cell leaks when a caller gets what
// the policy refuses it, or an answer naming another account's objects it may not reach, or any
// card number. Prints the counts; zero leaks and zero mismatches required.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { ROLES, can, policyFor, type Role } from '../../shared/policy.ts';
import { ROUTES, findRoute, type RouteEntry } from '../../shared/route-table.ts';
import {
  PROBES,
  ProbeUnavailable,
  loadWorld,
  probesFor,
  reachesOtherAccounts,
  type Probe,
  type World,
} from './probes.ts';
import { EMAIL, startSecurityStack, summary, type SecurityStack } from './stack.ts';

// Started before the tests are collected: the matrix's rows are what this server answers.
const stack: SecurityStack = await startSecurityStack();
const world: World = await loadWorld(stack);
const counts = { answered: 0, cells: 0, head: 0, unanswered: 0, leaks: 0, mismatches: 0, skipped: 0 };
const problems: string[] = [];

type Who = Role | 'anonymous';
const CALLERS = ['anonymous', ...ROLES] as const;
const METHODS = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'] as const;

/** Every method x URL the server answers, deduplicated. */
const answered = [...new Map(stack.app.routeInventory.map((r) => [`${r.method} ${r.url}`, r])).values()];
const urls = [...new Set(answered.map((r) => r.url))];
/** The table's rule for what the router holds (HEAD runs its GET's handler, under its GET's rule). */
const ruleOf = (method: string, url: string) => findRoute(method === 'HEAD' ? 'GET' : method, url);

/** The status the policy gives this caller for this probe, or 'filtered'. */
function expected(route: RouteEntry, probe: Probe, who: Who): number | 'filtered' {
  if (who === 'anonymous') return route.rule === 'public' ? probe.ok : 401;
  if (route.rule !== 'public' && route.rule !== 'authenticated' && !can(who, route.rule)) return 403;
  if (probe.scope === 'outside' && !reachesOtherAccounts(who)) return probe.refused ?? 403;
  if (probe.lookupRefused !== undefined && policyFor(who).accountScope === 'lookup') return probe.lookupRefused;
  return probe.ok;
}

function cardNumbers(): string[] {
  const out: string[] = [];
  for (const account of stack.emulator.store.accounts.list()) {
    for (const s of stack.emulator.store.accountData(account.id).cardSecrets.values()) out.push(s.number);
  }
  return out;
}

async function call(method: string, probe: Probe, who: Who): Promise<LightMyRequestResponse> {
  const req = await probe.make({ stack, world, role: who });
  const cookie = who === 'anonymous' ? undefined : await stack.loginCookie(EMAIL[who]);
  const payload =
    req.payload === undefined
      ? {}
      : { payload: typeof req.payload === 'string' ? req.payload : JSON.stringify(req.payload) };
  return stack.app.inject({
    method: method as 'GET',
    url: req.url,
    headers: {
      origin: stack.appUrl,
      ...(req.payload !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(cookie ? { cookie } : {}),
      ...req.headers,
    },
    ...payload,
  });
}

/** A concrete URL for a route pattern: parameters and wildcards filled with harmless values. */
function concrete(url: string): string {
  return url.replace(/:(\w+)/g, () => world.own.virtualCard.id).replace(/\*$/, 'some/page');
}

async function plain(method: string, url: string, who: Who): Promise<LightMyRequestResponse> {
  const cookie = who === 'anonymous' ? undefined : await stack.loginCookie(EMAIL[who]);
  return stack.app.inject({
    method: method as 'GET',
    url,
    headers: {
      origin: stack.appUrl,
      ...(cookie ? { cookie } : {}),
      ...(method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? {} : { 'content-type': 'application/json' }),
    },
    ...(method === 'GET' || method === 'HEAD' || method === 'OPTIONS' ? {} : { payload: '{}' }),
  });
}

afterAll(async () => {
  summary('authorization matrix', {
    answeredRoutes: counts.answered,
    tableRoutes: ROUTES.length,
    cells: counts.cells,
    headCells: counts.head,
    unansweredMethodCells: counts.unanswered,
    leaks: counts.leaks,
    mismatches: counts.mismatches,
    skipped: counts.skipped,
  });
  const leaked = stack.leakedSecrets();
  await stack.close();
  expect(leaked).toEqual([]);
});

test('the answered routes are what the router holds, and each is either in the table or a public page', () => {
  // printRoutes lists each URL with its methods: the same method x URL pairs as the inventory.
  const printed = [...stack.app.printRoutes({ commonPrefix: false }).matchAll(/\(([A-Z, ]+)\)/g)].flatMap((m) =>
    m[1]!.split(', '),
  );
  expect(printed.length).toBe(answered.length);
  expect(answered.some((r) => r.method === 'HEAD')).toBe(true);
  for (const { method, url } of answered) {
    if (ruleOf(method, url)) continue;
    expect(['GET', 'HEAD'], `${method} ${url} answers without a rule`).toContain(method);
    expect(url.startsWith('/api') || url.startsWith('/webhooks'), `${method} ${url}`).toBe(false);
  }
});

test('every route of the table has probes and is answered, and every registered route is in the table', () => {
  for (const route of ROUTES) {
    expect(() => probesFor(route)).not.toThrow();
    expect(
      answered.some((r) => r.method === route.method && r.url === route.path),
      `${route.method} ${route.path}`,
    ).toBe(true);
  }
  for (const key of stack.app.routeSchemas.keys()) expect(Object.keys(PROBES)).toContain(key);
});

test('a route without a rule in the table stops the app at start, whatever its method', async () => {
  const app = await buildApp(stack.config, { db: stack.app.db, stripe: stack.app.stripe, logger: false });
  expect(() => app.get('/api/unlisted', async () => ({ leaked: true }))).toThrow(/no rule in shared\/route-table.ts/);
  expect(() => app.options('/api/me', async () => ({ leaked: true }))).toThrow(/OPTIONS \/api\/me has no rule/);
  await app.close();
});

test('HEAD is guarded exactly as its GET: no session, no audit rows and no 500', async () => {
  for (const url of [
    '/api/audit',
    '/api/me',
    '/api/accounts',
    `/api/cards/${world.own.virtualCard.id}`,
    `/api/cardholders?account=${world.own.account}`,
  ]) {
    const res = await stack.app.inject({ method: 'HEAD', url });
    expect(res.statusCode, `HEAD ${url}`).toBe(401);
  }
  const asUser = await stack.app.inject({
    method: 'HEAD',
    url: '/api/audit',
    headers: { cookie: await stack.loginCookie(EMAIL.account_user) },
  });
  expect(asUser.statusCode).toBe(403);
  const asSupport = await stack.app.inject({
    method: 'HEAD',
    url: `/api/cardholders?account=${world.own.account}`,
    headers: { cookie: await stack.loginCookie(EMAIL.support_agent) },
  });
  expect(asSupport.statusCode).toBe(403);
});

describe.each(answered.map((r) => [`${r.method} ${r.url}`, r] as const))('%s', (_name, { method, url }) => {
  test('every caller x inside/outside resource gets what the policy says, and nothing of what it may not reach', async () => {
    counts.answered += 1;
    const route = ruleOf(method, url);
    if (!route) {
      // A page of the client or the docs: public, the same answer for everyone, never a 5xx.
      const statuses = new Set<number>();
      for (const who of CALLERS) {
        const res = await plain(method, concrete(url), who);
        counts.cells += 1;
        statuses.add(res.statusCode);
        if (res.statusCode >= 500 && res.statusCode !== 503)
          problems.push(`${method} ${url} as ${who}: ${res.statusCode}`);
        if (world.otherIds.some((id) => res.body.includes(id)))
          problems.push(`LEAK ${method} ${url} as ${who}: names another account's objects`);
      }
      if (statuses.size !== 1)
        problems.push(`${method} ${url}: answers differ per caller (${[...statuses].join(', ')})`);
    } else {
      for (const probe of probesFor(route)) {
        for (const who of CALLERS) {
          let res: LightMyRequestResponse;
          try {
            res = await call(method, probe, who);
          } catch (error) {
            if (error instanceof ProbeUnavailable) {
              counts.skipped += 1;
              continue;
            }
            throw error;
          }
          counts.cells += 1;
          if (method === 'HEAD') counts.head += 1;
          stack.trackBody(res.body);
          const want = expected(route, probe, who);
          const cell = `${method} ${url} [${probe.label}] as ${who}: expected ${want}, got ${res.statusCode}`;
          const wantStatus = want === 'filtered' ? 200 : want;

          const leaks: string[] = [];
          if (wantStatus >= 400 && res.statusCode < 400) leaks.push('allowed what the policy refuses');
          if (!reachesOtherAccounts(who)) {
            const named = world.otherIds.filter(
              (id) => res.body.includes(id) && !(method === 'POST' && url === '/api/session'),
            );
            if (named.length) leaks.push(`answer names another account's objects: ${named.join(', ')}`);
          }
          const numbers = cardNumbers().filter((n) => res.body.includes(n));
          if (numbers.length) leaks.push('answer holds a card number');
          if (method === 'HEAD' && res.body.length > 0) leaks.push('HEAD answered with a body');
          if (leaks.length) {
            counts.leaks += 1;
            problems.push(`LEAK ${cell}: ${leaks.join('; ')}`);
          } else if (res.statusCode !== wantStatus) {
            counts.mismatches += 1;
            problems.push(`${cell}: ${res.body.slice(0, 200)}`);
          } else if (
            method !== 'HEAD' &&
            res.statusCode < 400 &&
            probe.shows &&
            (who === 'anonymous' || reachesOtherAccounts(who) || probe.scope !== 'outside')
          ) {
            // The resource really was reached by those allowed to: the refusal cells are not vacuous.
            for (const id of probe.shows(world)) {
              if (!res.body.includes(id)) {
                counts.mismatches += 1;
                problems.push(`${cell}: answer lacks ${id}`);
              }
            }
          }
          if (res.statusCode >= 400 && method !== 'HEAD')
            expect(res.json().error, cell).toMatchObject({ code: expect.any(String), message: expect.any(String) });
        }
      }
    }
    expect(problems.filter((p) => p.includes(`${method} ${url} `))).toEqual([]);
  });
});

describe.each(urls.map((url) => [url] as const))('methods %s does not answer', (url) => {
  test('find nothing (404) for every caller', async () => {
    for (const method of METHODS.filter((m) => !answered.some((r) => r.url === url && r.method === m))) {
      for (const who of CALLERS) {
        const res = await plain(method, concrete(url), who);
        counts.unanswered += 1;
        if (res.statusCode < 400) {
          counts.leaks += 1;
          problems.push(`LEAK ${method} ${url} as ${who}: answered ${res.statusCode}`);
        } else if (res.statusCode !== 404) {
          counts.mismatches += 1;
          problems.push(`${method} ${url} as ${who}: expected 404, got ${res.statusCode} ${res.body.slice(0, 120)}`);
        }
      }
    }
    expect(
      problems.filter((p) => p.includes(` ${url} as `) && !answered.some((r) => p.includes(`${r.method} ${url} `))),
    ).toEqual([]);
  });
});
