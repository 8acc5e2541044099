// `npm run doctor`: checks a deployment against Stripe (or the emulator) with the same environment
// the app reads (server/config.ts), and prints each check with how to fix it. Run it beside a
// running app: it talks to Stripe with the app's keys and to the app at PUBLIC_URL.
//
// Checks: configuration; keys and mode; the API version; the webhook endpoint (registered for
// PUBLIC_URL/webhooks/stripe with the events the app needs, its API version, reachable, secret
// set); connected accounts' card_issuing; the CSP the app serves (Stripe's origins); PUBLIC_URL and
// cookie security. `--json` prints one JSON document instead. Exit 1 when a check fails.
// Keys and secrets are never printed (only their kind and mode).
import Stripe from 'stripe';
import { describeRequirements } from '../shared/account-requirements.ts';
import { ConfigError, loadConfig, type Config } from '../server/config.ts';
import { REQUIRED_WEBHOOK_EVENTS } from '../server/domain/required-webhook-events.ts';
import { cspDirectives } from '../server/plugins/external/helmet.ts';
import { createStripeClient } from '../server/plugins/app/stripe.ts';
import { STRIPE_API_VERSION } from '../shared/stripe-api-version.ts';

type Status = 'ok' | 'warn' | 'fail';
interface Check {
  name: string;
  status: Status;
  detail: string;
  /** What to do about it (absent when ok). */
  fix?: string;
}

const checks: Check[] = [];
const ok = (name: string, detail: string) => checks.push({ name, status: 'ok', detail });
const warn = (name: string, detail: string, fix: string) => checks.push({ name, status: 'warn', detail, fix });
const failed = (name: string, detail: string, fix: string) => checks.push({ name, status: 'fail', detail, fix });

const WEBHOOK_PATH = '/webhooks/stripe';
const TIMEOUT_MS = 8_000;

function keyKind(key: string): string {
  const match = /^(sk|rk|pk)_(test|live)_/.exec(key);
  if (!match) return 'unknown key';
  const kind = { sk: 'secret', rk: 'restricted', pk: 'publishable' }[match[1] as 'sk' | 'rk' | 'pk'];
  return `${kind} key, ${match[2]} mode`;
}

function apiBase(config: Config): string {
  return config.emulator ? `http://${config.emulator.apiHost}:${config.emulator.port}` : 'https://api.stripe.com';
}

async function fetchWithTimeout(url: string, init: RequestInit = {}): Promise<Response> {
  return fetch(url, { ...init, signal: AbortSignal.timeout(TIMEOUT_MS), redirect: 'manual' });
}

function checkKeys(config: Config): void {
  if (config.mode === 'emulator') {
    ok('keys and mode', `emulator mode (no Stripe keys set): the app uses the Stripe emulator at ${apiBase(config)}`);
    return;
  }
  const secretMode = /_(test|live)_/.exec(config.stripe.secretKey)?.[1];
  const publishableMode = /_(test|live)_/.exec(config.stripe.publishableKey)?.[1];
  if (secretMode !== publishableMode) {
    failed(
      'keys and mode',
      `STRIPE_SECRET_KEY is a ${keyKind(config.stripe.secretKey)} but STRIPE_PUBLISHABLE_KEY a ${keyKind(config.stripe.publishableKey)}`,
      'Use the secret and publishable keys of the same mode from https://dashboard.stripe.com/apikeys (both test or both live).',
    );
    return;
  }
  ok('keys and mode', `stripe mode, ${keyKind(config.stripe.secretKey)}; publishable key of the same mode`);
}

async function checkApi(config: Config, stripe: Stripe): Promise<boolean> {
  // The API version the SDK pins; Stripe answers in the version it was asked for.
  try {
    const response = await fetchWithTimeout(`${apiBase(config)}/v1/account`, {
      headers: { authorization: `Bearer ${config.stripe.secretKey}`, 'stripe-version': STRIPE_API_VERSION },
    });
    if (response.status === 401) {
      failed(
        'Stripe API',
        'Stripe refused the secret key (401)',
        'Set STRIPE_SECRET_KEY to a valid key from https://dashboard.stripe.com/apikeys.',
      );
      return false;
    }
    if (!response.ok) {
      const body = (await response.json().catch(() => ({}))) as { error?: { message?: string } };
      failed(
        'Stripe API',
        `GET /v1/account answered ${response.status}: ${body.error?.message ?? 'no message'}`,
        'Check the key’s permissions (a restricted key needs read access to Connect and Issuing).',
      );
      return false;
    }
    const answered = response.headers.get('stripe-version');
    if (answered && answered !== STRIPE_API_VERSION) {
      failed(
        'API version',
        `asked for ${STRIPE_API_VERSION}, Stripe answered ${answered}`,
        'Upgrade or pin the stripe package so that its API version is one Stripe serves.',
      );
    } else {
      ok('API version', `${STRIPE_API_VERSION} (the stripe SDK’s pinned version), accepted`);
    }
    const account = (await stripe.accounts.retrieveCurrent()) as Stripe.Account;
    const issuing = account.capabilities?.card_issuing;
    if (config.mode === 'stripe' && issuing !== 'active') {
      failed(
        'platform account',
        `the platform’s card_issuing is ${issuing ?? 'not requested'}`,
        'Onboard the platform onto Stripe Issuing first (https://dashboard.stripe.com/issuing); connected accounts can only request card_issuing after that.',
      );
    } else {
      ok('platform account', `${account.id}${issuing ? `, card_issuing ${issuing}` : ''}`);
    }
    return true;
  } catch (error) {
    failed(
      'Stripe API',
      `could not reach ${apiBase(config)}: ${(error as Error).message}`,
      config.emulator
        ? 'Start the app (npm start) or the emulator (npm run emulator) first, with the same EMULATOR_PORT.'
        : 'Check the network path to api.stripe.com (proxy, firewall, DNS).',
    );
    return false;
  }
}

async function checkWebhooks(config: Config, stripe: Stripe): Promise<void> {
  const expectedUrl = `${config.publicUrl}${WEBHOOK_PATH}`;
  // In emulator mode the emulator beside the app delivers to the app's own listener.
  const localUrl = `http://${config.emulator?.apiHost ?? config.host}:${config.port}${WEBHOOK_PATH}`;
  const endpoints: Stripe.WebhookEndpoint[] = [];
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) endpoints.push(endpoint);
  const candidates = endpoints.filter(
    (e) => e.url === expectedUrl || (config.emulator !== undefined && e.url === localUrl),
  );
  const enabled = candidates.filter((e) => e.status === 'enabled');
  const register = `Register ${expectedUrl} for events on connected accounts (connect: true) with ${REQUIRED_WEBHOOK_EVENTS.map((e) => e.type).join(', ')} (Dashboard: https://dashboard.stripe.com/webhooks, or stripe.webhookEndpoints.create({url, connect: true, enabled_events, api_version: '${STRIPE_API_VERSION}'})).`;
  if (enabled.length === 0) {
    failed(
      'webhook endpoint',
      candidates.length > 0
        ? `the endpoint for ${expectedUrl} is disabled`
        : `no webhook endpoint is registered for ${expectedUrl} (${endpoints.length} other endpoint(s))`,
      register,
    );
  } else {
    // `*` counts as every event: "You may specify ['*'] to enable all events, except those that
    // require explicit selection" (docs.stripe.com/api/webhook_endpoints/create, enabled_events).
    const covered = (type: string) =>
      enabled.some((e) => e.enabled_events.includes('*') || e.enabled_events.includes(type));
    const missing = REQUIRED_WEBHOOK_EVENTS.filter((e) => !covered(e.type));
    if (missing.length > 0) {
      // Updating `enabled_events` replaces the endpoint's list: the fix names the whole new list.
      const endpoint = enabled[0]!;
      const events = [...endpoint.enabled_events, ...missing.map((e) => e.type)];
      failed(
        'webhook endpoint',
        `${endpoint.url} (${endpoint.id}) is registered without ${missing.length} event(s) the app needs: ${missing.map((e) => `${e.type} (${e.why})`).join('; ')}`,
        `Add ${missing.map((e) => e.type).join(', ')} to endpoint ${endpoint.id} (Dashboard: https://dashboard.stripe.com/webhooks), or stripe.webhookEndpoints.update('${endpoint.id}', { enabled_events: ${JSON.stringify(events)} }): the list replaces the endpoint's, so it keeps the events it has.`,
      );
    } else {
      ok('webhook endpoint', `${enabled[0]!.url} receives ${REQUIRED_WEBHOOK_EVENTS.map((e) => e.type).join(', ')}`);
    }
    const versions = [...new Set(enabled.map((e) => e.api_version).filter((v): v is string => Boolean(v)))];
    const other = versions.filter((v) => v !== STRIPE_API_VERSION);
    if (other.length > 0) {
      warn(
        'webhook API version',
        `events are rendered in ${other.join(', ')}; the app’s SDK speaks ${STRIPE_API_VERSION}`,
        `Create the endpoint again with api_version ${STRIPE_API_VERSION} (an endpoint’s version cannot be changed).`,
      );
    }
  }

  if (config.mode === 'stripe' && !config.stripe.webhookSecret) {
    failed(
      'webhook secret',
      'STRIPE_WEBHOOK_SECRET is not set: the app refuses every event (503)',
      'Copy the endpoint’s signing secret (whsec_…) into STRIPE_WEBHOOK_SECRET and restart the app.',
    );
  } else {
    ok(
      'webhook secret',
      config.stripe.webhookSecret
        ? 'STRIPE_WEBHOOK_SECRET is set'
        : 'emulator mode: a secret is made at each start and shared with the emulator',
    );
  }

  // Reachable: the route answers an unsigned event with a 4xx (refused), not a 404 or no answer.
  try {
    const response = await fetchWithTimeout(expectedUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{}',
    });
    if (response.status === 404 || (response.status >= 500 && response.status !== 503)) {
      failed(
        'webhook reachable',
        `POST ${expectedUrl} answered ${response.status}`,
        'PUBLIC_URL must be the address that reaches this app (check the proxy’s routes for /webhooks/stripe).',
      );
    } else {
      ok('webhook reachable', `POST ${expectedUrl} answers (${response.status} to an unsigned event, as it should)`);
    }
    const host = new URL(config.publicUrl).hostname;
    if (config.mode === 'stripe' && (host === 'localhost' || host.startsWith('127.') || host === '::1')) {
      warn(
        'webhook reachable',
        `${config.publicUrl} is this machine: Stripe cannot deliver to it`,
        'Forward events with the Stripe CLI (stripe listen --forward-connect-to <PUBLIC_URL>/webhooks/stripe), or deploy at a public https URL.',
      );
    }
  } catch (error) {
    failed(
      'webhook reachable',
      `POST ${expectedUrl} failed: ${(error as Error).message}`,
      'Start the app, and set PUBLIC_URL to the address it is reached at.',
    );
  }
}

async function checkAccounts(stripe: Stripe): Promise<void> {
  const accounts: Stripe.Account[] = [];
  for await (const account of stripe.accounts.list({ limit: 100 })) accounts.push(account);
  if (accounts.length === 0) {
    warn(
      'connected accounts',
      'the platform has no connected accounts',
      'Create them with your onboarding flow, or in test mode with npm run seed.',
    );
    return;
  }
  const notReady = accounts.filter((a) => a.capabilities?.card_issuing !== 'active');
  if (notReady.length === 0) {
    ok('connected accounts', `${accounts.length} account(s), card_issuing active on each`);
    return;
  }
  for (const account of notReady) {
    const due = describeRequirements(account.requirements?.currently_due ?? []);
    failed(
      'connected accounts',
      `${account.business_profile?.name ?? account.id} (${account.id}): card_issuing ${account.capabilities?.card_issuing ?? 'not requested'}${due.length ? `; Stripe still needs: ${due.join('; ')}` : ''}`,
      'Provide what Stripe requires with stripe.accounts.update (in test mode npm run seed does it with Stripe’s test values); cards and cardholders are refused until card_issuing is active.',
    );
  }
  if (notReady.length < accounts.length)
    ok('connected accounts', `${accounts.length - notReady.length} other account(s) with card_issuing active`);
}

async function checkApp(config: Config): Promise<void> {
  let response: Response;
  try {
    response = await fetchWithTimeout(`${config.publicUrl}/readyz`);
  } catch (error) {
    failed(
      'app',
      `${config.publicUrl} did not answer: ${(error as Error).message}`,
      'Start the app (npm start) and set PUBLIC_URL to the address it is reached at.',
    );
    return;
  }
  const ready = (await response.json().catch(() => ({}))) as { ok?: boolean; checks?: Record<string, boolean> };
  if (response.ok && ready.ok) ok('app', `${config.publicUrl} is ready (database and Stripe answer)`);
  else
    failed(
      'app',
      `${config.publicUrl}/readyz answered ${response.status} ${JSON.stringify(ready.checks ?? {})}`,
      'Look at the app’s logs: the database or Stripe does not answer it.',
    );

  // The CSP the browser gets must let Stripe's (or the emulator's) scripts, frames and API in.
  const csp = response.headers.get('content-security-policy') ?? '';
  const served = new Map(
    csp
      .split(';')
      .map((d) => d.trim().split(/\s+/))
      .filter((p) => p[0])
      .map(([name, ...values]) => [name!, values]),
  );
  const expected = cspDirectives(config);
  const missing: string[] = [];
  for (const directive of ['script-src', 'frame-src', 'connect-src']) {
    for (const origin of expected[directive] ?? [])
      if (origin !== "'self'" && !(served.get(directive) ?? []).includes(origin))
        missing.push(`${directive} ${origin}`);
  }
  if (!csp)
    failed(
      'CSP origins',
      'the app answered without a Content-Security-Policy',
      'Serve the app’s own headers; a proxy in front must not drop Content-Security-Policy.',
    );
  else if (missing.length > 0)
    failed(
      'CSP origins',
      `the served policy lacks ${missing.join(', ')}`,
      'A proxy or CDN rewrites the policy: let the app’s Content-Security-Policy through (Stripe’s origins: docs.stripe.com/security/guide#content-security-policy).',
    );
  else
    ok(
      'CSP origins',
      `script, frame and connect sources include ${[...new Set(['script-src', 'frame-src', 'connect-src'].flatMap((d) => (expected[d] ?? []).filter((o) => o !== "'self'")))].join(', ')}`,
    );
}

function checkPublicUrl(config: Config): void {
  const url = new URL(config.publicUrl);
  const local = url.hostname === 'localhost' || url.hostname.startsWith('127.') || url.hostname === '[::1]';
  const live = /_live_/.test(config.stripe.secretKey);
  if (url.protocol === 'https:') {
    ok('PUBLIC_URL and cookies', `${config.publicUrl}: session cookies are Secure, HSTS is sent`);
  } else if (live) {
    failed(
      'PUBLIC_URL and cookies',
      `${config.publicUrl} is plain http with a live key: session cookies are not Secure`,
      'Serve the app over https and set PUBLIC_URL=https://…',
    );
  } else if (!local) {
    warn(
      'PUBLIC_URL and cookies',
      `${config.publicUrl} is plain http on a network address: session cookies travel unencrypted`,
      'Put https in front of the app and set PUBLIC_URL=https://…',
    );
  } else {
    ok('PUBLIC_URL and cookies', `${config.publicUrl} (this machine): cookies without Secure are acceptable here only`);
  }
}

function print(json: boolean): void {
  if (json) {
    console.log(JSON.stringify({ ok: !checks.some((c) => c.status === 'fail'), checks }));
    return;
  }
  const mark = { ok: '✓', warn: '!', fail: '✗' } as const;
  for (const check of checks) {
    console.log(`${mark[check.status]} ${check.name}: ${check.detail}`);
    if (check.fix) console.log(`    fix: ${check.fix}`);
  }
}

async function main(): Promise<number> {
  const json = process.argv.includes('--json');
  let config: Config;
  try {
    config = loadConfig(process.env);
    ok('configuration', `${config.mode} mode, PUBLIC_URL ${config.publicUrl}`);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    failed('configuration', error.message, `Fix ${error.variable} (docs/architecture.md lists every variable).`);
    print(json);
    return 1;
  }
  checkKeys(config);
  const stripe = createStripeClient(config, { maxNetworkRetries: 0 });
  if (await checkApi(config, stripe)) {
    await checkWebhooks(config, stripe);
    await checkAccounts(stripe);
  }
  await checkApp(config);
  checkPublicUrl(config);
  print(json);
  return checks.some((c) => c.status === 'fail') ? 1 : 0;
}

// Exit explicitly: kept-alive connections would hold the process open.
process.exit(await main());
