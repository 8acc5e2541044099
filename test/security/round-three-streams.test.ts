// Security, round three (issue 17), item 8: a live stream (GET /api/events, up to 300 s) kept
// delivering after sign-out, after its user was disabled and after the user lost the account.
// Now a stream ends — the server closes it — when its session or its membership does, and
// delivers nothing after. Shown over real HTTP against the stack: streams opened as the browser's
// EventSource does, authorizations made on the emulator as a card network would, their events
// delivered to the app by webhook.
import { request, type IncomingMessage } from 'node:http';
import { decodeJwt } from 'jose';
import { describe, expect } from 'vitest';
import { addMembership, createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { securityTest } from '../helpers/fixtures.ts';
import type { World } from './probes.ts';
import { EMAIL, type SecurityStack } from './stack.ts';

let adminCookie: string;

const test = securityTest({ scanLogsAs: 'round three streams' });

test.beforeAll(async ({ stack }) => {
  adminCookie = await stack.loginCookie(EMAIL.platform_admin);
});

interface Stream {
  status: number;
  text(): string;
  closed(): boolean;
  /** Resolves when the server ended the stream; rejects after `ms`. */
  waitClosed(ms: number): Promise<void>;
  waitFor(needle: string, ms: number): Promise<void>;
  destroy(): void;
}

/** Opens GET /api/events as EventSource would (node:http: no spare keep-alive connection holds the server's close). */
async function openStream(stack: SecurityStack, cookie: string, query: string): Promise<Stream> {
  const req = request(`${stack.appUrl}/api/events?${query}&max_seconds=300`, {
    agent: false,
    headers: { cookie, accept: 'text/event-stream' },
  });
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    req.once('response', resolve).once('error', reject).end(),
  );
  let text = '';
  let ended = false;
  res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  const markEnded = () => {
    ended = true;
  };
  res.once('end', markEnded).once('close', markEnded);
  const poll = async (ok: () => boolean, ms: number, what: string) => {
    const deadline = Date.now() + ms;
    while (!ok()) {
      if (Date.now() > deadline) throw new Error(`${what} within ${ms} ms; got ${text}`);
      await new Promise((r) => setTimeout(r, 20));
    }
  };
  const stream: Stream = {
    status: res.statusCode ?? 0,
    text: () => text,
    closed: () => ended,
    waitClosed: (ms) => poll(() => ended, ms, 'the stream was not closed'),
    waitFor: (needle, ms) => poll(() => text.includes(needle), ms, `no ${needle}`),
    destroy: () => req.destroy(),
  };
  if (stream.status === 200) await stream.waitFor('event: ready', 5_000);
  return stream;
}

/** An authorization on the card, made on the emulator; its events reach the app's webhook. */
async function authorize(stack: SecurityStack, card: string, account: string): Promise<string> {
  const auth = await stack.stripe.testHelpers.issuing.authorizations.create(
    { card, amount: 1_00 },
    { stripeAccount: account },
  );
  return auth.id;
}

async function inject(
  stack: SecurityStack,
  method: 'GET' | 'POST' | 'DELETE',
  url: string,
  cookie: string,
  payload?: unknown,
) {
  return stack.app.inject({
    method,
    url,
    headers: { origin: stack.appUrl, cookie, ...(payload !== undefined ? { 'content-type': 'application/json' } : {}) },
    ...(payload !== undefined ? { payload: JSON.stringify(payload) } : {}),
  });
}

let n = 0;
/** A fresh account user, member of the accounts, signed in (second factor none: not required for the role). */
async function accountUser(stack: SecurityStack, accounts: string[]): Promise<{ id: string; cookie: string }> {
  n += 1;
  const email = `stream.user${n}@example.com`;
  const user = await createUser(stack.app.db, {
    email,
    passwordHash: await hashPassword('long enough password'),
    role: 'account_user',
  });
  for (const account of accounts) await addMembership(stack.app.db, user.id, account);
  return { id: user.id, cookie: await stack.loginCookie(email) };
}

async function freshCard(stack: SecurityStack, world: World): Promise<string> {
  const card = await stack.stripe.issuing.cards.create(
    { cardholder: world.own.cardholder, type: 'virtual', currency: 'usd', status: 'active' },
    { stripeAccount: world.own.account },
  );
  return card.id;
}

const sessionIdOf = (cookie: string) => decodeJwt(cookie.split('=')[1]!).sid as string;

describe('item 8: a live stream ends when the access that opened it does', () => {
  test('signing out closes the session’s streams at once; the next authorization reaches only streams still allowed', async ({
    stack,
    world,
  }) => {
    const card = await freshCard(stack, world);
    const user = await accountUser(stack, [world.own.account]);
    const mine = await openStream(stack, user.cookie, `card=${card}`);
    const admins = await openStream(stack, adminCookie, `card=${card}`);
    expect(mine.status).toBe(200);
    const before = await authorize(stack, card, world.own.account);
    await mine.waitFor(before, 5_000); // the stream works before the change

    expect((await inject(stack, 'DELETE', '/api/session', user.cookie)).statusCode).toBe(204);
    await mine.waitClosed(3_000);
    const after = await authorize(stack, card, world.own.account);
    await admins.waitFor(after, 5_000); // the event was published…
    expect(mine.text()).not.toContain(after); // …and not to the signed-out user
    expect((await openStream(stack, user.cookie, `card=${card}`)).status).toBe(401); // EventSource's reconnect is refused
    expect(admins.closed()).toBe(false);
    admins.destroy();
  });

  test('a session revoked or expired elsewhere (another instance, the console) closes its stream within seconds', async ({
    stack,
    world,
  }) => {
    const card = await freshCard(stack, world);
    const revoked = await accountUser(stack, [world.own.account]);
    const expired = await accountUser(stack, [world.own.account]);
    const a = await openStream(stack, revoked.cookie, `card=${card}`);
    const b = await openStream(stack, expired.cookie, `account=${world.own.account}`);
    // Straight in the database: no request to this instance tells it.
    await stack.app.db.query('UPDATE sessions SET revoked_at = now() WHERE id = $1', [sessionIdOf(revoked.cookie)]);
    await stack.app.db.query(`UPDATE sessions SET expires_at = now() - interval '1 second' WHERE id = $1`, [
      sessionIdOf(expired.cookie),
    ]);
    await Promise.all([a.waitClosed(8_000), b.waitClosed(8_000)]);
  });

  test('disabling the user (admin API) closes its streams and nothing more reaches them', async ({ stack, world }) => {
    const card = await freshCard(stack, world);
    const user = await accountUser(stack, [world.own.account]);
    const onCard = await openStream(stack, user.cookie, `card=${card}`);
    const onAccount = await openStream(stack, user.cookie, `account=${world.own.account}`);
    const admins = await openStream(stack, adminCookie, `card=${card}`);

    const disabled = await inject(stack, 'POST', `/api/users/${user.id}`, adminCookie, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    const after = await authorize(stack, card, world.own.account);
    await admins.waitFor(after, 5_000);
    await Promise.all([onCard.waitClosed(3_000), onAccount.waitClosed(3_000)]);
    expect(onCard.text()).not.toContain(after);
    expect(onAccount.text()).not.toContain(after);
    admins.destroy();
  });

  test('moving the user to another account closes its streams on the old account’s cards and on the account, while its session lives on', async ({
    stack,
    world,
  }) => {
    const card = await freshCard(stack, world);
    const user = await accountUser(stack, [world.own.account]);
    const onCard = await openStream(stack, user.cookie, `card=${card}`);
    const onAccount = await openStream(stack, user.cookie, `account=${world.own.account}`);
    const admins = await openStream(stack, adminCookie, `card=${card}`);
    const before = await authorize(stack, card, world.own.account);
    await onAccount.waitFor(before, 5_000);

    const moved = await inject(stack, 'POST', `/api/users/${user.id}`, adminCookie, {
      accounts: [world.other.account],
    });
    expect(moved.statusCode).toBe(200);
    const after = await authorize(stack, card, world.own.account);
    await admins.waitFor(after, 5_000);
    await Promise.all([onCard.waitClosed(3_000), onAccount.waitClosed(3_000)]);
    expect(onCard.text()).not.toContain(after);
    expect(onAccount.text()).not.toContain(after);
    // Not a sign-out: the session still works, for the account the user now belongs to.
    expect((await inject(stack, 'GET', '/api/me', user.cookie)).statusCode).toBe(200);
    const newHome = await openStream(stack, user.cookie, `account=${world.other.account}`);
    expect(newHome.status).toBe(200);
    expect(newHome.closed()).toBe(false);
    newHome.destroy();
    admins.destroy();
  });

  test('a membership taken away straight in the database (another instance) closes the stream before its next event', async ({
    stack,
    world,
  }) => {
    const card = await freshCard(stack, world);
    const user = await accountUser(stack, [world.own.account]);
    const onCard = await openStream(stack, user.cookie, `card=${card}`);
    const admins = await openStream(stack, adminCookie, `card=${card}`);
    await stack.app.db.query('DELETE FROM memberships WHERE user_id = $1', [user.id]);
    // At once, before the periodic check: the event itself is checked before it is delivered.
    const after = await authorize(stack, card, world.own.account);
    await admins.waitFor(after, 5_000);
    expect(onCard.text()).not.toContain(after);
    await onCard.waitClosed(8_000);
    admins.destroy();
  });
});
