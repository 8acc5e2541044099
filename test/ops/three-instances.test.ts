// Three app processes on one PostgreSQL behind a real reverse proxy (Debian's nginx, started by
// the test), requests spread round-robin, one Stripe emulator in a process of its own that the
// three share and that delivers its webhook events through the proxy. What must hold across
// instances does: sessions (a sign-in on one is honoured by all, a sign-out ends it on all),
// sign-in throttling, the reveal rate limit, webhook events processed once, and the card index
// backfilled once for the deployment. Each assertion is printed as it passes.
// Needs TEST_DATABASE_URL and nginx: .ci/run provides both; CI=true without them fails.
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EMULATOR_PUBLISHABLE_KEY, EMULATOR_SECRET_KEY } from '../../server/config.ts';
import { openDatabase, type Database } from '../../server/db/database.ts';
import { POLICY } from '../../shared/policy.ts';
import { STRIPE_API_VERSION } from '../../shared/stripe-api-version.ts';
import { BudgetHttpClient } from '../../server/plugins/app/stripe-budget.ts';
import { createNonce } from '../helpers/card-details.ts';
import { nextTotpCode } from '../helpers/totp.ts';
import { DEMO_TOTP_SECRET } from '../../server/db/demo-users.ts';
import { startProcess, waitFor, type Proc } from '../helpers/child-process.ts';
import { freePort } from '../helpers/ports.ts';
import { createPostgresDatabase, TEST_DATABASE_URL } from './databases.ts';

const NGINX = ['/usr/sbin/nginx', '/usr/bin/nginx'].find((p) => existsSync(p));
const inCi = Boolean(process.env.CI && process.env.CI !== 'false');
const say = (line: string) => console.log(`[three instances] ${line}`);

test('CI runs the three-instance suite (PostgreSQL and nginx present)', () => {
  if (inCi) {
    expect(TEST_DATABASE_URL, 'CI=true but TEST_DATABASE_URL is not set').toBeTruthy();
    expect(NGINX, 'CI=true but nginx is not installed (.ci/run installs it)').toBeTruthy();
  }
});

// Defined only where it can run (like the PostgreSQL half of test/ops/database.test.ts); the test
// above makes CI fail rather than leave it out.
if (TEST_DATABASE_URL && NGINX)
  describe('three app instances behind nginx on one PostgreSQL', () => {
    const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
    const procs: Proc[] = [];
    let apps: Proc[] = [];
    let emulatorProc: Proc;
    let proxyUrl: string;
    let emulatorUrl: string;
    let appPorts: number[];
    let db: Database;
    let dropDb: () => Promise<void>;
    let workDir: string;
    let stripe: Stripe;
    /** The emulator's log once the deployment's backfill is done, before any test's own calls. */
    let startupLog: string;

    beforeAll(async () => {
      const created = await createPostgresDatabase();
      dropDb = created.drop;
      const [proxyPort, emulatorPort, ...ports] = await Promise.all([
        freePort(),
        freePort(),
        freePort(),
        freePort(),
        freePort(),
      ]);
      appPorts = ports;
      proxyUrl = `http://127.0.0.1:${proxyPort}`;
      emulatorUrl = `http://127.0.0.1:${emulatorPort}`;

      // The reverse proxy: round-robin (nginx's default) over the three, naming the instance that
      // answered in a response header so the test can see the spread.
      workDir = mkdtempSync(join(tmpdir(), 'three-instances-'));
      writeFileSync(
        join(workDir, 'nginx.conf'),
        `daemon off;
pid ${workDir}/nginx.pid;
error_log ${workDir}/error.log warn;
worker_processes 1;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${workDir}/body;
  proxy_temp_path ${workDir}/proxy;
  fastcgi_temp_path ${workDir}/fastcgi;
  uwsgi_temp_path ${workDir}/uwsgi;
  scgi_temp_path ${workDir}/scgi;
  upstream app { ${appPorts.map((p) => `server 127.0.0.1:${p};`).join(' ')} }
  server {
    listen 127.0.0.1:${proxyPort};
    location / {
      proxy_pass http://app;
      proxy_http_version 1.1;
      proxy_set_header Host $host;
      proxy_set_header X-Forwarded-For $proxy_add_x_forwarded_for;
      add_header X-Upstream $upstream_addr always;
    }
  }
}
`,
      );
      const proxy = startProcess([NGINX, '-p', workDir, '-c', join(workDir, 'nginx.conf')], {});
      procs.push(proxy);

      // One emulator for the deployment (its own process), delivering events through the proxy.
      emulatorProc = startProcess([process.execPath, '--import', 'tsx', 'emulator/main.ts'], {
        EMULATOR_PORT: String(emulatorPort),
        EMULATOR_PUBLIC_URL: emulatorUrl,
        EMULATOR_WEBHOOK_URL: `${proxyUrl}/webhooks/stripe`,
        EMULATOR_WEBHOOK_SECRET: webhookSecret,
        LOG_LEVEL: 'info',
      });
      procs.push(emulatorProc);
      await waitFor(`${emulatorUrl}/v1/accounts`, emulatorProc, (status) => status === 401); // listening (no key sent)

      apps = appPorts.map((port) =>
        startProcess([process.execPath, '--import', 'tsx', 'server/main.ts'], {
          HOST: '127.0.0.1',
          PORT: String(port),
          PUBLIC_URL: proxyUrl,
          DATABASE_URL: created.url,
          EMULATOR_API_URL: emulatorUrl,
          EMULATOR_PUBLIC_URL: emulatorUrl,
          STRIPE_WEBHOOK_SECRET: webhookSecret,
          TRUST_PROXY: 'loopback',
          LOG_LEVEL: 'info',
        }),
      );
      procs.push(...apps);
      await Promise.all(apps.map((app, i) => waitFor(`http://127.0.0.1:${appPorts[i]}/readyz`, app)));
      await waitFor(`${proxyUrl}/readyz`, proxy);
      const backfilled = () => apps.some((a) => a.output().includes('"listedAccounts":true'));
      for (const until = Date.now() + 120_000; !backfilled() && Date.now() < until;)
        await new Promise((r) => setTimeout(r, 200));
      startupLog = emulatorProc.output();
      db = await openDatabase({ kind: 'postgres', url: created.url });
      // The emulator limits test-mode requests as Stripe does (25/s): the test's own calls go
      // through the same budget as the app's, which waits out a 429.
      stripe = new Stripe(EMULATOR_SECRET_KEY, {
        host: '127.0.0.1',
        port: emulatorPort,
        protocol: 'http',
        maxNetworkRetries: 0,
        httpClient: new BudgetHttpClient(),
      });
    }, 240_000);

    afterAll(async () => {
      await Promise.all(procs.map((p) => p.stop()));
      await db?.close();
      await dropDb?.();
      if (workDir) rmSync(workDir, { recursive: true, force: true });
    }, 60_000);

    /** A request through the proxy; returns the status, body and the instance that answered. */
    async function call(method: string, path: string, opts: { cookie?: string; body?: unknown } = {}) {
      const res = await fetch(`${proxyUrl}${path}`, {
        method,
        headers: {
          ...(opts.cookie ? { cookie: opts.cookie } : {}),
          ...(opts.body !== undefined ? { 'content-type': 'application/json' } : {}),
          ...(method !== 'GET' ? { origin: proxyUrl } : {}),
        },
        ...(opts.body !== undefined ? { body: JSON.stringify(opts.body) } : {}),
      });
      const text = await res.text();
      return {
        status: res.status,
        upstream: res.headers.get('x-upstream') ?? '',
        json: text ? (JSON.parse(text) as Record<string, unknown>) : {},
        setCookie: res.headers.get('set-cookie'),
      };
    }

    /** Stripe.js's nonce request, waiting out the emulator's test-mode rate limit as a browser would retry. */
    async function nonceWithBackoff(make: () => Promise<string>): Promise<string> {
      for (let attempt = 0; ; attempt++) {
        try {
          return await make();
        } catch (error) {
          if (attempt >= 5 || !/answered 429/.test((error as Error).message)) throw error;
          await new Promise((r) => setTimeout(r, 250 * 2 ** attempt));
        }
      }
    }

    async function signIn(email: string): Promise<string> {
      const res = await call('POST', '/api/session', { body: { email, password: 'demo1234' } });
      expect(res.status).toBe(200);
      // Set-Cookie may carry the device cookie too (sign-in throttling): take the session's.
      const sessionCookie = (header: string | null) => /cid_session=[^;,]+/.exec(header ?? '')![0];
      const pending = sessionCookie(res.setCookie);
      // The demo admin and support agent have a second factor: the sign-in completes with a TOTP code.
      if (!(res.json as { secondFactorRequired?: boolean }).secondFactorRequired) return pending;
      const code = await nextTotpCode(`${proxyUrl}|${email}`, DEMO_TOTP_SECRET);
      const step = await call('POST', '/api/step-up', { cookie: pending, body: { method: 'totp', code } });
      expect(step.status, JSON.stringify(step.json)).toBe(200);
      return sessionCookie(step.setCookie);
    }

    test('the proxy spreads requests round-robin over the three instances', async () => {
      const upstreams = new Set<string>();
      for (let i = 0; i < 6; i++) upstreams.add((await call('GET', '/healthz')).upstream);
      say(`6 requests answered by ${upstreams.size} instances: ${[...upstreams].sort().join(', ')}`);
      expect([...upstreams].sort()).toEqual(appPorts.map((p) => `127.0.0.1:${p}`).sort());
    });

    test('a session started on one instance is honoured by every instance, and a sign-out ends it on all', async () => {
      const cookie = await signIn('admin@example.com');
      const seen = new Map<string, number>();
      for (let i = 0; i < 6; i++) {
        const me = await call('GET', '/api/me', { cookie });
        seen.set(me.upstream, me.status);
        expect((me.json as { user?: { email?: string } }).user?.email ?? me.json.email).toBe('admin@example.com');
      }
      say(`signed in once; /api/me answered 200 by ${seen.size} instances`);
      expect(seen.size).toBe(3);
      expect((await call('DELETE', '/api/session', { cookie })).status).toBe(204);
      const after = new Map<string, number>();
      for (let i = 0; i < 6; i++) {
        const me = await call('GET', '/api/me', { cookie });
        after.set(me.upstream, me.status);
      }
      say(`after sign-out: ${[...after.values()].join(', ')} from ${after.size} instances`);
      expect(after.size).toBe(3);
      expect([...after.values()].every((s) => s === 401)).toBe(true);
    });

    test('sign-in throttling counts failures from every instance together', async () => {
      const email = 'account@example.com';
      const statuses: number[] = [];
      const upstreams = new Set<string>();
      for (let i = 0; i < 12; i++) {
        const res = await call('POST', '/api/session', { body: { email, password: `wrong-${i}` } });
        statuses.push(res.status);
        upstreams.add(res.upstream);
      }
      say(`12 wrong passwords over ${upstreams.size} instances: ${statuses.join(' ')}`);
      expect(upstreams.size).toBe(3);
      // Ten failures from all instances together, then refused on whichever instance answers;
      // no instance saw ten by itself.
      expect(statuses.slice(0, 10)).toEqual(Array(10).fill(401));
      expect(statuses.slice(10)).toEqual([429, 429]);
      const right = await call('POST', '/api/session', { body: { email, password: 'demo1234' } });
      say(`the right password now: ${right.status} (throttled for the window)`);
      expect(right.status).toBe(429);
    });

    test('the reveal rate limit holds across instances', async () => {
      const cookie = await signIn('support@example.com');
      const [account] = (await stripe.accounts.list({ limit: 1 })).data;
      const [card] = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account!.id })).data;
      const limit = POLICY.support_agent.permissions.reveal.ratePerMinute;
      const stack = {
        emulatorUrl,
        config: { stripe: { publishableKey: EMULATOR_PUBLISHABLE_KEY, apiVersion: STRIPE_API_VERSION } },
      };
      const statuses: number[] = [];
      const upstreams = new Set<string>();
      for (let i = 0; i < limit + 2; i++) {
        const nonce = await nonceWithBackoff(() => createNonce(stack, card!.id, account!.id));
        const res = await call('POST', '/api/ephemeral-keys', {
          cookie,
          body: { card_id: card!.id, nonce, reason: 'Cardholder verified by phone' },
        });
        statuses.push(res.status);
        upstreams.add(res.upstream);
      }
      say(`${limit + 2} reveals over ${upstreams.size} instances (limit ${limit}/min): ${statuses.join(' ')}`);
      expect(upstreams.size).toBe(3);
      expect(statuses).toEqual([...Array(limit).fill(200), 429, 429]);
    });

    test('a webhook event delivered to every instance at once is processed once', async () => {
      const [account] = (await stripe.accounts.list({ limit: 1 })).data;
      const [card] = (await stripe.issuing.cards.list({ limit: 1 }, { stripeAccount: account!.id })).data;
      const event = {
        id: `evt_three${randomBytes(8).toString('hex')}`,
        object: 'event',
        api_version: STRIPE_API_VERSION,
        created: Math.floor(Date.now() / 1000),
        type: 'issuing_card.updated',
        account: account!.id,
        livemode: false,
        pending_webhooks: 1,
        request: { id: null, idempotency_key: null },
        data: { object: card },
      };
      const payload = JSON.stringify(event);
      const signature = stripe.webhooks.generateTestHeaderString({ payload, secret: webhookSecret });
      const answers = await Promise.all(
        appPorts.map((port) =>
          fetch(`http://127.0.0.1:${port}/webhooks/stripe`, {
            method: 'POST',
            headers: { 'content-type': 'application/json', 'stripe-signature': signature },
            body: payload,
          }).then((r) => r.status),
        ),
      );
      const rows = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM webhook_events WHERE id = $1', [
        event.id,
      ]);
      say(
        `one event posted to the three instances at once: answers ${answers.join(', ')}; recorded ${rows[0]!.n} time(s)`,
      );
      expect(answers).toEqual([200, 200, 200]);
      expect(rows[0]!.n).toBe(1);
      const logged = apps.map(
        (a) =>
          a
            .output()
            .split('\n')
            .filter((l) => l.includes(event.id) && l.includes('"duplicate":false')).length,
      );
      say(`instances that applied it: ${logged.reduce((a, b) => a + b, 0)}`);
      expect(logged.reduce((a, b) => a + b, 0)).toBe(1);
    });

    test('the card index was backfilled once for the deployment, not once per instance', async () => {
      const accounts = (await stripe.accounts.list({ limit: 100 })).data.length;
      // The emulator logs each request: its card listings at start are the backfill's.
      const lists = startupLog
        .split('\n')
        .filter((l) => /"url":"\/v1\/issuing\/cards(\?[^"]*)?"/.test(l) && l.includes('incoming request'));
      const reports = apps.map(
        (a) =>
          a
            .output()
            .split('\n')
            .filter((l) => l.includes('card index backfill done') && l.includes('"listedAccounts":true')).length,
      );
      say(
        `${accounts} connected accounts; card listings by the three starts: ${lists.length}; instances that listed: ${reports.reduce((a, b) => a + b, 0)}`,
      );
      expect(reports.reduce((a, b) => a + b, 0)).toBe(1);
      expect(lists.length).toBe(accounts);
    });
  });
