import fp from 'fastify-plugin';
import type { Queryable } from '../../db/database.ts';
import { HttpError } from '../../errors.ts';

/** Failed sign-ins allowed per account (email) in the window, from any address. */
export const LOGIN_FAILURES_PER_ACCOUNT = 10;
/** Failed sign-ins allowed per IP address in the window, for any emails. */
export const LOGIN_FAILURES_PER_IP = 50;
export const LOGIN_WINDOW_SECONDS = 15 * 60;
/**
 * Rows past the window deleted per failed sign-in. Each failure adds at most two rows and removes
 * up to this many expired ones, so the table holds about one window of failures; the bound keeps
 * a failed sign-in quick after a long quiet spell left many expired rows.
 */
export const LOGIN_FAILURES_PRUNED_PER_FAILURE = 100;

const accountKey = (email: string) => `account:${email.trim().toLowerCase()}`;
const ipKey = (ip: string) => `ip:${ip}`;

/** Deletes up to `LOGIN_FAILURES_PRUNED_PER_FAILURE` rows older than the window (they no longer count). */
async function pruneExpired(db: Queryable): Promise<void> {
  await db.query(
    `DELETE FROM login_failures WHERE ctid IN (
       SELECT ctid FROM login_failures WHERE failed_at <= now() - make_interval(secs => $1) LIMIT $2
     )`,
    [LOGIN_WINDOW_SECONDS, LOGIN_FAILURES_PRUNED_PER_FAILURE],
  );
}

async function failuresSince(db: Queryable, key: string): Promise<number> {
  const rows = await db.query<{ n: number | string }>(
    `SELECT count(*) AS n FROM login_failures WHERE key = $1 AND failed_at > now() - make_interval(secs => $2)`,
    [key, LOGIN_WINDOW_SECONDS],
  );
  return Number(rows[0]?.n ?? 0);
}

function emailOf(body: unknown): string | undefined {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email : undefined;
}

/**
 * Throttles password guessing on routes marked `throttle: 'login'` in shared/route-table.ts:
 * failed attempts (401) are counted in the database per account and per IP address over a
 * sliding window, so the limits hold across instances and restarts; past either limit the route
 * answers 429 without checking the password. Only failures count, so people signing in normally
 * (or many users behind one address) are not slowed; a successful sign-in clears the account's
 * count. Unknown emails are counted like known ones, so the 429 does not tell which exist.
 * The route's own @fastify/rate-limit (per IP and email, per minute) caps request bursts on top.
 */
export default fp(async (app) => {
  const throttled = (config: { routeEntry?: { throttle?: string } }) => config.routeEntry?.throttle === 'login';

  app.addHook('preHandler', async (request, reply) => {
    if (!throttled(request.routeOptions.config)) return;
    const email = emailOf(request.body);
    const [byAccount, byIp] = await Promise.all([
      email ? failuresSince(app.db, accountKey(email)) : Promise.resolve(0),
      failuresSince(app.db, ipKey(request.ip)),
    ]);
    if (byAccount >= LOGIN_FAILURES_PER_ACCOUNT || byIp >= LOGIN_FAILURES_PER_IP) {
      reply.header('retry-after', String(LOGIN_WINDOW_SECONDS));
      throw new HttpError(429, 'rate_limited', 'Too many failed sign-ins. Wait 15 minutes and try again.');
    }
  });

  app.addHook('onSend', async (request, reply, payload) => {
    if (!throttled(request.routeOptions.config)) return payload;
    const email = emailOf(request.body);
    if (reply.statusCode === 401) {
      await app.db.query('INSERT INTO login_failures (key) VALUES ($1)', [ipKey(request.ip)]);
      if (email) await app.db.query('INSERT INTO login_failures (key) VALUES ($1)', [accountKey(email)]);
      // Only failures write here, so only failures clean up: no periodic job, no growth without bound.
      await pruneExpired(app.db);
    } else if (reply.statusCode === 200 && email) {
      await app.db.query('DELETE FROM login_failures WHERE key = $1', [accountKey(email)]);
    }
    return payload;
  });
}, { name: 'login-throttle', dependencies: ['db', 'route-guard'] });
