// Account Links (POST /v1/account_links) and the hosted onboarding page their URL opens: a
// single-use link that expires, a plain HTML form prefilled with Stripe's test values for what the
// account still owes, applied to the account on submit, then back to return_url; a spent or
// expired link goes to refresh_url, as Stripe's do.
import { Writable } from 'node:stream';
import type Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { manualClock } from '../../emulator/api/store.ts';
import { startEmulator, stripeError, type TestEmulator } from './helpers.ts';

const clock = manualClock(Date.UTC(2026, 5, 1, 12));
let emu: TestEmulator;
let stripe: Stripe;

const RETURN = 'http://127.0.0.1:3000/accounts/x?onboarding=return';
const REFRESH = 'http://127.0.0.1:3000/accounts/x?onboarding=refresh';

async function newAccount(name = 'Golf Goods'): Promise<Stripe.Account> {
  return stripe.accounts.create({
    type: 'custom',
    country: 'US',
    email: 'owner@golf.example',
    business_profile: { name },
    capabilities: { card_issuing: { requested: true }, transfers: { requested: true } },
  });
}

async function link(account: string, type: 'account_onboarding' | 'account_update' = 'account_onboarding') {
  return stripe.accountLinks.create({ account, type, refresh_url: REFRESH, return_url: RETURN });
}

/** The link's page, fetched from the emulator (the link names its public URL, localhost:12111 by default). */
async function open(url: string, init: RequestInit = {}) {
  const path = new URL(url).pathname;
  return fetch(`${emu.baseUrl}${path}`, { redirect: 'manual', ...init });
}

/** The form's controls and their values, as a browser would submit them with every box ticked. */
function formBody(html: string, overrides: Record<string, string | null> = {}): URLSearchParams {
  const body = new URLSearchParams();
  for (const match of html.matchAll(/<input ([^>]*)>/g)) {
    const attrs = match[1]!;
    const name = /name="([^"]*)"/.exec(attrs)?.[1];
    if (!name) continue;
    const value = /value="([^"]*)"/.exec(attrs)?.[1] ?? '';
    const decoded = value
      .replace(/&amp;/g, '&')
      .replace(/&quot;/g, '"')
      .replace(/&#39;/g, "'");
    if (name in overrides) {
      const given = overrides[name];
      if (given !== null && given !== undefined) body.set(name, given);
      continue;
    }
    body.set(name, decoded);
  }
  return body;
}

function submit(url: string, body: URLSearchParams, headers: Record<string, string> = {}) {
  return open(url, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded', origin: emu.baseUrl, ...headers },
    body: body.toString(),
  });
}

beforeAll(async () => {
  emu = await startEmulator({ clock });
  stripe = emu.stripe();
});
afterAll(() => emu.close());

describe('POST /v1/account_links', () => {
  it('makes a single-use link to the hosted onboarding page that expires after 300 seconds', async () => {
    const account = await newAccount();
    const created = await link(account.id);
    const now = Math.floor(clock.now() / 1000);
    expect(created).toEqual({
      object: 'account_link',
      created: now,
      expires_at: now + 300,
      url: expect.stringMatching(new RegExp(`^http://localhost:12111/setup/c/${account.id}/[A-Za-z0-9]{32}$`)),
    });
    expect((await link(account.id)).url).not.toBe(created.url);
  });

  it('refuses bad parameters with a 400 naming the parameter', async () => {
    const account = await newAccount();
    const cases: Array<[Record<string, unknown>, string, string | undefined]> = [
      [{ type: 'account_onboarding', return_url: RETURN }, 'refresh_url', 'parameter_missing'],
      [{ type: 'account_onboarding', refresh_url: REFRESH }, 'return_url', 'parameter_missing'],
      [{ type: 'account_onboarding', refresh_url: REFRESH, return_url: '/accounts/x' }, 'return_url', 'url_invalid'],
      [
        { type: 'account_onboarding', refresh_url: 'javascript:alert(1)', return_url: RETURN },
        'refresh_url',
        'url_invalid',
      ],
      [{ type: 'account_verification', refresh_url: REFRESH, return_url: RETURN }, 'type', undefined],
      [
        {
          type: 'account_onboarding',
          refresh_url: REFRESH,
          return_url: RETURN,
          collect: 'eventually_due',
          collection_options: { fields: 'eventually_due' },
        },
        'collection_options',
        'parameters_exclusive',
      ],
      [
        { type: 'account_onboarding', refresh_url: REFRESH, return_url: RETURN, collection_options: { fields: 'all' } },
        'collection_options[fields]',
        undefined,
      ],
    ];
    for (const [params, param, code] of cases) {
      const error = await stripeError(() =>
        stripe.accountLinks.create({ account: account.id, ...params } as Stripe.AccountLinkCreateParams),
      );
      expect(error.statusCode, param).toBe(400);
      expect(error.param, JSON.stringify(params)).toBe(param);
      expect(error.code).toBe(code);
    }
    const missing = await stripeError(() =>
      stripe.accountLinks.create({
        account: 'acct_1Nobody',
        type: 'account_onboarding',
        refresh_url: REFRESH,
        return_url: RETURN,
      }),
    );
    expect(missing).toMatchObject({ statusCode: 400, code: 'resource_missing', param: 'account' });
    expect(missing.message).toBe("No such account: 'acct_1Nobody'");
  });

  it('makes account_update links only for accounts whose requirements the platform collects, without a Stripe Dashboard', async () => {
    const custom = await newAccount();
    expect((await link(custom.id, 'account_update')).object).toBe('account_link');
    const standard = await stripe.accounts.create({ type: 'standard', country: 'US' });
    const error = await stripeError(() => link(standard.id, 'account_update'));
    expect(error).toMatchObject({ statusCode: 400, param: 'type' });
    expect(error.message).toContain('account_update');
    expect((await link(standard.id)).object).toBe('account_link');
  });

  it('is the platform’s: refused with Stripe-Account', async () => {
    const account = await newAccount();
    const error = await stripeError(() =>
      stripe.accountLinks.create(
        { account: account.id, type: 'account_onboarding', refresh_url: REFRESH, return_url: RETURN },
        { stripeAccount: account.id },
      ),
    );
    expect(error.statusCode).toBe(403);
  });
});

describe('the hosted onboarding page', () => {
  it('shows an accessible form prefilled with Stripe’s test values for what is due; submitting it activates card_issuing and returns to return_url', async () => {
    const account = await newAccount();
    const { url } = await link(account.id);
    const page = await open(url);
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    expect(page.headers.get('cache-control')).toBe('no-store');
    expect(page.headers.get('referrer-policy')).toBe('same-origin');
    expect(page.headers.get('content-security-policy')).toContain("frame-ancestors 'none'");
    expect(page.headers.get('access-control-allow-origin')).toBeNull();
    const html = await page.text();
    // Labelled controls in fieldsets, prefilled with Stripe's documented test values.
    expect(html).toContain('<legend>About you, the account’s owner</legend>');
    for (const [label, name, value] of [
      ['Date of birth', 'individual[dob]', '1901-01-01'],
      ['Social Security number', 'individual[id_number]', '000000000'],
      ['Street address', 'individual[address][line1]', 'address_full_match'],
      ['Phone number', 'individual[phone]', '0000000000'],
      ['Email', 'individual[email]', 'owner@golf.example'],
    ] as const) {
      const id = new RegExp(`<label for="([^"]+)">${label}</label>`).exec(html)?.[1];
      expect(id, label).toBeTruthy();
      expect(html).toMatch(new RegExp(`id="${id}" name="${name.replace(/[[\]]/g, '\\$&')}" value="${value}" required`));
    }
    expect(html).toContain('I agree to the Stripe Issuing terms');
    expect(html).toContain(`<a href="${RETURN.replace('&', '&amp;')}">`);

    const done = await submit(url, formBody(html, { accept_services_agreement: 'yes', accept_issuing_terms: 'yes' }));
    expect(done.status).toBe(303);
    expect(done.headers.get('location')).toBe(RETURN);
    const after = await stripe.accounts.retrieve(account.id);
    expect(after.capabilities).toEqual({ card_issuing: 'active', transfers: 'active' });
    expect(after.requirements?.currently_due).toEqual([]);
    expect(after.individual).toMatchObject({ dob: { day: 1, month: 1, year: 1901 }, id_number_provided: true });
    expect(after.settings?.card_issuing?.tos_acceptance?.date).toBe(Math.floor(clock.now() / 1000));
    // The platform hears of it as of any change: account.updated, made by no API request.
    const events = await stripe.events.list({ type: 'account.updated' }, { stripeAccount: account.id });
    expect(events.data[0]).toMatchObject({ account: account.id, request: { id: null } });
    expect((events.data[0]!.data.object as Stripe.Account).capabilities?.card_issuing).toBe('active');
  });

  it('is single use: a second visit, or the form sent again, goes to refresh_url', async () => {
    const account = await newAccount();
    const { url } = await link(account.id);
    const html = await (await open(url)).text();
    const again = await open(url);
    expect(again.status).toBe(303);
    expect(again.headers.get('location')).toBe(REFRESH);
    const body = formBody(html, { accept_services_agreement: 'yes', accept_issuing_terms: 'yes' });
    expect((await submit(url, body)).headers.get('location')).toBe(RETURN);
    const resent = await submit(url, body);
    expect(resent.status).toBe(303);
    expect(resent.headers.get('location')).toBe(REFRESH);
    // Without the form's own secret nothing is applied either.
    const other = await newAccount();
    const otherLink = await link(other.id);
    const otherHtml = await (await open(otherLink.url)).text();
    const forged = await submit(
      otherLink.url,
      formBody(otherHtml, { form_token: 'guessed', accept_services_agreement: 'yes', accept_issuing_terms: 'yes' }),
    );
    expect(forged.headers.get('location')).toBe(REFRESH);
    expect((await stripe.accounts.retrieve(other.id)).capabilities?.card_issuing).toBe('inactive');
  });

  it('expires: a link opened after 300 seconds goes to refresh_url', async () => {
    const account = await newAccount();
    const { url } = await link(account.id);
    clock.advance(300_000);
    const late = await open(url);
    expect(late.status).toBe(303);
    expect(late.headers.get('location')).toBe(REFRESH);
  });

  it('shows what is missing next to the field and keeps the account unchanged; the same form then succeeds', async () => {
    const account = await newAccount();
    const { url } = await link(account.id);
    const html = await (await open(url)).text();
    const bad = await submit(
      url,
      formBody(html, { accept_services_agreement: 'yes', accept_issuing_terms: null, 'individual[dob]': '1901-13-45' }),
    );
    expect(bad.status).toBe(400);
    const shown = await bad.text();
    expect(shown).toContain('role="alert"');
    expect(shown).toMatch(/aria-invalid="true"/);
    expect(shown).toContain('Tick “I agree to the Stripe Issuing terms');
    // Stripe's own check of the parameter, next to the field it names.
    const month = await submit(url, formBody(shown, { accept_services_agreement: 'yes', accept_issuing_terms: 'yes' }));
    expect(month.status).toBe(400);
    const monthShown = await month.text();
    expect(monthShown).toContain(
      '<p class="error" id="f-individual-dob-error">This value must be less than or equal to 31.</p>',
    );
    expect((await stripe.accounts.retrieve(account.id)).capabilities?.card_issuing).toBe('inactive');
    const ok = await submit(
      url,
      formBody(monthShown, {
        accept_services_agreement: 'yes',
        accept_issuing_terms: 'yes',
        'individual[dob]': '1901-01-01',
      }),
    );
    expect(ok.headers.get('location')).toBe(RETURN);
    expect((await stripe.accounts.retrieve(account.id)).capabilities?.card_issuing).toBe('active');
  });

  it('returns to return_url even when Stripe cannot verify what was given: the platform must look again', async () => {
    const account = await newAccount();
    const { url } = await link(account.id);
    const html = await (await open(url)).text();
    const done = await submit(
      url,
      formBody(html, {
        accept_services_agreement: 'yes',
        accept_issuing_terms: 'yes',
        'individual[dob]': '1980-05-05',
      }),
    );
    expect(done.headers.get('location')).toBe(RETURN);
    const after = await stripe.accounts.retrieve(account.id);
    expect(after.capabilities?.card_issuing).toBe('inactive');
    expect(after.requirements?.currently_due).toEqual(['individual.verification.document']);
    // A new link asks again for what verification needs.
    const next = await (await open((await link(account.id)).url)).text();
    expect(next).toContain('name="individual[dob]"');
    expect(next).not.toContain('name="individual[first_name]"');
  });

  it('refuses a form posted from another site, escapes what it shows, and knows no made-up link', async () => {
    const account = await newAccount('<script>alert("x")</script> & Co');
    const { url } = await link(account.id);
    const html = await (await open(url)).text();
    expect(html).not.toContain('<script>alert');
    expect(html).toContain('&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt; &amp; Co');
    const body = formBody(html, { accept_services_agreement: 'yes', accept_issuing_terms: 'yes' });
    const cross = await submit(url, body, { origin: 'https://evil.example' });
    expect(cross.status).toBe(403);
    // Where a referrer policy makes the browser send `Origin: null`, fetch metadata still tells.
    const hidden = await submit(url, body, { origin: 'null', 'sec-fetch-site': 'cross-site' });
    expect(hidden.status).toBe(403);
    expect((await stripe.accounts.retrieve(account.id)).capabilities?.card_issuing).toBe('inactive');
    const unknown = await open(`http://localhost:12111/setup/c/${account.id}/NoSuchLink`);
    expect(unknown.status).toBe(404);
    expect(await unknown.text()).toContain('This link is not valid');
  });
});

describe('logs', () => {
  it('show the page’s path without the link’s secret, a credential for the account', async () => {
    const lines: string[] = [];
    const stream = new Writable({
      write(chunk, _encoding, done) {
        lines.push(String(chunk));
        done();
      },
    });
    const logged = await startEmulator({ logger: { level: 'info', stream } });
    try {
      const sdk = logged.stripe();
      const account = await sdk.accounts.create({
        type: 'custom',
        country: 'US',
        capabilities: { card_issuing: { requested: true } },
      });
      const { url } = await sdk.accountLinks.create({
        account: account.id,
        type: 'account_onboarding',
        refresh_url: REFRESH,
        return_url: RETURN,
      });
      const path = new URL(url).pathname;
      expect((await fetch(`${logged.baseUrl}${path}`)).status).toBe(200);
      const secret = path.split('/').at(-1)!;
      expect(lines.join('')).toContain(`/setup/c/${account.id}/****`);
      expect(lines.join('')).not.toContain(secret);
    } finally {
      await logged.close();
    }
  });
});
