// The error handler's promises: our shape everywhere, 5xx text hidden from the client but
// logged with the request, and Stripe outages reported as such (502), not as our bug.
import { afterAll, beforeAll, expect, test } from 'vitest';
import { openDatabase, type Database, type Queryable } from '../../server/db/database.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/stack.ts';

let failSessions = false;
function withSessionFaults(db: Database): Database {
  const guard = (q: Queryable): Queryable => ({
    query: (sql, params) =>
      failSessions && /FROM (sessions|session_user_of)\b/i.test(sql)
        ? Promise.reject(new Error('connection to 10.0.0.7 refused: pg internals'))
        : q.query(sql, params),
    exec: (script) => q.exec(script),
  });
  return {
    ...guard(db),
    transaction: (fn) => db.transaction((tx) => fn(guard(tx))),
    tryAdvisoryLock: (key) => db.tryAdvisoryLock(key),
    listen: (c, f, e) => db.listen(c, f, e),
    notify: (c, p) => db.notify(c, p),
    close: () => db.close(),
  };
}

let db: Database;
let t: TestApp;

beforeAll(async () => {
  db = withSessionFaults(await openDatabase({ kind: 'pglite', dir: 'memory://' }));
  // Nothing listens on the emulator port: every Stripe call fails to connect.
  t = await buildTestApp({ EMULATOR_PORT: String(await freePort()) }, { db });
  await t.createUser('admin@errors.example', 'platform_admin');
});
afterAll(async () => {
  await t.close();
  await db.close();
});

test('an internal failure is a 500 with a generic message; the details go to the log only', async () => {
  const cookie = await t.login('admin@errors.example');
  failSessions = true;
  try {
    const res = await t.inject({ method: 'GET', url: '/api/me', cookie });
    expect(res.statusCode).toBe(500);
    expect(res.json()).toEqual({ error: { code: 'internal_error', message: 'Something went wrong on our side.' } });
    expect(res.body).not.toContain('10.0.0.7');
  } finally {
    failSessions = false;
  }
  const logs = t.logs();
  expect(logs).toContain('10.0.0.7');
  expect(logs).toMatch(/"method":"GET","url":"\/api\/me"/);
});

test('Stripe unreachable: 502 stripe_unavailable, and readyz says which check failed', async () => {
  const cookie = await t.login('admin@errors.example');
  const res = await t.inject({ method: 'GET', url: '/api/accounts', cookie });
  expect(res.statusCode).toBe(502);
  expect(res.json().error.code).toBe('stripe_unavailable');
  const ready = await t.inject({ method: 'GET', url: '/readyz' });
  expect(ready.statusCode).toBe(503);
  expect(ready.json()).toEqual({ ok: false, checks: { database: true, stripe: false } });
});
