// Hosted onboarding (docs/decisions/157-hosted-onboarding.md): POST
// /api/accounts/:account/onboarding-link answers Stripe's single-use onboarding URL for an account
// whose card_issuing is not active, to a platform admin or the account's own user; Stripe sends the
// user back to the account's page; GET /api/accounts/:account/onboarding then reads the account on
// Stripe, not the mirror (which hears of the change only by webhook).
import type { LightMyRequestResponse } from 'fastify';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { addMembership, findUserByEmail } from '../../server/db/users.ts';
import { createOnboardingLink } from '../../server/domain/onboarding-links.ts';
import { startStack, type Stack } from '../helpers/stack.ts';

let stack: Stack;
let cookies: Record<'admin' | 'account' | 'support', string>;
/** card_issuing inactive; the account user is a member of `inactive`, not of `stranger`. */
let inactive: string;
let stranger: string;
let active: string;

async function call(
  method: 'GET' | 'POST',
  url: string,
  cookie: string | undefined,
  headers: Record<string, string> = {},
): Promise<LightMyRequestResponse> {
  return stack.app.inject({
    method,
    url,
    headers: {
      ...(cookie ? { cookie } : {}),
      ...(method === 'POST' ? { origin: stack.appUrl, 'content-type': 'application/json' } : {}),
      ...headers,
    },
    ...(method === 'POST' ? { payload: '{}' } : {}),
  });
}

const linkFor = (account: string, cookie: string | undefined, headers: Record<string, string> = {}) =>
  call('POST', `/api/accounts/${account}/onboarding-link`, cookie, headers);

async function newInactiveAccount(name: string): Promise<string> {
  const account = await stack.stripe.accounts.create({
    type: 'custom',
    country: 'US',
    email: `owner@${name.toLowerCase().replace(/\W+/g, '')}.example`,
    business_profile: { name },
    capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
  });
  return account.id;
}

/** Opens the link's page as the browser would, and submits its form as it comes, terms ticked. */
async function completeOnboarding(url: string): Promise<Response> {
  const page = await fetch(url, { redirect: 'manual' });
  const html = await page.text();
  const body = new URLSearchParams();
  for (const match of html.matchAll(/<input ([^>]*)>/g)) {
    const name = /name="([^"]*)"/.exec(match[1]!)?.[1];
    if (name) body.set(name, /value="([^"]*)"/.exec(match[1]!)?.[1] ?? '');
  }
  return fetch(url, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: new URL(url).origin },
    body: body.toString(),
  });
}

beforeAll(async () => {
  stack = await startStack();
  cookies = {
    admin: await stack.loginCookie('admin@example.com'),
    account: await stack.loginCookie('account@example.com'),
    support: await stack.loginCookie('support@example.com'),
  };
  inactive = await newInactiveAccount('India Imports');
  stranger = await newInactiveAccount('Juliet Joinery');
  const accountUser = await findUserByEmail(stack.app.db, 'account@example.com');
  await addMembership(stack.app.db, accountUser!.id, inactive);
  active = (await stack.stripe.accounts.list({ limit: 100 })).data.at(-1)!.id;
  // The pages read the mirror: accounts connected after the backfill are learned by a resync here.
  await stack.app.cardIndex.whenBackfilled();
  await stack.app.cardIndex.backfill();
});
afterAll(() => stack?.close());

describe('POST /api/accounts/:account/onboarding-link', () => {
  test('a platform admin gets a single-use link to Stripe’s onboarding (the emulator’s page offline) that returns to the account’s page', async () => {
    const res = await linkFor(inactive, cookies.admin);
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['cache-control']).toBe('no-store');
    const { url, expires_at } = res.json<{ url: string; expires_at: number }>();
    expect(new URL(url).origin).toBe(stack.emulatorUrl);
    expect(expires_at).toBeGreaterThan(Date.now() / 1000);
    // Stripe's page links back to the account's page on the dashboard's origin.
    const page = await (await fetch(url, { redirect: 'manual' })).text();
    expect(page).toContain(`href="${stack.appUrl}/accounts/${inactive}?onboarding=return"`);
    // Spent by that visit: Stripe sends a second visit to refresh_url, the account's page again.
    const again = await fetch(url, { redirect: 'manual' });
    expect(again.headers.get('location')).toBe(`${stack.appUrl}/accounts/${inactive}?onboarding=refresh`);
    // Audited, without the URL (a credential for the account).
    const trail = await call('GET', `/api/audit?kind=account_link.created&account=${inactive}`, cookies.admin);
    expect(trail.statusCode).toBe(200);
    expect(trail.body).toContain('account_link.created');
    expect(trail.body).not.toContain(url);
  });

  test('an account user gets one for an account of theirs, and is refused for another account', async () => {
    const own = await linkFor(inactive, cookies.account);
    expect(own.statusCode, own.body).toBe(200);
    const other = await linkFor(stranger, cookies.account);
    expect(other.statusCode).toBe(403);
    expect(other.json().error.code).toBe('account_out_of_scope');
  });

  test('support agents are refused, and so is a request without a session', async () => {
    const support = await linkFor(inactive, cookies.support);
    expect(support.statusCode).toBe(403);
    expect((await linkFor(inactive, undefined)).statusCode).toBe(401);
  });

  test('an account that can issue already gets a 409 saying there is nothing to finish; an unknown one a 404', async () => {
    const res = await linkFor(active, cookies.admin);
    expect(res.statusCode).toBe(409);
    expect(res.json().error).toMatchObject({ code: 'card_issuing_active', field: 'account' });
    const unknown = await linkFor('acct_1Nobody', cookies.admin);
    expect(unknown.statusCode).toBe(404);
  });

  test('Stripe sends the user back to the trusted origin they came from; an untrusted Origin is refused before anything', async () => {
    const host = new URL(stack.appUrl);
    const local = `http://localhost:${host.port}`;
    const res = await linkFor(inactive, cookies.admin, { origin: local });
    expect(res.statusCode, res.body).toBe(200);
    const page = await (await fetch(res.json().url as string, { redirect: 'manual' })).text();
    expect(page).toContain(`href="${local}/accounts/${inactive}?onboarding=return"`);
    const evil = await linkFor(inactive, cookies.admin, { origin: 'https://evil.example' });
    expect(evil.statusCode).toBe(403);
    expect(evil.json().error.code).toBe('csrf_rejected');
  });
});

describe('GET /api/accounts/:account/onboarding', () => {
  test('after the onboarding form, reads the account on Stripe (the mirror has not heard yet) and updates what the pages read', async () => {
    const account = await newInactiveAccount('Kilo Kitchens');
    await stack.app.cardIndex.backfill();
    const { url } = (await linkFor(account, cookies.admin)).json<{ url: string }>();
    const done = await completeOnboarding(url);
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(`${stack.appUrl}/accounts/${account}?onboarding=return`);
    // No webhooks in this stack: the mirror still says inactive.
    const listed = () =>
      call('GET', '/api/accounts', cookies.admin).then((r) =>
        (r.json().data as Array<{ id: string; card_issuing: { status: string } }>).find((a) => a.id === account)!,
      );
    expect((await listed()).card_issuing.status).toBe('inactive');
    const status = await call('GET', `/api/accounts/${account}/onboarding`, cookies.admin);
    expect(status.statusCode, status.body).toBe(200);
    expect(status.json()).toEqual({ card_issuing: { status: 'active', currently_due: [], currently_due_fields: [] } });
    expect((await listed()).card_issuing.status).toBe('active');
    // Nothing left to onboard now.
    expect((await linkFor(account, cookies.admin)).statusCode).toBe(409);
  });

  test('scoped like the link: the account’s own user yes, another account’s no, support agents no', async () => {
    expect((await call('GET', `/api/accounts/${inactive}/onboarding`, cookies.account)).statusCode).toBe(200);
    expect((await call('GET', `/api/accounts/${stranger}/onboarding`, cookies.account)).statusCode).toBe(403);
    expect((await call('GET', `/api/accounts/${inactive}/onboarding`, cookies.support)).statusCode).toBe(403);
    expect((await call('GET', `/api/accounts/${inactive}/onboarding`, undefined)).statusCode).toBe(401);
  });
});

describe('createOnboardingLink', () => {
  test('never hands the browser a link to any origin but Stripe’s onboarding one', async () => {
    const account = { id: 'acct_1Test', capabilities: { card_issuing: 'inactive' } } as unknown as Stripe.Account;
    const fake = (url: string) =>
      ({
        accounts: { retrieve: async () => account },
        accountLinks: { create: async () => ({ object: 'account_link', created: 1, expires_at: 301, url }) },
      }) as unknown as Stripe;
    const db = { query: async () => ({ rows: [] }) } as never;
    const live = { config: { emulator: undefined }, db };
    await expect(
      createOnboardingLink(
        { ...live, stripe: fake('https://connect.stripe.com/setup/c/acct_1Test/abc') },
        'acct_1Test',
        'https://app.example',
      ),
    ).resolves.toEqual({ url: 'https://connect.stripe.com/setup/c/acct_1Test/abc', expires_at: 301 });
    await expect(
      createOnboardingLink(
        { ...live, stripe: fake('https://evil.example/setup/c/acct_1Test/abc') },
        'acct_1Test',
        'https://app.example',
      ),
    ).rejects.toMatchObject({ statusCode: 502, code: 'stripe_unexpected_answer' });
    await expect(
      createOnboardingLink({ ...live, stripe: fake('javascript:alert(1)') }, 'acct_1Test', 'https://app.example'),
    ).rejects.toMatchObject({ statusCode: 502 });
  });
});
