// Security, round two (issue 9): the holes an outside attack found, each shown closed from the
// outside — through the app's HTTP API, the emulator as the embedded components reach it, and
// the database rows a user would see in the audit log. HEAD requests (item 1) are in the
// authorization matrix; the emulator's CORS rule (item 10) in test/emulator/browser-origin.test.ts.
import { describe, expect } from 'vitest';
import {
  DEVICE_COOKIE,
  LOGIN_FAILURES_BEFORE_DELAY,
  LOGIN_FAILURES_PER_DEVICE,
  LOGIN_UNKNOWN_MAX_DELAY_SECONDS,
} from '../../server/plugins/app/login-throttle.ts';
import { REFUSED_REVEALS_PER_MINUTE } from '../../server/domain/refusal-limit.ts';
import { addMembership, createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { LOOKUP_RULES } from '../../shared/policy.ts';
import { buildTestApp } from '../helpers/app.ts';
import { securityTest } from '../helpers/fixtures.ts';
import { nonceFor } from './probes.ts';
import { EMAIL, type SecurityStack } from './stack.ts';

const test = securityTest({ scanLogsAs: 'round two' });

type Method = 'GET' | 'POST' | 'DELETE';
const inject = async (
  stack: SecurityStack,
  opts: {
    method: Method;
    url: string;
    cookie?: string;
    payload?: unknown;
    headers?: Record<string, string>;
    ip?: string;
  },
) => {
  const res = await stack.app.inject({
    method: opts.method,
    url: opts.url,
    headers: { origin: stack.appUrl, ...(opts.cookie ? { cookie: opts.cookie } : {}), ...opts.headers },
    ...(opts.payload !== undefined
      ? { payload: typeof opts.payload === 'string' ? opts.payload : JSON.stringify(opts.payload) }
      : {}),
    ...(opts.ip ? { remoteAddress: opts.ip } : {}),
  });
  stack.trackBody(res.body);
  for (const c of res.cookies) stack.track(c.value);
  return res;
};
const as = async (stack: SecurityStack, role: keyof typeof EMAIL) => stack.loginCookie(EMAIL[role]);
const json = { 'content-type': 'application/json' };

/** A fresh active card of an account (so that canceling it spoils nothing for other tests). */
async function freshCard(
  stack: SecurityStack,
  account: string,
  cardholder: string,
  type: 'virtual' | 'physical' = 'virtual',
) {
  return stack.stripe.issuing.cards.create(
    { cardholder, type, currency: 'usd', status: 'active' },
    { stripeAccount: account },
  );
}

describe('item 2: account users freeze and unfreeze, never cancel', () => {
  test('POST /api/cards/:id with status "canceled" is refused; freezing and unfreezing work', async ({
    stack,
    world,
  }) => {
    const card = await freshCard(stack, world.own.account, world.own.cardholder);
    const cookie = await as(stack, 'account_user');
    const cancel = await inject(stack, {
      method: 'POST',
      url: `/api/cards/${card.id}`,
      cookie,
      headers: json,
      payload: { status: 'canceled', cancellation_reason: 'lost' },
    });
    expect(cancel.statusCode).toBe(403);
    expect(cancel.json().error.code).toBe('forbidden');
    expect((await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: world.own.account })).status).toBe(
      'active',
    );

    const freeze = await inject(stack, {
      method: 'POST',
      url: `/api/cards/${card.id}`,
      cookie,
      headers: json,
      payload: { status: 'inactive' },
    });
    expect(freeze.statusCode).toBe(200);
    expect(freeze.json().status).toBe('inactive');
    const unfreeze = await inject(stack, {
      method: 'POST',
      url: `/api/cards/${card.id}`,
      cookie,
      headers: json,
      payload: { status: 'active' },
    });
    expect(unfreeze.json().status).toBe('active');
  });

  test('nor through the embedded component: their Account Session lacks card_management, so Stripe refuses the cancel', async ({
    stack,
    world,
  }) => {
    const card = await freshCard(stack, world.own.account, world.own.cardholder);
    const session = await inject(stack, {
      method: 'POST',
      url: '/api/account-sessions',
      cookie: await as(stack, 'account_user'),
      headers: json,
      payload: { account: world.own.account },
    });
    expect(session.statusCode).toBe(200);
    const received = stack.emulator.store.accountSessions.get(session.json().client_secret)!;
    expect(received.components.issuing_card!.features.card_management).toBe(false);
    expect(received.components.issuing_cards_list!.features.card_management).toBe(false);
    expect(received.components.issuing_card!.features.spend_control_management).toBe(true);

    // What the component does with the session: claim it, then ask Stripe (the emulator) to cancel.
    const claim = await fetch(`${stack.emulatorUrl}/_emulator/connect/claim`, {
      method: 'POST',
      headers: json,
      body: JSON.stringify({ client_secret: session.json().client_secret }),
    });
    const { token } = (await claim.json()) as { token: string };
    stack.track(token);
    const cancel = await fetch(`${stack.emulatorUrl}/v1/issuing/cards/${card.id}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-www-form-urlencoded' },
      body: 'status=canceled&cancellation_reason=lost',
    });
    expect(cancel.status).toBe(403);
    expect((await stack.stripe.issuing.cards.retrieve(card.id, {}, { stripeAccount: world.own.account })).status).toBe(
      'active',
    );
  });
});

describe('item 3: support agents find one card at a time and get no Account Session', () => {
  test('POST /api/account-sessions is refused on every account', async ({ stack, world }) => {
    const cookie = await as(stack, 'support_agent');
    for (const account of [world.own.account, world.other.account]) {
      const res = await inject(stack, {
        method: 'POST',
        url: '/api/account-sessions',
        cookie,
        headers: json,
        payload: { account },
      });
      expect(res.statusCode).toBe(403);
      expect(res.body).not.toMatch(/_secret_/);
    }
  });

  test.for([
    ['q=@', 'an at sign'],
    ['q=%40example.com', 'a domain'],
    [`q=${'x'.repeat(3)}`, 'three letters'],
    ['q=....', 'punctuation'],
    ['last4=4242', 'a last4 alone'],
    ['q=4242', 'a last4 alone in q'],
    ['q=4242%20a', 'a last4 with one letter'],
  ])('%s (%s) is not specific enough: 400 naming q, no card listed', async ([query], { stack }) => {
    const res = await inject(stack, {
      method: 'GET',
      url: `/api/cards?${query}`,
      cookie: await as(stack, 'support_agent'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error).toMatchObject({ code: 'lookup_too_broad', field: 'q' });
    expect(res.body).not.toMatch(/ic_[A-Za-z0-9]/);
  });

  test('a card id, the full email, or last4 with part of the name find the card; nothing beyond what verifies the caller', async ({
    stack,
    world,
  }) => {
    const cookie = await as(stack, 'support_agent');
    const card = await stack.stripe.issuing.cards.retrieve(
      world.other.virtualCard.id,
      { expand: ['cardholder'] },
      { stripeAccount: world.other.account },
    );
    const holder = card.cardholder as { name: string; email: string | null };
    const surname = holder.name.split(' ').at(-1)!;
    const queries = [
      `q=${card.id}`,
      `q=${encodeURIComponent(`${card.last4} ${surname}`)}`,
      `last4=${card.last4}&cardholder=${encodeURIComponent(surname)}`,
    ];
    if (holder.email) queries.push(`q=${encodeURIComponent(holder.email.toUpperCase())}`);
    for (const query of queries) {
      const res = await inject(stack, { method: 'GET', url: `/api/cards?${query}`, cookie });
      expect(res.statusCode, query).toBe(200);
      const { data, has_more } = res.json<{ data: Record<string, unknown>[]; has_more: boolean }>();
      expect(
        data.map((c) => c.id),
        query,
      ).toContain(card.id);
      expect(data.length).toBeLessThanOrEqual(LOOKUP_RULES.maxResults);
      expect(has_more).toBe(false);
      for (const found of data) expect(found, query).not.toHaveProperty('spending_controls');
    }
    const one = await inject(stack, { method: 'GET', url: `/api/cards/${card.id}`, cookie });
    expect(one.json()).not.toHaveProperty('spending_controls');
    expect(one.json().cardholder.name).toBe(holder.name);
  });

  test('a lookup is one page: no paging on from it', async ({ stack, world }) => {
    const res = await inject(stack, {
      method: 'GET',
      url: `/api/cards?q=${world.own.virtualCard.id}&starting_after=${world.own.physicalCard.id}`,
      cookie: await as(stack, 'support_agent'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('starting_after');
  });
});

describe('item 4: client input that answered 5xx is a 4xx naming the field', () => {
  test('a NUL byte in the sign-in email', async ({ stack }) => {
    const res = await inject(stack, {
      method: 'POST',
      url: '/api/session',
      headers: json,
      payload: { email: 'admin\u0000@example.com', password: 'x' },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('email');
  });

  test('a NUL byte in a lookup term and in an audit filter; a lone surrogate in a reason', async ({ stack, world }) => {
    const admin = await as(stack, 'platform_admin');
    const lookup = await inject(stack, { method: 'GET', url: '/api/cards?q=ab%00cd', cookie: admin });
    expect(lookup.statusCode).toBe(400);
    expect(lookup.json().error.field).toBe('q');
    const audit = await inject(stack, { method: 'GET', url: '/api/audit?user=admin%00', cookie: admin });
    expect(audit.statusCode).toBe(400);
    expect(audit.json().error.field).toBe('user');
    const reveal = await inject(stack, {
      method: 'POST',
      url: '/api/ephemeral-keys',
      cookie: admin,
      headers: json,
      payload: `{"card_id":"${world.own.virtualCard.id}","nonce":"ephkn_pub_x","reason":"\\ud800"}`,
    });
    expect(reveal.statusCode).toBe(400);
    expect(reveal.json().error.field).toBe('reason');
  });

  test.for([
    '0000-01-01T00:00:00Z',
    '2024-06-30T23:59:60Z',
    '2023-02-30T00:00:00Z',
    '+275760-09-13T00:00:00Z',
    '10000-01-01T00:00:00Z',
  ])('an out-of-range audit date (%s)', async (date, { stack }) => {
    const admin = await as(stack, 'platform_admin');
    for (const field of ['from', 'to']) {
      const res = await inject(stack, {
        method: 'GET',
        url: `/api/audit?${field}=${encodeURIComponent(date)}`,
        cookie: admin,
      });
      expect(res.statusCode, `${field}=${date}: ${res.body}`).toBe(400);
      expect(res.json().error.field).toBe(field);
    }
  });

  test("paging an account's cards after a card of another account", async ({ stack, world }) => {
    const res = await inject(stack, {
      method: 'GET',
      url: `/api/cards?account=${world.own.account}&starting_after=${world.other.virtualCard.id}`,
      cookie: await as(stack, 'platform_admin'),
    });
    expect(res.statusCode).toBe(400);
    expect(res.json().error.field).toBe('starting_after');
    const member = await inject(stack, {
      method: 'GET',
      url: `/api/cards?starting_after=${world.other.virtualCard.id}`,
      cookie: await as(stack, 'account_user'),
    });
    expect(member.statusCode).toBe(400);
    expect(member.json().error.field).toBe('starting_after');
    expect(member.body).not.toContain(world.other.virtualCard.id);
  });
});

/** Splits CSV as a spreadsheet would, on `sep` outside quotes, and unquotes each cell. */
function cells(csv: string, sep: string): string[] {
  const out: string[] = [];
  for (const line of csv.split('\r\n').filter(Boolean)) {
    let cell = '';
    let quoted = false;
    for (let i = 0; i < line.length; i++) {
      const ch = line[i]!;
      if (ch === '"') {
        if (quoted && line[i + 1] === '"') {
          cell += '"';
          i++;
        } else quoted = !quoted;
      } else if (ch === sep && !quoted) {
        out.push(cell);
        cell = '';
      } else cell += ch;
    }
    out.push(cell);
  }
  return out;
}

describe('item 5: the audit CSV is safe in every locale', () => {
  test('no cell a spreadsheet splits on "," or ";" starts a formula', async ({ stack, world }) => {
    const admin = await as(stack, 'platform_admin');
    const card = world.own.virtualCard;
    const reveal = await inject(stack, {
      method: 'POST',
      url: '/api/ephemeral-keys',
      cookie: admin,
      headers: { ...json, 'user-agent': 'agent;@SUM(1+1)' },
      payload: {
        card_id: card.id,
        nonce: await nonceFor(stack, card.id, world.own.account),
        reason: 'ticket;=HYPERLINK("https://evil.example","x");-2+3',
      },
    });
    expect(reveal.statusCode).toBe(200);
    const res = await inject(stack, { method: 'GET', url: `/api/audit?card=${card.id}&format=csv`, cookie: admin });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('HYPERLINK');
    for (const sep of [',', ';']) {
      const risky = cells(res.body, sep).filter((c) => /^[=+\-@\t\r]/.test(c));
      expect(risky, `split on "${sep}"`).toEqual([]);
    }
  });
});

describe("item 6: a canceled card's details cannot be revealed", () => {
  test('409 card_canceled, audited as denied, and Stripe is never asked for a key', async ({ stack, world }) => {
    const card = await freshCard(stack, world.own.account, world.own.cardholder);
    await stack.stripe.issuing.cards.update(
      card.id,
      { status: 'canceled', cancellation_reason: 'lost' },
      { stripeAccount: world.own.account },
    );
    const keysBefore = stack.emulator.store.ephemeralKeys.size;
    const res = await inject(stack, {
      method: 'POST',
      url: '/api/ephemeral-keys',
      cookie: await as(stack, 'platform_admin'),
      headers: json,
      payload: {
        card_id: card.id,
        nonce: await nonceFor(stack, card.id, world.own.account),
        account: world.own.account,
      },
    });
    expect(res.statusCode).toBe(409);
    expect(res.json().error.code).toBe('card_canceled');
    expect(stack.emulator.store.ephemeralKeys.size).toBe(keysBefore);
    const rows = await stack.app.db.query('SELECT outcome, deny_reason FROM reveal_audit WHERE card_id = $1', [
      card.id,
    ]);
    expect(rows).toEqual([{ outcome: 'denied', deny_reason: 'card_canceled' }]);
  });
});

describe('item 7: sign-in throttling gives strangers no lock-out button', () => {
  const login = (stack: SecurityStack, email: string, password: string, ip: string, cookie?: string) =>
    inject(stack, {
      method: 'POST',
      url: '/api/session',
      headers: json,
      payload: { email, password },
      ip,
      ...(cookie ? { cookie } : {}),
    });

  async function newUser(stack: SecurityStack, email: string) {
    await createUser(stack.app.db, {
      email,
      passwordHash: await hashPassword('right-password'),
      role: 'support_agent',
    });
  }

  test('a browser that signed in before still signs in while strangers fail from many addresses', async ({ stack }) => {
    const email = 'team-member@example.com';
    await newUser(stack, email);
    const first = await login(stack, email, 'right-password', '10.20.0.1');
    expect(first.statusCode).toBe(200);
    const device = first.cookies.find((c) => c.name === DEVICE_COOKIE)!;
    expect(device).toMatchObject({ httpOnly: true, sameSite: 'Strict', path: '/api/session' });
    for (let i = 0; i < LOGIN_FAILURES_BEFORE_DELAY + 5; i++) await login(stack, email, `guess-${i}`, `10.21.0.${i}`);
    const again = await login(stack, email, 'right-password', '10.20.0.2', `${DEVICE_COOKIE}=${device.value}`);
    expect(again.statusCode).toBe(200);
  });

  test('unknown browsers wait a short, growing delay, never the 15-minute lock', async ({ stack }) => {
    const email = 'new-browser@example.com';
    await newUser(stack, email);
    for (let i = 0; i < LOGIN_FAILURES_BEFORE_DELAY + 3; i++) {
      await login(stack, email, `guess-${i}`, `10.22.0.${i}`);
      // Each guess waits out the delay the previous ones earned (as a patient attacker would).
      await stack.app.db.query(
        `UPDATE login_failures SET failed_at = failed_at - interval '61 seconds' WHERE key = $1`,
        [`account:${email}`],
      );
    }
    const right = await login(stack, email, 'right-password', '10.23.0.1');
    expect(right.statusCode).toBe(200);

    for (let i = 0; i < LOGIN_FAILURES_BEFORE_DELAY + 10; i++)
      await stack.app.db.query(`INSERT INTO login_failures (key) VALUES ($1)`, [`account:${email}`]);
    const waited = await login(stack, email, 'right-password', '10.23.0.2');
    expect(waited.statusCode).toBe(429);
    expect(Number(waited.headers['retry-after'])).toBeLessThanOrEqual(LOGIN_UNKNOWN_MAX_DELAY_SECONDS);
    await stack.app.db.query(
      `UPDATE login_failures SET failed_at = failed_at - make_interval(secs => $2) WHERE key = $1`,
      [`account:${email}`, LOGIN_UNKNOWN_MAX_DELAY_SECONDS + 1],
    );
    expect((await login(stack, email, 'right-password', '10.23.0.3')).statusCode).toBe(200);
  });

  test('a known browser guessing wrong is limited on its own', async ({ stack }) => {
    const email = 'own-guesses@example.com';
    await newUser(stack, email);
    const device = (await login(stack, email, 'right-password', '10.24.0.1')).cookies.find(
      (c) => c.name === DEVICE_COOKIE,
    )!;
    const cookie = `${DEVICE_COOKIE}=${device.value}`;
    for (let i = 0; i < LOGIN_FAILURES_PER_DEVICE; i++)
      expect((await login(stack, email, `wrong-${i}`, `10.24.1.${i}`, cookie)).statusCode).toBe(401);
    expect((await login(stack, email, 'right-password', '10.24.2.1', cookie)).statusCode).toBe(429);
  });
});

describe('item 8: refused reveal attempts cannot flood the audit log', () => {
  test(`after ${REFUSED_REVEALS_PER_MINUTE.perUser} refusals in a minute a user gets 429, and no more rows are written`, async ({
    stack,
    world,
  }) => {
    const user = await createUser(stack.app.db, {
      email: 'flooder@example.com',
      passwordHash: await hashPassword('x'),
      role: 'account_user',
    });
    await addMembership(stack.app.db, user.id, world.own.account);
    const cookie = await stack.loginCookie('flooder@example.com');
    const statuses: number[] = [];
    for (let i = 0; i < REFUSED_REVEALS_PER_MINUTE.perUser + 5; i++) {
      const res = await inject(stack, {
        method: 'POST',
        url: '/api/ephemeral-keys',
        cookie,
        headers: json,
        payload: { card_id: world.other.virtualCard.id, nonce: 'ephkn_pub_flood' },
        ip: '10.30.0.1',
      });
      statuses.push(res.statusCode);
    }
    expect(statuses.slice(0, REFUSED_REVEALS_PER_MINUTE.perUser).every((s) => s === 403)).toBe(true);
    expect(statuses.slice(REFUSED_REVEALS_PER_MINUTE.perUser).every((s) => s === 429)).toBe(true);
    const [row] = await stack.app.db.query<{ n: string | number }>(
      `SELECT count(*) AS n FROM reveal_audit WHERE user_id = $1`,
      [user.id],
    );
    expect(Number(row!.n)).toBe(REFUSED_REVEALS_PER_MINUTE.perUser);
  });

  test(`and after ${REFUSED_REVEALS_PER_MINUTE.perIp} from one address, for any user`, async ({ stack, world }) => {
    const ip = '10.31.0.1';
    let written = 0;
    let limited = 0;
    for (let u = 0; u * REFUSED_REVEALS_PER_MINUTE.perUser <= REFUSED_REVEALS_PER_MINUTE.perIp; u++) {
      const user = await createUser(stack.app.db, {
        email: `ip-flooder-${u}@example.com`,
        passwordHash: await hashPassword('x'),
        role: 'account_user',
      });
      const cookie = await stack.loginCookie(user.email);
      for (let i = 0; i < REFUSED_REVEALS_PER_MINUTE.perUser; i++) {
        const res = await inject(stack, {
          method: 'POST',
          url: '/api/ephemeral-keys',
          cookie,
          headers: json,
          payload: { card_id: world.other.virtualCard.id, nonce: 'ephkn_pub_flood' },
          ip,
        });
        if (res.statusCode === 429) limited += 1;
        else written += 1;
      }
    }
    expect(written).toBe(REFUSED_REVEALS_PER_MINUTE.perIp);
    expect(limited).toBeGreaterThan(0);
  });
});

describe('item 9: the sign-in works on every spelling of this machine, and a refusal names the address', () => {
  test('http://127.0.0.1:3000, http://localhost:3000 and http://[::1]:3000 can all sign in locally', async () => {
    const t = await buildTestApp({ PORT: '3000' });
    try {
      await t.createUser('newcomer@example.com', 'platform_admin');
      for (const origin of ['http://127.0.0.1:3000', 'http://localhost:3000', 'http://[::1]:3000']) {
        const res = await t.inject({
          method: 'POST',
          url: '/api/session',
          headers: { origin },
          payload: { email: 'newcomer@example.com', password: 'password123' },
        });
        expect(res.statusCode, origin).toBe(200);
      }
      for (const origin of [
        'http://127.0.0.1:3001',
        'https://127.0.0.1:3000',
        'http://127.0.0.1:3000.evil.example',
        'https://evil.example',
        'null',
      ]) {
        const res = await t.inject({
          method: 'POST',
          url: '/api/session',
          headers: { origin },
          payload: { email: 'newcomer@example.com', password: 'password123' },
        });
        expect(res.statusCode, origin).toBe(403);
        expect(res.json().error.code).toBe('csrf_rejected');
        expect(res.json().error.message).toContain('http://localhost:3000');
      }
    } finally {
      await t.close();
    }
  });

  test('ALLOWED_ORIGINS, and the address the server listens on (not a name that merely points at it)', async () => {
    const t = await buildTestApp({
      PUBLIC_URL: 'https://dash.example.com',
      ALLOWED_ORIGINS: 'https://ops.example.com, http://10.0.0.5:8080',
      HOST: '192.168.7.7',
      PORT: '3000',
      SESSION_SECRET: 's'.repeat(32),
    });
    try {
      await t.createUser('ops@example.com', 'platform_admin');
      const signIn = (headers: Record<string, string>) =>
        t.inject({
          method: 'POST',
          url: '/api/session',
          headers,
          payload: { email: 'ops@example.com', password: 'password123' },
        });
      expect((await signIn({ origin: 'https://ops.example.com' })).statusCode).toBe(200);
      expect((await signIn({ origin: 'http://10.0.0.5:8080' })).statusCode).toBe(200);
      expect((await signIn({ origin: 'http://192.168.7.7:3000', host: '192.168.7.7:3000' })).statusCode).toBe(200);
      const rebound = await signIn({ origin: 'http://evil.example:3000', host: 'evil.example:3000' });
      expect(rebound.statusCode).toBe(403);
      expect(rebound.json().error.message).toContain('https://dash.example.com');
    } finally {
      await t.close();
    }
  });
});
