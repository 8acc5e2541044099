import { randomBytes } from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { clearAttempts, pruneExpiredAttempts, recentAttempts, recordFailures } from '../../db/attempt-limit.ts';
import type { Queryable } from '../../db/database.ts';
import { isTrustedDevice, saveTrustedDevice } from '../../db/trusted-devices.ts';
import { HttpError } from '../../errors.ts';

declare module 'fastify' {
  interface FastifyInstance {
    loginThrottle: {
      /** After a successful sign-in: this browser becomes a known device of the account (cookie + row). */
      trustDevice(request: FastifyRequest, reply: FastifyReply, email: string): Promise<void>;
    };
  }
}

/** The window failures are counted in. */
export const LOGIN_WINDOW_SECONDS = 15 * 60;
/** Failed sign-ins allowed per IP address in the window, for any emails (password spraying). */
export const LOGIN_FAILURES_PER_IP = 50;
/** Failed sign-ins allowed per known device (browser) and account in the window. */
export const LOGIN_FAILURES_PER_DEVICE = 10;
/**
 * Failed sign-ins to one account from unknown browsers, from any addresses, before each further
 * attempt from an unknown browser waits: 1 s after the next failure, then 2, 4, … up to
 * `LOGIN_UNKNOWN_MAX_DELAY_SECONDS`. Never longer: strangers can slow an account down, never
 * lock it, and the account's own known browsers are not slowed at all.
 */
export const LOGIN_FAILURES_BEFORE_DELAY = 10;
export const LOGIN_UNKNOWN_MAX_DELAY_SECONDS = 60;
/** How long a browser stays a known device of an account after signing in. */
export const DEVICE_TRUST_SECONDS = 180 * 24 * 60 * 60;
export const DEVICE_COOKIE = 'cid_device';
/**
 * Rows past the window deleted per failed sign-in. Each failure adds at most two rows and removes
 * up to this many expired ones, so the table holds about one window of failures; the bound keeps
 * a failed sign-in quick after a long quiet spell left many expired rows.
 */
export const LOGIN_FAILURES_PRUNED_PER_FAILURE = 100;

const accountKey = (email: string) => email.trim().toLowerCase();
const ipKey = (ip: string) => `ip:${ip}`;
/** Failures from unknown browsers, for any address. */
const unknownKey = (email: string) => `account:${accountKey(email)}`;
const deviceKey = (device: string, email: string) => `device:${device}|${accountKey(email)}`;

/** Failures of a key in the window, and seconds since the latest. */
async function failuresOf(db: Queryable, key: string): Promise<{ count: number; sinceLast: number }> {
  const { count, secondsSinceLast } = await recentAttempts(db, key, LOGIN_WINDOW_SECONDS);
  return { count, sinceLast: secondsSinceLast };
}

function emailOf(body: unknown): string | undefined {
  const email = (body as { email?: unknown } | undefined)?.email;
  return typeof email === 'string' ? email : undefined;
}

/** The delay an unknown browser must leave after the latest failure, given the failures so far. */
export function unknownDelaySeconds(failures: number): number {
  if (failures < LOGIN_FAILURES_BEFORE_DELAY) return 0;
  return Math.min(LOGIN_UNKNOWN_MAX_DELAY_SECONDS, 2 ** (failures - LOGIN_FAILURES_BEFORE_DELAY));
}

function throttled(seconds: number): HttpError {
  return new HttpError(
    429,
    'rate_limited',
    `Too many failed sign-ins. Wait ${seconds} second${seconds === 1 ? '' : 's'} and try again.`,
  );
}

/**
 * Throttles password guessing on routes marked `throttle: 'login'` in shared/route-table.ts,
 * following OWASP's device-cookie protocol (owasp.org/www-community/Slow_Down_Online_Guessing_Attacks_with_Device_Cookies)
 * so that throttling gives strangers no button to lock a user out (docs/decisions/031-sign-in-throttling.md):
 * - a browser that has signed in to the account before (a valid `cid_device` cookie for it) is
 *   limited on its own failures only (10 per 15 minutes), whatever others try;
 * - unknown browsers share, per account, a delay that grows with the account's failures from
 *   unknown browsers (after 10: 1 s, 2 s, 4 s … never more than 60 s), from any address;
 * - each address is limited to 50 failures in 15 minutes over all emails (spraying).
 * Failures (401) are rows in the database, so the limits hold across instances and restarts;
 * unknown emails are counted like known ones, so a 429 does not tell which exist. The route's
 * @fastify/rate-limit (per IP and email, per minute) caps request bursts on top.
 */
export default fp(
  async (app) => {
    const isThrottled = (config: { routeEntry?: { throttle?: string } }) => config.routeEntry?.throttle === 'login';
    const cookieOptions = {
      path: '/api/session',
      httpOnly: true,
      sameSite: 'strict' as const,
      secure: app.config.secureCookies,
      maxAge: DEVICE_TRUST_SECONDS,
    };

    /** The request's device id, when its cookie names a browser known to this account. */
    async function knownDevice(request: FastifyRequest, email: string): Promise<string | undefined> {
      const device = request.cookies[DEVICE_COOKIE];
      if (!device || !/^[A-Za-z0-9_-]{20,100}$/.test(device)) return undefined;
      return (await isTrustedDevice(app.db, device, accountKey(email), DEVICE_TRUST_SECONDS)) ? device : undefined;
    }

    app.decorateRequest('loginDevice', undefined);

    app.addHook('preHandler', async (request, reply) => {
      if (!isThrottled(request.routeOptions.config)) return;
      const email = emailOf(request.body);
      const device = email ? await knownDevice(request, email) : undefined;
      (request as { loginDevice?: string }).loginDevice = device;
      if (email && device) {
        const mine = await failuresOf(app.db, deviceKey(device, email));
        if (mine.count >= LOGIN_FAILURES_PER_DEVICE) {
          reply.header('retry-after', String(LOGIN_WINDOW_SECONDS));
          throw throttled(LOGIN_WINDOW_SECONDS);
        }
        return;
      }
      const [byIp, unknown] = await Promise.all([
        failuresOf(app.db, ipKey(request.ip)),
        email ? failuresOf(app.db, unknownKey(email)) : Promise.resolve({ count: 0, sinceLast: Infinity }),
      ]);
      if (byIp.count >= LOGIN_FAILURES_PER_IP) {
        reply.header('retry-after', String(LOGIN_WINDOW_SECONDS));
        throw throttled(LOGIN_WINDOW_SECONDS);
      }
      const wait = unknownDelaySeconds(unknown.count) - unknown.sinceLast;
      if (wait > 0) {
        const seconds = Math.ceil(wait);
        reply.header('retry-after', String(seconds));
        throw throttled(seconds);
      }
    });

    app.addHook('onSend', async (request, reply, payload) => {
      if (!isThrottled(request.routeOptions.config)) return payload;
      const email = emailOf(request.body);
      const device = (request as { loginDevice?: string }).loginDevice;
      if (reply.statusCode === 401) {
        const keys = [ipKey(request.ip), ...(email ? [device ? deviceKey(device, email) : unknownKey(email)] : [])];
        await recordFailures(app.db, keys);
        // Only failures write here, so only failures clean up: no periodic job, no growth without bound.
        await pruneExpiredAttempts(app.db, LOGIN_WINDOW_SECONDS, LOGIN_FAILURES_PRUNED_PER_FAILURE);
      } else if (reply.statusCode === 200 && email) {
        await clearAttempts(app.db, unknownKey(email), ...(device ? [deviceKey(device, email)] : []));
      }
      return payload;
    });

    app.decorate('loginThrottle', {
      async trustDevice(request, reply, email) {
        const current = request.cookies[DEVICE_COOKIE];
        const device =
          current && /^[A-Za-z0-9_-]{20,100}$/.test(current) ? current : randomBytes(24).toString('base64url');
        await saveTrustedDevice(app.db, device, accountKey(email));
        reply.setCookie(DEVICE_COOKIE, device, cookieOptions);
      },
    });
  },
  { name: 'login-throttle', dependencies: ['db', 'route-guard', 'cookie', 'config'] },
);
