// Issue 17, item 1 (and its minor items): single sign-on links identities by (issuer, subject)
// only. Against a real OpenID provider (oidc-provider, started here) driven over HTTP like a
// browser: a provider identity that sends an existing user's email (unverified, or without
// `email_verified` at all, as Entra ID does) signs nobody in as that user and changes nothing; a
// signed-in user links their own account (a fresh second-factor check or a recent password), and then the
// provider signs in as them; claims change a linked user's role only through the Users page's
// rules (last admin kept, sessions revoked, audited); the client authenticates with
// client_secret_basic; `safeRedirectTarget` refuses control characters and backslashes.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it, test, vi } from 'vitest';
import { safeRedirectTarget } from '../../client/src/lib/paths.ts';
import { openDatabase } from '../../server/db/database.ts';
import { migrate } from '../../server/db/migrate.ts';
import { createUser, findUserByEmail, listMemberships } from '../../server/db/users.ts';
import { SESSION_COOKIE } from '../../shared/constants.ts';
import { startProvider, type TestProvider } from '../helpers/oidc-provider.ts';
import { freePort } from '../helpers/ports.ts';
import { startStack, type Stack } from '../helpers/stack.ts';
import { runUsersCli } from '../helpers/users-cli.ts';

let stack: Stack;
let provider: TestProvider;
let accounts: string[];
/** How the app authenticated at each of its token requests (the app runs in this process). */
const tokenAuth: ('basic' | 'post')[] = [];
const realFetch = globalThis.fetch;

beforeAll(async () => {
  const providerPort = await freePort();
  stack = await startStack({
    env: {
      OIDC_ISSUER: `http://localhost:${providerPort}`,
      OIDC_CLIENT_ID: 'connect-issuing-dashboard',
      OIDC_CLIENT_SECRET: 'test-client-secret-0123456789abcdef',
    },
  });
  provider = await startProvider(providerPort, `${stack.appUrl}/api/oidc/callback`);
  globalThis.fetch = async (input, init) => {
    const url = input instanceof Request ? input.url : String(input);
    if (url === `${provider.issuer}/token`) {
      const headers = new Headers(input instanceof Request ? input.headers : init?.headers);
      tokenAuth.push(/^basic /i.test(headers.get('authorization') ?? '') ? 'basic' : 'post');
    }
    return realFetch(input, init);
  };
  accounts = (await stack.stripe.accounts.list({ limit: 100 })).data.map((a) => a.id);
}, 90_000);

afterAll(async () => {
  globalThis.fetch = realFetch;
  await provider?.close();
  await stack?.close();
});

interface StoredCookie {
  value: string;
  strict: boolean;
}

/**
 * A browser as far as these flows need one: cookies per host (path ignored), redirects followed
 * by hand, and SameSite=Strict cookies withheld from a request reached through another site's
 * redirect (the provider's redirect back to the callback), as browsers do.
 */
class Agent {
  private readonly jar = new Map<string, Map<string, StoredCookie>>();

  setCookie(url: string, header: string): void {
    const host = new URL(url).host;
    const cookies = this.jar.get(host) ?? new Map<string, StoredCookie>();
    this.jar.set(host, cookies);
    const [pair, ...attributes] = header.split(';').map((p) => p.trim());
    const eq = pair!.indexOf('=');
    const name = pair!.slice(0, eq);
    const value = pair!.slice(eq + 1);
    const attr = (n: string) => attributes.find((a) => a.toLowerCase().startsWith(`${n}=`))?.split('=')[1];
    const expired =
      value === '' ||
      attr('max-age') === '0' ||
      (attr('expires') !== undefined && Date.parse(attr('expires')!) <= Date.now());
    if (expired) cookies.delete(name);
    else cookies.set(name, { value, strict: attr('samesite')?.toLowerCase() === 'strict' });
  }

  cookieHeader(url: string, crossSite: boolean): string {
    const cookies = this.jar.get(new URL(url).host) ?? new Map<string, StoredCookie>();
    return [...cookies]
      .filter(([, c]) => !(crossSite && c.strict))
      .map(([n, c]) => `${n}=${c.value}`)
      .join('; ');
  }

  hasCookie(url: string, name: string): boolean {
    return this.jar.get(new URL(url).host)?.has(name) ?? false;
  }

  cookieValue(url: string, name: string): string | undefined {
    return this.jar.get(new URL(url).host)?.get(name)?.value;
  }

  async request(url: string, init: RequestInit & { crossSite?: boolean } = {}): Promise<Response> {
    const headers = new Headers(init.headers);
    const cookie = this.cookieHeader(url, init.crossSite ?? false);
    if (cookie) headers.set('cookie', cookie);
    const response = await fetch(url, { ...init, headers, redirect: 'manual' });
    for (const header of response.headers.getSetCookie()) this.setCookie(url, header);
    return response;
  }

  /** Same-origin JSON call from the dashboard's pages. */
  json(path: string, method = 'GET', body?: unknown): Promise<Response> {
    return this.request(`${stack.appUrl}${path}`, {
      method,
      headers: { origin: stack.appUrl, ...(body !== undefined ? { 'content-type': 'application/json' } : {}) },
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  }
}

/**
 * From a URL at the provider through its development login and consent pages (login name =
 * the provider account) back to the dashboard's callback; returns where the callback sent the
 * browser (e.g. `/`, `/login?sso_error=…`, `/security?sso_linked=1`).
 */
async function throughProvider(agent: Agent, start: string, login: string): Promise<string> {
  let url = start;
  let method = 'GET';
  let body: URLSearchParams | undefined;
  let viaProvider = false;
  for (let hop = 0; hop < 20; hop++) {
    const atApp = url.startsWith(stack.appUrl);
    const response = await agent.request(url, {
      method,
      ...(body ? { body, headers: { 'content-type': 'application/x-www-form-urlencoded' } } : {}),
      crossSite: atApp && viaProvider,
    });
    if (!atApp) viaProvider = true;
    const location = response.headers.get('location');
    if (response.status >= 300 && response.status < 400 && location) {
      if (atApp) return location; // the callback's answer
      url = new URL(location, url).href;
      method = 'GET';
      body = undefined;
      continue;
    }
    const html = await response.text();
    const form = /<form[^>]*action="([^"]+)"[^>]*>([\s\S]*?)<\/form>/.exec(html);
    if (!form) throw new Error(`unexpected page at ${url} (${response.status}): ${html.slice(0, 300)}`);
    const prompt = /name="prompt" value="(\w+)"/.exec(form[2]!)?.[1];
    url = new URL(form[1]!.replaceAll('&amp;', '&'), url).href;
    method = 'POST';
    body = new URLSearchParams(
      prompt === 'login' ? { prompt, login, password: 'anything' } : { prompt: prompt ?? 'consent' },
    );
  }
  throw new Error('too many redirects');
}

/** A sign-in from the dashboard's "Sign in with single sign-on" link. */
async function ssoSignIn(agent: Agent, login: string): Promise<string> {
  const start = await agent.request(`${stack.appUrl}/api/oidc/login`);
  expect(start.status).toBe(303);
  return throughProvider(agent, start.headers.get('location')!, login);
}

/** An agent signed in as a demo user (fresh second-factor check when the user has a factor). */
async function signedIn(email: string): Promise<Agent> {
  const agent = new Agent();
  agent.setCookie(stack.appUrl, `${(await stack.loginCookie(email)).trim()}; Path=/; SameSite=Strict`);
  return agent;
}

async function userState(email: string) {
  const user = (await findUserByEmail(stack.app.db, email))!;
  const row = (
    await stack.app.db.query<{ oidc_subject: string | null }>('SELECT oidc_subject FROM users WHERE id = $1', [user.id])
  )[0]!;
  return {
    role: user.role,
    disabled: user.disabled,
    oidcSubject: row.oidc_subject,
    memberships: await listMemberships(stack.app.db, user.id),
  };
}

async function me(agent: Agent): Promise<{ status: number; email?: string; role?: string; accounts?: string[] }> {
  const response = await agent.json('/api/me');
  if (response.status !== 200) return { status: response.status };
  const body = (await response.json()) as { user: { email: string; role: string }; accounts: string[] };
  return { status: 200, email: body.user.email, role: body.user.role, accounts: body.accounts };
}

/**
 * Starts a link from the Security page, goes through the provider as `login` and, when the
 * answer waits for confirmation (`/security?confirm_link=…`), confirms it as the Security page
 * does; returns where that leaves the page (`/security?sso_linked=1` or `…?sso_error=<code>`).
 */
async function link(agent: Agent, login: string): Promise<string> {
  const started = await agent.json('/api/oidc/link', 'POST');
  expect(started.status).toBe(200);
  const landed = await throughProvider(agent, ((await started.json()) as { url: string }).url, login);
  const id = new URL(landed, stack.appUrl).searchParams.get('confirm_link');
  if (!id) return landed;
  const confirmed = await agent.json(`/api/oidc/link/${id}/confirm`, 'POST');
  if (confirmed.status === 204) return '/security?sso_linked=1';
  return `/security?sso_error=${((await confirmed.json()) as { error: { code: string } }).error.code}`;
}

test("an identity sending an existing user's email (unverified or without email_verified) signs nobody in as that user and changes nothing", async () => {
  const admin = await signedIn('admin@example.com');
  const accountUser = await signedIn('account@example.com');
  const adminBefore = await userState('admin@example.com');
  const accountBefore = await userState('account@example.com');
  expect(adminBefore.role).toBe('platform_admin');

  // No email_verified at all (Entra ID sends none), and the admin's address in another case.
  provider.accounts.set('mallory-admin', { email: 'Admin@Example.com', connected_accounts: [accounts[1]] });
  // email_verified: false, and the account user's address with the admins' group.
  provider.accounts.set('mallory-account', {
    email: 'account@example.com',
    email_verified: false,
    groups: ['dashboard-admins'],
  });
  // Even a provider that says the email is verified does not link by email.
  provider.accounts.set('mallory-verified', {
    email: 'admin@example.com',
    email_verified: true,
    groups: ['dashboard-admins'],
  });

  for (const login of ['mallory-admin', 'mallory-account', 'mallory-verified']) {
    const attacker = new Agent();
    expect(await ssoSignIn(attacker, login)).toBe('/login?sso_error=account_not_linked');
    expect(attacker.hasCookie(stack.appUrl, SESSION_COOKIE)).toBe(false);
    expect((await me(attacker)).status).toBe(401);
  }

  // The users' rows are as they were: role, memberships, no link.
  expect(await userState('admin@example.com')).toEqual(adminBefore);
  expect(await userState('account@example.com')).toEqual(accountBefore);
  expect(adminBefore.oidcSubject).toBeNull();
  // And their open sessions keep working with their roles.
  expect(await me(admin)).toMatchObject({ status: 200, email: 'admin@example.com', role: 'platform_admin' });
  expect((await admin.json('/api/users')).status).toBe(200);
  expect(await me(accountUser)).toMatchObject({
    status: 200,
    email: 'account@example.com',
    role: 'account_user',
    accounts: accountBefore.memberships,
  });
}, 60_000);

test('a new identity with no matching user is still created from the claims', async () => {
  provider.accounts.set('newcomer', { email: 'newcomer@idp.example', connected_accounts: [accounts[2]] });
  const agent = new Agent();
  expect(await ssoSignIn(agent, 'newcomer')).toBe('/');
  expect(await me(agent)).toMatchObject({
    status: 200,
    email: 'newcomer@idp.example',
    role: 'account_user',
    accounts: [accounts[2]],
  });
  // A second sign-in finds it by (issuer, subject), not by email.
  provider.accounts.set('newcomer', { email: 'renamed@idp.example', connected_accounts: [accounts[2]] });
  const again = new Agent();
  expect(await ssoSignIn(again, 'newcomer')).toBe('/');
  expect(await me(again)).toMatchObject({ email: 'newcomer@idp.example' });
}, 60_000);

test('a signed-in user links their own account (a recent password, or a fresh second-factor check); then the provider signs in as them', async () => {
  const accountUser = await signedIn('account@example.com');
  const memberships = (await userState('account@example.com')).memberships;
  // The provider's identity has another email and none verified: the link is what counts.
  provider.accounts.set('acct-idp', { email: 'merchant-ops@idp.example', connected_accounts: memberships });

  // A user without a second factor needs the password within the step-up age: a session signed
  // in an hour ago is not enough on its own.
  const account = (await findUserByEmail(stack.app.db, 'account@example.com'))!;
  const old = new Agent();
  vi.useFakeTimers({ toFake: ['Date'] });
  vi.setSystemTime(Date.now() - 3600_000);
  try {
    const { token } = await stack.app.sessions.issue(account.id, { state: 'complete', verifiedAt: null, method: null });
    old.setCookie(stack.appUrl, `${SESSION_COOKIE}=${token}; Path=/; SameSite=Strict`);
  } finally {
    vi.useRealTimers();
  }
  const notRecent = await old.json('/api/oidc/link', 'POST');
  expect(notRecent.status).toBe(403);
  expect(((await notRecent.json()) as { error: { code: string } }).error.code).toBe('reauthentication_required');
  // Signed in just now (the password was typed): the link goes through the provider. Its redirect
  // back carries no SameSite=Strict session cookie: the link still lands.
  expect(await link(accountUser, 'acct-idp')).toBe('/security?sso_linked=1');
  expect((await userState('account@example.com')).oidcSubject).toBe(`${provider.issuer}|acct-idp`);
  expect(((await (await accountUser.json('/api/security')).json()) as { ssoLinked?: boolean }).ssoLinked).toBe(true);

  const elsewhere = new Agent();
  expect(await ssoSignIn(elsewhere, 'acct-idp')).toBe('/');
  expect(await me(elsewhere)).toMatchObject({
    status: 200,
    email: 'account@example.com',
    role: 'account_user',
    accounts: memberships,
  });

  // A user with a factor needs a fresh check: an hour-old one is refused.
  const support = (await findUserByEmail(stack.app.db, 'support@example.com'))!;
  const stale = new Agent();
  const { token } = await stack.app.sessions.issue(support.id, {
    state: 'complete',
    verifiedAt: Math.floor(Date.now() / 1000) - 3600,
    method: 'totp',
  });
  stale.setCookie(stack.appUrl, `${SESSION_COOKIE}=${token}; Path=/; SameSite=Strict`);
  const refused = await stale.json('/api/oidc/link', 'POST');
  expect(refused.status).toBe(403);
  expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('step_up_required');

  // An identity linked to another user stays theirs.
  const fresh = await signedIn('support@example.com');
  expect(await link(fresh, 'acct-idp')).toBe('/security?sso_error=identity_in_use');
  expect((await userState('support@example.com')).oidcSubject).toBeNull();

  // A link whose session ended before the provider answered is not made.
  provider.accounts.set('support-idp', { email: 'support-ops@idp.example', groups: ['dashboard-support'] });
  const leaving = await signedIn('support@example.com');
  const started = await leaving.json('/api/oidc/link', 'POST');
  expect(started.status).toBe(200);
  expect((await leaving.json('/api/session', 'DELETE')).status).toBe(204);
  expect(await throughProvider(leaving, ((await started.json()) as { url: string }).url, 'support-idp')).toBe(
    '/security?sso_error=link_expired',
  );
  expect((await userState('support@example.com')).oidcSubject).toBeNull();

  const trail = await stack.app.db.query<{ kind: string }>(
    `SELECT kind FROM audit_trail WHERE subject = 'account@example.com' AND kind = 'user.sso_linked'`,
  );
  expect(trail).toHaveLength(1);
}, 90_000);

test("claims change a linked user's role only through the Users page's rules: last admin kept, sessions revoked, audited", async () => {
  provider.accounts.set('admin-idp', { email: 'ops@idp.example', groups: ['dashboard-admins'] });
  const admin = await signedIn('admin@example.com');
  expect(await link(admin, 'admin-idp')).toBe('/security?sso_linked=1');
  // Signing in through the provider: the admin's second factor comes next, the role is unchanged.
  expect(await ssoSignIn(new Agent(), 'admin-idp')).toBe('/login?second_factor=1');
  expect((await userState('admin@example.com')).role).toBe('platform_admin');

  // The provider now gives the only admin an account role: refused, nothing changes.
  provider.accounts.set('admin-idp', { email: 'ops@idp.example', connected_accounts: [accounts[0]] });
  expect(await ssoSignIn(new Agent(), 'admin-idp')).toBe('/login?sso_error=last_admin');
  expect(await userState('admin@example.com')).toMatchObject({ role: 'platform_admin', memberships: [] });
  expect(await me(admin)).toMatchObject({ status: 200, role: 'platform_admin' });

  // With another admin (a new one from the provider's claims), the demotion goes through: the
  // admin's open session ends, and the change is on the audit trail.
  provider.accounts.set('second-admin', { email: 'second-admin@idp.example', groups: ['dashboard-admins'] });
  expect(await ssoSignIn(new Agent(), 'second-admin')).toBe('/');
  expect((await findUserByEmail(stack.app.db, 'second-admin@idp.example'))?.role).toBe('platform_admin');
  expect(await ssoSignIn(new Agent(), 'admin-idp')).toBe('/login?second_factor=1');
  expect(await userState('admin@example.com')).toMatchObject({ role: 'account_user', memberships: [accounts[0]] });
  expect((await me(admin)).status).toBe(401);
  const trail = await stack.app.db.query<{ details: { role?: { from: string; to: string }; via?: string } }>(
    `SELECT details FROM audit_trail WHERE subject = 'admin@example.com' AND kind = 'user.updated' ORDER BY seq`,
  );
  expect(trail.at(-1)?.details).toMatchObject({
    role: { from: 'platform_admin', to: 'account_user' },
    via: 'single sign-on claims',
  });
}, 90_000);

test('the client authenticates at the token endpoint with client_secret_basic (decision 102)', () => {
  expect(tokenAuth.length).toBeGreaterThan(0);
  expect(new Set(tokenAuth)).toEqual(new Set(['basic']));
});

describe('safeRedirectTarget', () => {
  it.each([
    ['/\t/evil.example', '/'],
    ['/\n/evil.example', '/'],
    ['/\r\n/evil.example', '/'],
    ['/\\evil.example', '/'],
    ['/cards\\..\\x', '/'],
    ['/\u0000x', '/'],
    ['//evil.example', '/'],
    [' /cards', '/'],
    ['/accounts/acct_1?tab=cards', '/accounts/acct_1?tab=cards'],
  ])('%j -> %s', (input, expected) => {
    expect(safeRedirectTarget(input)).toBe(expected);
  });
});

describe('review: a single sign-on link is made only when the user who started it confirms it, signed in, in the browser that came back', () => {
  /** Where the provider's answer to a link lands: the Security page, asking to confirm (decision 103). */
  const pendingId = (landed: string): string => {
    expect(landed).toMatch(/^\/security\?confirm_link=[A-Za-z0-9_-]{32}$/);
    return new URL(landed, stack.appUrl).searchParams.get('confirm_link')!;
  };
  const errorCode = async (response: Response) => ((await response.json()) as { error: { code: string } }).error.code;

  test("a link started by one user and completed in another browser links nothing; nobody else can confirm it; the victim's sign-in is not the attacker's account", async () => {
    provider.accounts.set('victim-idp', { email: 'victim@idp.example', groups: ['dashboard-admins'] });
    // The attacker, signed in as support@example.com (a support agent), starts a link ...
    const attacker = await signedIn('support@example.com');
    const started = await attacker.json('/api/oidc/link', 'POST');
    expect(started.status).toBe(200);
    const { url } = (await started.json()) as { url: string };
    // ... plants its state cookie in the victim's browser (a sibling subdomain, or http) and sends
    // the victim, signed in at the provider, to the provider's URL.
    const victim = new Agent();
    victim.setCookie(
      stack.appUrl,
      `cid_oidc=${attacker.cookieValue(stack.appUrl, 'cid_oidc')}; Path=/api/oidc; SameSite=Lax`,
    );
    const landed = await throughProvider(victim, url, 'victim-idp');
    expect((await userState('support@example.com')).oidcSubject).toBeNull();
    const id = pendingId(landed);

    // The victim's browser, signed out or signed in as another user, confirms nothing.
    expect((await victim.json(`/api/oidc/link/${id}/confirm`, 'POST')).status).toBe(401);
    const other = await signedIn('account@example.com');
    const otherBefore = await userState('account@example.com');
    const shown = await other.json(`/api/oidc/link/${id}`);
    expect(shown.status).toBe(404);
    const confirmed = await other.json(`/api/oidc/link/${id}/confirm`, 'POST');
    expect(confirmed.status).toBe(404);
    expect(await errorCode(confirmed)).toBe('sso_link_not_found');
    expect((await other.json(`/api/oidc/link/${id}`, 'DELETE')).status).toBe(404);
    expect(await userState('account@example.com')).toEqual(otherBefore);
    expect((await userState('support@example.com')).oidcSubject).toBeNull();

    // The victim's single sign-on makes the victim's own user; the attacker's stays a support agent.
    expect(await ssoSignIn(new Agent(), 'victim-idp')).toBe('/');
    expect((await findUserByEmail(stack.app.db, 'victim@idp.example'))?.role).toBe('platform_admin');
    expect(await userState('support@example.com')).toMatchObject({ role: 'support_agent', oidcSubject: null });
    expect(await me(attacker)).toMatchObject({ status: 200, email: 'support@example.com', role: 'support_agent' });
    const trail = await stack.app.db.query(
      `SELECT 1 FROM audit_trail WHERE subject = 'support@example.com' AND kind = 'user.sso_linked'`,
    );
    expect(trail).toHaveLength(0);
  }, 90_000);

  test('the user who started it sees the identity and confirms it in the same session (not another one); cancel drops it; then single sign-on signs in as them', async () => {
    provider.accounts.set('support-own', { email: 'support-ops@idp.example', groups: ['dashboard-support'] });
    const support = await signedIn('support@example.com');
    const start = async () => {
      const started = await support.json('/api/oidc/link', 'POST');
      expect(started.status).toBe(200);
      return pendingId(await throughProvider(support, ((await started.json()) as { url: string }).url, 'support-own'));
    };

    // Shown before anything is linked; cancelled, it is gone.
    const cancelled = await start();
    expect((await userState('support@example.com')).oidcSubject).toBeNull();
    const shown = await support.json(`/api/oidc/link/${cancelled}`);
    expect(shown.status).toBe(200);
    expect(await shown.json()).toEqual({ issuer: provider.issuer, email: 'support-ops@idp.example' });
    expect((await support.json(`/api/oidc/link/${cancelled}`, 'DELETE')).status).toBe(204);
    expect((await support.json(`/api/oidc/link/${cancelled}/confirm`, 'POST')).status).toBe(404);
    expect((await userState('support@example.com')).oidcSubject).toBeNull();

    // Another session of the same user cannot confirm it; the one that started it can, once.
    const id = await start();
    const sameUserElsewhere = await signedIn('support@example.com');
    expect((await sameUserElsewhere.json(`/api/oidc/link/${id}/confirm`, 'POST')).status).toBe(404);
    expect((await userState('support@example.com')).oidcSubject).toBeNull();
    expect((await support.json(`/api/oidc/link/${id}/confirm`, 'POST')).status).toBe(204);
    expect((await userState('support@example.com')).oidcSubject).toBe(`${provider.issuer}|support-own`);
    expect((await support.json(`/api/oidc/link/${id}/confirm`, 'POST')).status).toBe(404);
    const trail = await stack.app.db.query<{ details: { issuer?: string } }>(
      `SELECT details FROM audit_trail WHERE subject = 'support@example.com' AND kind = 'user.sso_linked'`,
    );
    expect(trail.map((r) => r.details.issuer)).toEqual([provider.issuer]);

    // Single sign-on now signs in as the support agent (second factor next).
    const viaSso = new Agent();
    expect(await ssoSignIn(viaSso, 'support-own')).toBe('/login?second_factor=1');
    const support_ = (await findUserByEmail(stack.app.db, 'support@example.com'))!;
    const newest = await stack.app.db.query<{ user_id: string }>(
      'SELECT user_id FROM sessions ORDER BY created_at DESC LIMIT 1',
    );
    expect(newest[0]?.user_id).toBe(support_.id);
    expect((await userState('support@example.com')).role).toBe('support_agent');
  }, 90_000);
});

describe('review: a user stranded by migration 140 (invited, never accepted, once signed in by email) is linked at the console', () => {
  const usersCli = (args: string[], dir: string) => runUsersCli(args, { PGLITE_DIR: dir });

  test('npm run users -- link-sso <email> <issuer|sub> links the user, audited via console; an unknown user, a subject held by another user and a malformed subject are refused', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'link-sso-'));
    try {
      // As migration 140 leaves it: no password (`!invited`, the invitation expired), no link.
      let db = await openDatabase({ kind: 'pglite', dir });
      await migrate(db);
      const invited = await createUser(db, {
        email: 'invited@example.com',
        passwordHash: '!invited',
        role: 'account_user',
      });
      const holder = await createUser(db, { email: 'holder@example.com', passwordHash: '!oidc', role: 'account_user' });
      await db.query('UPDATE users SET oidc_subject = $2 WHERE id = $1', [holder.id, 'https://idp.example|taken']);
      await db.close();

      const linked = await usersCli(['link-sso', 'Invited@Example.com', 'https://idp.example|00u1invited'], dir);
      expect(linked.stderr).toBe('');
      expect(linked.code).toBe(0);
      expect(linked.stdout).toContain('Linked invited@example.com to https://idp.example|00u1invited');

      const unknown = await usersCli(['link-sso', 'nobody@example.com', 'https://idp.example|x'], dir);
      expect(unknown.code).toBe(2);
      expect(unknown.stderr).toContain('No user nobody@example.com');
      const taken = await usersCli(['link-sso', 'invited@example.com', 'https://idp.example|taken'], dir);
      expect(taken.code).toBe(2);
      expect(taken.stderr).toContain('linked to another user');
      for (const subject of ['00u1invited', '|00u1invited', 'https://idp.example|', 'not a url|x']) {
        const malformed = await usersCli(['link-sso', 'invited@example.com', subject], dir);
        expect(malformed.code).toBe(2);
        expect(malformed.stderr).toContain('<issuer>|<sub>');
      }

      db = await openDatabase({ kind: 'pglite', dir });
      try {
        const rows = await db.query<{ email: string; oidc_subject: string | null }>(
          'SELECT email, oidc_subject FROM users ORDER BY email',
        );
        expect(rows).toEqual([
          { email: 'holder@example.com', oidc_subject: 'https://idp.example|taken' },
          { email: 'invited@example.com', oidc_subject: 'https://idp.example|00u1invited' },
        ]);
        const trail = await db.query<{ subject: string; details: Record<string, unknown> }>(
          `SELECT subject, details FROM audit_trail WHERE kind = 'user.sso_linked'`,
        );
        expect(trail).toHaveLength(1);
        expect(trail[0]).toMatchObject({
          subject: 'invited@example.com',
          details: { user_id: invited.id, issuer: 'https://idp.example', via: 'console' },
        });
      } finally {
        await db.close();
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
