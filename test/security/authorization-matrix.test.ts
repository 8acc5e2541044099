// The authorization matrix, generated from shared/route-table.ts and shared/policy.ts: every route
// x (anonymous + every role) x a resource inside and outside the user's scope (another connected
// account's account, card, cardholder; audit rows), each cell with its expected status. A cell
// leaks when a caller gets what the policy refuses it, or an answer naming another account's
// objects it may not reach, or any card number. Prints the cell count; zero leaks required.
import type { LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildApp } from '../../server/app.ts';
import { ROLES, can, policyFor, type Role } from '../../shared/policy.ts';
import { ROUTES, type RouteEntry } from '../../shared/route-table.ts';
import { PROBES, ProbeUnavailable, loadWorld, probesFor, reachesOtherAccounts, type Probe, type World } from './probes.ts';
import { EMAIL, startSecurityStack, summary, type SecurityStack } from './stack.ts';

let stack: SecurityStack;
let world: World;
const counts = { cells: 0, leaks: 0, mismatches: 0, skipped: 0 };
const problems: string[] = [];

type Who = Role | 'anonymous';

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

async function call(route: RouteEntry, probe: Probe, who: Who): Promise<LightMyRequestResponse> {
  const req = await probe.make({ stack, world, role: who });
  const cookie = who === 'anonymous' ? undefined : await stack.loginCookie(EMAIL[who]);
  const payload = req.payload === undefined ? {} : { payload: typeof req.payload === 'string' ? req.payload : JSON.stringify(req.payload) };
  return stack.app.inject({
    method: route.method,
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

beforeAll(async () => {
  stack = await startSecurityStack();
  world = await loadWorld(stack);
});

afterAll(async () => {
  summary('authorization matrix', { routes: ROUTES.length, cells: counts.cells, leaks: counts.leaks, mismatches: counts.mismatches, skipped: counts.skipped });
  const leaked = stack ? stack.leakedSecrets() : [];
  await stack?.close();
  expect(leaked).toEqual([]);
});

test('every route of the table has probes, and every registered route is in the table', () => {
  for (const route of ROUTES) expect(() => probesFor(route)).not.toThrow();
  for (const key of stack.app.routeSchemas.keys()) expect(Object.keys(PROBES)).toContain(key);
});

test('a route without a rule in the table stops the app at start', async () => {
  const app = await buildApp(stack.config, { db: stack.app.db, stripe: stack.app.stripe, logger: false });
  expect(() => app.get('/api/unlisted', async () => ({ leaked: true }))).toThrow(/no rule in shared\/route-table.ts/);
  await app.close();
});

describe.each(ROUTES.map((r) => [`${r.method} ${r.path}`, r] as const))('%s', (_name, route: RouteEntry) => {
  test('every caller x inside/outside resource gets what the policy says, and nothing of what it may not reach', async () => {
    for (const probe of probesFor(route)) {
      for (const who of ['anonymous', ...ROLES] as const) {
        let res: LightMyRequestResponse;
        try {
          res = await call(route, probe, who);
        } catch (error) {
          if (error instanceof ProbeUnavailable) {
            counts.skipped += 1;
            continue;
          }
          throw error;
        }
        counts.cells += 1;
        stack.trackBody(res.body);
        const want = expected(route, probe, who);
        const cell = `${route.method} ${route.path} [${probe.label}] as ${who}: expected ${want}, got ${res.statusCode}`;
        const wantStatus = want === 'filtered' ? 200 : want;

        const leaks: string[] = [];
        if (wantStatus >= 400 && res.statusCode < 400) leaks.push('allowed what the policy refuses');
        if (!reachesOtherAccounts(who)) {
          const named = world.otherIds.filter((id) => res.body.includes(id) && !(route.method === 'POST' && route.path === '/api/session'));
          if (named.length) leaks.push(`answer names another account's objects: ${named.join(', ')}`);
        }
        const numbers = cardNumbers().filter((n) => res.body.includes(n));
        if (numbers.length) leaks.push('answer holds a card number');
        if (leaks.length) {
          counts.leaks += 1;
          problems.push(`LEAK ${cell}: ${leaks.join('; ')}`);
        } else if (res.statusCode !== wantStatus) {
          counts.mismatches += 1;
          problems.push(`${cell}: ${res.body.slice(0, 200)}`);
        } else if (res.statusCode < 400 && probe.shows && (who === 'anonymous' || reachesOtherAccounts(who) || probe.scope !== 'outside')) {
          // The resource really was reached by those allowed to: the refusal cells are not vacuous.
          for (const id of probe.shows(world)) {
            if (!res.body.includes(id)) {
              counts.mismatches += 1;
              problems.push(`${cell}: answer lacks ${id}`);
            }
          }
        }
        if (res.statusCode >= 400) expect(res.json().error, cell).toMatchObject({ code: expect.any(String), message: expect.any(String) });
      }
    }
    expect(problems.filter((p) => p.includes(`${route.method} ${route.path} [`))).toEqual([]);
  });
});
