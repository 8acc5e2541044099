// Live activity on every instance (issue 18 item 6, decision 081): three app processes on one
// PostgreSQL, one Stripe emulator in a process of its own that delivers its webhook events to
// instance B only. A signed-in page following a card on instance A, B or C (GET /api/events read
// as EventSource does, no browser) hears an authorization made on the emulator, each exactly
// once; and it still does after PostgreSQL killed the instances' LISTEN connections.
// Needs TEST_DATABASE_URL: .ci/run provides it; CI=true without it fails.
import { randomBytes } from 'node:crypto';
import { request, type IncomingMessage } from 'node:http';
import pg from 'pg';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { EMULATOR_SECRET_KEY } from '../../server/config.ts';
import { startProcess, waitFor, type Proc } from '../helpers/child-process.ts';
import { freePort } from '../helpers/ports.ts';
import { createPostgresDatabase, TEST_DATABASE_URL } from './databases.ts';

const inCi = Boolean(process.env.CI && process.env.CI !== 'false');
const say = (line: string) => console.log(`[live fan-out] ${line}`);

test('CI runs the live fan-out suite (PostgreSQL present)', () => {
  if (inCi) expect(TEST_DATABASE_URL, 'CI=true but TEST_DATABASE_URL is not set').toBeTruthy();
});

interface Stream {
  status: number;
  text(): string;
  /** How many times `needle` has arrived so far. */
  count(needle: string): number;
  waitFor(needle: string, ms: number): Promise<boolean>;
  destroy(): void;
}

/** GET /api/events on one instance, read as EventSource does (node:http: no spare keep-alive connection). */
async function openStream(baseUrl: string, cookie: string, query: string): Promise<Stream> {
  const req = request(`${baseUrl}/api/events?${query}&max_seconds=300`, {
    agent: false,
    headers: { cookie, accept: 'text/event-stream' },
  });
  const res = await new Promise<IncomingMessage>((resolve, reject) =>
    req.once('response', resolve).once('error', reject).end(),
  );
  let text = '';
  res.setEncoding('utf8').on('data', (chunk: string) => (text += chunk));
  res.on('error', () => {});
  const stream: Stream = {
    status: res.statusCode ?? 0,
    text: () => text,
    count: (needle) => text.split(needle).length - 1,
    async waitFor(needle, ms) {
      const deadline = Date.now() + ms;
      while (!text.includes(needle)) {
        if (Date.now() > deadline) return false;
        await new Promise((r) => setTimeout(r, 20));
      }
      return true;
    },
    destroy: () => req.destroy(),
  };
  if (stream.status === 200) await stream.waitFor('event: ready', 5_000);
  return stream;
}

if (TEST_DATABASE_URL)
  describe('live activity across three instances on one PostgreSQL', () => {
    const webhookSecret = `whsec_${randomBytes(24).toString('hex')}`;
    const procs: Proc[] = [];
    let apps: Proc[] = [];
    let appUrls: string[] = [];
    let dropDb: () => Promise<void>;
    let admin: pg.Client;
    let stripe: Stripe;
    let cookie: string;
    let account: string;
    let card: string;
    const streams: Stream[] = [];

    beforeAll(async () => {
      const created = await createPostgresDatabase();
      dropDb = created.drop;
      const [emulatorPort, ...ports] = await Promise.all([freePort(), freePort(), freePort(), freePort()]);
      appUrls = ports.map((p) => `http://127.0.0.1:${p}`);
      const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;

      // Stripe delivers each event to one place: here instance B (as a load balancer picks one).
      const emulatorProc = startProcess([process.execPath, '--import', 'tsx', 'emulator/main.ts'], {
        EMULATOR_PORT: String(emulatorPort),
        EMULATOR_PUBLIC_URL: emulatorUrl,
        EMULATOR_WEBHOOK_URL: `${appUrls[1]}/webhooks/stripe`,
        EMULATOR_WEBHOOK_SECRET: webhookSecret,
        LOG_LEVEL: 'warn',
      });
      procs.push(emulatorProc);
      await waitFor(`${emulatorUrl}/v1/accounts`, emulatorProc, (status) => status === 401);

      apps = ports.map((port) =>
        startProcess([process.execPath, '--import', 'tsx', 'server/main.ts'], {
          HOST: '127.0.0.1',
          PORT: String(port),
          // One deployment's URL (the sign-in's Origin check); the test talks to each instance directly.
          PUBLIC_URL: appUrls[0]!,
          DATABASE_URL: created.url,
          EMULATOR_API_URL: emulatorUrl,
          EMULATOR_PUBLIC_URL: emulatorUrl,
          STRIPE_WEBHOOK_SECRET: webhookSecret,
          LOG_LEVEL: 'info',
        }),
      );
      procs.push(...apps);
      await Promise.all(apps.map((app, i) => waitFor(`${appUrls[i]}/readyz`, app)));

      admin = new pg.Client({ connectionString: created.url });
      await admin.connect();
      stripe = new Stripe(EMULATOR_SECRET_KEY, {
        host: '127.0.0.1',
        port: emulatorPort,
        protocol: 'http',
        maxNetworkRetries: 3,
      });
      // The demo account user is a member of the oldest connected account (Stripe lists newest first).
      account = (await stripe.accounts.list({ limit: 100 })).data.at(-1)!.id;
      card = (await stripe.issuing.cards.list({ limit: 1, status: 'active' }, { stripeAccount: account })).data[0]!.id;

      // Signed in once, on A; the session (in the database) is honoured by every instance.
      const res = await fetch(`${appUrls[0]}/api/session`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', origin: appUrls[0]! },
        body: JSON.stringify({ email: 'account@example.com', password: 'demo1234' }),
      });
      expect(res.status).toBe(200);
      cookie = /cid_session=[^;,]+/.exec(res.headers.get('set-cookie') ?? '')![0];
    }, 240_000);

    afterAll(async () => {
      for (const s of streams) s.destroy();
      await Promise.all(procs.map((p) => p.stop()));
      await admin?.end();
      await dropDb?.();
    }, 60_000);

    /** An authorization on the card, made on the emulator as a card network would; its events go to B. */
    async function authorize(): Promise<{ id: string; activity: string }> {
      const auth = await stripe.testHelpers.issuing.authorizations.create(
        { card, amount: 1_00 },
        { stripeAccount: account },
      );
      // Exactly what the events route sends for it (ids only).
      const activity = `event: activity\ndata: ${JSON.stringify({ type: 'issuing_authorization.created', account, card, authorization: auth.id })}\n\n`;
      return { id: auth.id, activity };
    }

    test('an event delivered to instance B reaches the pages on A, B and C, each exactly once', async () => {
      const opened = await Promise.all(appUrls.map((url) => openStream(url, cookie, `card=${card}`)));
      streams.push(...opened);
      expect(opened.map((s) => s.status)).toEqual([200, 200, 200]);

      const { id, activity } = await authorize();
      const heard = await Promise.all(opened.map((s) => s.waitFor(activity, 10_000)));
      // Long enough for a second copy to arrive, if one were sent.
      await new Promise((r) => setTimeout(r, 1_500));
      const counts = opened.map((s) => s.count(activity));
      say(
        `authorization ${id}, its events delivered to B: heard by A, B, C: ${heard.join(', ')}; times: ${counts.join(', ')}`,
      );
      const received = apps.map(
        (a) =>
          a
            .output()
            .split('\n')
            .filter(
              (l) =>
                l.includes('"webhook event"') &&
                l.includes('issuing_authorization.created') &&
                l.includes('"duplicate":false'),
            ).length,
      );
      say(
        `instances that received issuing_authorization.created from Stripe: A ${received[0]}, B ${received[1]}, C ${received[2]}`,
      );
      expect(received[1]).toBeGreaterThan(0);
      expect(received[0]! + received[2]!).toBe(0);
      expect(counts).toEqual([1, 1, 1]);
    });

    test('after PostgreSQL kills the instances’ LISTEN connections, they reconnect and a new event still reaches A', async () => {
      const listeners = async () =>
        (
          await admin.query<{ pid: number }>(
            `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND query ILIKE 'LISTEN %' AND pid <> pg_backend_pid()`,
          )
        ).rows.map((r) => r.pid);
      const before = await listeners();
      say(`LISTEN connections before: ${before.length}`);
      expect(before).toHaveLength(3);
      await admin.query('SELECT pg_terminate_backend(pid) FROM unnest($1::int[]) AS pid', [before]);
      const deadline = Date.now() + 15_000;
      let after: number[] = [];
      while (Date.now() < deadline) {
        after = (await listeners()).filter((pid) => !before.includes(pid));
        if (after.length === 3) break;
        await new Promise((r) => setTimeout(r, 100));
      }
      say(`killed ${before.length}; new LISTEN connections: ${after.length}`);
      expect(after).toHaveLength(3);
      expect(apps.every((a) => a.child.exitCode === null)).toBe(true);
      // Operators see it: the loss and the return are logged by each instance.
      expect(
        apps.every(
          (a) =>
            a.output().includes('the database listener lost its connection') &&
            a.output().includes('the database listener is back'),
        ),
      ).toBe(true);

      const onA = streams[0]!;
      const { id, activity } = await authorize();
      const heard = await onA.waitFor(activity, 10_000);
      say(`authorization ${id} after the drop: heard on A: ${heard}`);
      expect(heard).toBe(true);
      expect(onA.count(activity)).toBe(1);
    });
  });
