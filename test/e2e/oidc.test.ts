// Single sign-on in Chromium against a real OpenID provider (oidc-provider, started here): the
// provider's groups claim makes a platform admin, a claim listing acct_ ids makes an account
// user of exactly those accounts (changed at the provider, changed at the next sign-in), and a
// user the claims give no role is refused with a page that says why; an existing user is never
// taken over by email, and links single sign-on from the Security page. Password sign-in can be
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import { buildTestApp } from '../helpers/app.ts';
import { stackTest } from '../helpers/fixtures.ts';
import { startProvider, type TestProvider } from '../helpers/oidc-provider.ts';
import { freePort } from '../helpers/ports.ts';
import type { Stack } from '../helpers/stack.ts';

// The app's config names the provider, so its port is chosen before the stack starts.
const providerPort = await freePort();
let provider: TestProvider;
let accounts: string[];

const test = stackTest({
  env: {
    OIDC_ISSUER: `http://localhost:${providerPort}`,
    OIDC_CLIENT_ID: 'connect-issuing-dashboard',
    OIDC_CLIENT_SECRET: 'test-client-secret-0123456789abcdef',
  },
});

test.beforeAll(async ({ stack }) => {
  provider = await startProvider(providerPort, `${stack.appUrl}/api/oidc/callback`);
  accounts = (await stack.stripe.accounts.list({ limit: 100 })).data.map((a) => a.id);
}, 90_000);

test.afterAll(async () => {
  await provider?.close();
});

/** From the dashboard's sign-in page through the provider's (development) login and consent. */
async function ssoSignIn(stack: Stack, page: Page, login: string): Promise<void> {
  await page.goto(`${stack.appUrl}/login`);
  await page.getByRole('link', { name: 'Sign in with single sign-on' }).click();
  await page.getByPlaceholder('Enter any login').fill(login);
  await page.getByPlaceholder('and password').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
}

test('groups map to a staff role; a claim of acct_ ids to an account user, re-read at every sign-in; no role is refused', async ({
  stack,
  browser,
}) => {
  provider.accounts.set('ops-lead', {
    email: 'ops-lead@platform.example',
    email_verified: true,
    groups: ['dashboard-admins'],
  });
  provider.accounts.set('merchant', {
    email: 'merchant@platform.example',
    email_verified: true,
    connected_accounts: [accounts[0]],
  });
  provider.accounts.set('visitor', { email: 'visitor@platform.example', email_verified: true, groups: ['marketing'] });

  // Admin by group. (A new SSO admin has no second factor yet: led to enrol first.)
  const adminPage = await (await browser.newContext()).newPage();
  await ssoSignIn(stack, adminPage, 'ops-lead');
  await adminPage.getByRole('heading', { name: 'Security' }).waitFor();
  await adminPage.getByText('Your role requires a second factor').waitFor();
  await adminPage.getByText('Platform admin').waitFor();

  // Account user of the accounts the claim lists.
  const page = await (await browser.newContext()).newPage();
  await ssoSignIn(stack, page, 'merchant');
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  const me = async (p: Page) =>
    (await p.request.get(`${stack.appUrl}/api/me`)).json() as Promise<{ user: { role: string }; accounts: string[] }>;
  expect(await me(page)).toMatchObject({ user: { role: 'account_user' }, accounts: [accounts[0]] });
  await page.getByRole('button', { name: 'Sign out' }).click();

  // The provider changes the memberships: the next sign-in (another browser) follows.
  provider.accounts.set('merchant', {
    email: 'merchant@platform.example',
    email_verified: true,
    connected_accounts: [accounts[1], accounts[2]],
  });
  const next = await (await browser.newContext()).newPage();
  await ssoSignIn(stack, next, 'merchant');
  await next.getByRole('button', { name: 'Sign out' }).waitFor();
  expect((await me(next)).accounts.sort()).toEqual([accounts[1], accounts[2]].sort());

  // No staff group and no account: refused, with the reason on the sign-in page; no session.
  const refused = await (await browser.newContext()).newPage();
  await ssoSignIn(stack, refused, 'visitor');
  await refused.getByText('gives you no role in this dashboard').waitFor();
  expect((await refused.request.get(`${stack.appUrl}/api/me`)).status()).toBe(401);
}, 120_000);

test('PASSWORD_SIGN_IN=false refuses passwords; the variables come as a set', async () => {
  const t = await buildTestApp({
    OIDC_ISSUER: 'https://idp.example',
    OIDC_CLIENT_ID: 'x',
    OIDC_CLIENT_SECRET: 'y',
    PASSWORD_SIGN_IN: 'false',
  });
  try {
    await t.createUser('pw@example.com', 'account_user');
    const res = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'pw@example.com', password: 'password123' },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json().error.code).toBe('password_sign_in_disabled');
    expect((await t.inject({ method: 'GET', url: '/api/config' })).json().signIn).toEqual({
      password: false,
      sso: true,
    });
  } finally {
    await t.close();
  }
  await expect(buildTestApp({ OIDC_ISSUER: 'https://idp.example' })).rejects.toThrow(/OIDC_CLIENT_ID/);
  await expect(
    buildTestApp({ OIDC_ISSUER: 'http://idp.example', OIDC_CLIENT_ID: 'x', OIDC_CLIENT_SECRET: 'y' }),
  ).rejects.toThrow(/OIDC_ISSUER: must be https/);
});

test("an existing user's email is refused with a way forward; linked from the Security page, single sign-on signs in as that user (issue 17, item 1)", async ({
  stack,
  browser,
}) => {
  // The provider identity claims the demo account user's email (not verified): not signed in as them.
  provider.accounts.set('claims-account-email', { email: 'account@example.com', connected_accounts: [accounts[0]] });
  const refused = await (await browser.newContext()).newPage();
  await ssoSignIn(stack, refused, 'claims-account-email');
  await refused.getByText('Sign in with your password, then link single sign-on from the Security page').waitFor();
  expect((await refused.request.get(`${stack.appUrl}/api/me`)).status()).toBe(401);

  // The user signs in with the password and links from the Security page. The provider's redirect
  // back is cross-site (the SameSite=Strict session cookie is not sent): the Security page then
  // shows the identity, and the user confirms the link there, signed in (decision 103).
  provider.accounts.set('account-at-idp', { email: 'a.user@idp.example', connected_accounts: [accounts[0]] });
  const page = await (await browser.newContext()).newPage();
  await page.goto(`${stack.appUrl}/login`);
  await page.getByLabel('Email').fill('account@example.com');
  await page.getByLabel('Password').fill('demo1234');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
  await page.goto(`${stack.appUrl}/security`);
  await page.getByRole('button', { name: 'Link single sign-on' }).click();
  await page.getByPlaceholder('Enter any login').fill('account-at-idp');
  await page.getByPlaceholder('and password').fill('anything');
  await page.getByRole('button', { name: 'Sign-in' }).click();
  await page.getByRole('button', { name: 'Continue' }).click();
  await page.getByText('a.user@idp.example').waitFor();
  expect(
    ((await (await page.request.get(`${stack.appUrl}/api/security`)).json()) as { ssoLinked: boolean }).ssoLinked,
  ).toBe(false);
  await page.getByRole('button', { name: 'Confirm link' }).click();
  await page.getByText('Single sign-on linked').waitFor();
  expect(
    ((await (await page.request.get(`${stack.appUrl}/api/security`)).json()) as { ssoLinked: boolean }).ssoLinked,
  ).toBe(true);

  const viaSso = await (await browser.newContext()).newPage();
  await ssoSignIn(stack, viaSso, 'account-at-idp');
  await viaSso.getByRole('button', { name: 'Sign out' }).waitFor();
  expect(
    ((await (await viaSso.request.get(`${stack.appUrl}/api/me`)).json()) as { user: { email: string } }).user.email,
  ).toBe('account@example.com');
}, 120_000);
