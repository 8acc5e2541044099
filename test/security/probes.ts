// One or more probe requests per route of shared/route-table.ts, against the emulator's seed data:
// a resource inside the signed-in user's scope, and one outside it (another connected account's
// card, account, cardholder). The matrix, fuzz and fault suites all start from these, so a route
// added to the table without probes fails them ("add probes for …").
import { CompactEncrypt, importJWK } from 'jose';
import { createHash, randomBytes } from 'node:crypto';
import { DEMO_PASSWORD } from '../../server/db/demo-users.ts';
import { createUser, findUserByEmail } from '../../server/db/users.ts';
import { issueRecoveryCodes } from '../../server/domain/second-factor.ts';
import { policyFor, type Role } from '../../shared/policy.ts';
import type { RouteEntry } from '../../shared/route-table.ts';
import { EMAIL, type SecurityStack } from './stack.ts';

export interface Side {
  account: string;
  virtualCard: { id: string; last4: string };
  physicalCard: { id: string };
  cardholder: string;
}

/** `own`: the account user's (oldest) connected account; `other`: another connected account. */
export interface World {
  own: Side;
  other: Side;
  /** Every id of the other account (account, cards, cardholders): must never reach an account user. */
  otherIds: string[];
}

export async function loadWorld(stack: SecurityStack): Promise<World> {
  const accounts = (await stack.stripe.accounts.list({ limit: 100 })).data;
  const side = async (account: string): Promise<Side & { ids: string[] }> => {
    const cards = (await stack.stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account })).data;
    const holders = (await stack.stripe.issuing.cardholders.list({ limit: 100 }, { stripeAccount: account })).data;
    const virtual = cards.find((c) => c.type === 'virtual' && c.status === 'active');
    const physical = cards.find((c) => c.type === 'physical' && c.status === 'active');
    if (!virtual || !physical) throw new Error(`seed account ${account} lacks an active virtual and physical card`);
    const holder = typeof virtual.cardholder === 'string' ? virtual.cardholder : virtual.cardholder.id;
    return {
      account,
      virtualCard: { id: virtual.id, last4: virtual.last4 },
      physicalCard: { id: physical.id },
      cardholder: holder,
      ids: [account, ...cards.map((c) => c.id), ...holders.map((h) => h.id)],
    };
  };
  const own = await side(accounts.at(-1)!.id);
  const other = await side(accounts[0]!.id);
  return { own, other, otherIds: other.ids };
}

export type Scope = 'inside' | 'outside' | 'none';

export interface ProbeRequest {
  url: string;
  payload?: unknown;
  headers?: Record<string, string>;
}

export interface Probe {
  label: string;
  scope: Scope;
  make(ctx: { stack: SecurityStack; world: World; role: Role | 'anonymous' }): Promise<ProbeRequest>;
  /** Status of a successful call. */
  ok: number;
  /**
   * What a role that cannot reach the `outside` resource gets: a status (refused), or
   * `filtered` (a successful answer in which the resource does not appear).
   */
  refused?: number | 'filtered';
  /**
   * Ids a role that DOES reach the resource must see in the answer (so that the matrix proves
   * the outside resource was really asked for, not just absent).
   */
  shows?: (world: World) => string[];
  /** What a `lookup`-scope role (support agent: one card at a time) gets instead of `ok` (routes that browse a whole account). */
  lookupRefused?: number;
}

/** Thrown by a probe whose prerequisites the emulator does not offer yet: its cells are skipped. */
export class ProbeUnavailable extends Error {}

export async function nonceFor(stack: SecurityStack, cardId: string, account: string): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/v1/ephemeral_key_nonces`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer pk_test_probe',
      'stripe-account': account,
      'content-type': 'application/x-www-form-urlencoded',
    },
    body: `issuing_card=${cardId}`,
  });
  const nonce = ((await res.json()) as { nonce?: string }).nonce;
  if (!nonce) throw new Error(`no nonce for ${cardId}`);
  stack.track(nonce);
  return nonce;
}

export async function encryptedPin(stack: SecurityStack, pin = '4321'): Promise<string> {
  const res = await fetch(`${stack.emulatorUrl}/issuing-key/v1/keys`);
  if (res.status !== 200) throw new ProbeUnavailable('the emulator has no Issuing PIN key yet');
  const { key_id: kid, jwk } = (await res.json()) as { key_id: string; jwk: Record<string, unknown> };
  const key = await importJWK(jwk, 'RSA-OAEP');
  const jwe = await new CompactEncrypt(new TextEncoder().encode(pin))
    .setProtectedHeader({ alg: 'RSA-OAEP', enc: 'A128CBC-HS256', kid })
    .encrypt(key);
  stack.track(jwe);
  return jwe;
}

export async function confirmationToken(
  stack: SecurityStack,
  world: World,
  scope: 'inside' | 'outside' = 'inside',
): Promise<string> {
  // Issued test cards work within their own account only: the token belongs to the card's account.
  const { account, virtualCard } = side(world, scope);
  const secrets = stack.emulator.store.accountData(account).cardSecrets.get(virtualCard.id);
  if (!secrets) throw new Error('no card secrets for the virtual card');
  const body = new URLSearchParams({
    'payment_method_data[type]': 'card',
    'payment_method_data[card][number]': secrets.number,
    'payment_method_data[card][exp_month]': '12',
    'payment_method_data[card][exp_year]': String(new Date().getFullYear() + 2),
    'payment_method_data[card][cvc]': secrets.cvc,
  });
  const res = await fetch(`${stack.emulatorUrl}/v1/confirmation_tokens`, {
    method: 'POST',
    headers: {
      authorization: 'Bearer pk_test_probe',
      'content-type': 'application/x-www-form-urlencoded',
      'stripe-account': account,
    },
    body,
  });
  if (res.status === 404) throw new ProbeUnavailable('the emulator has no confirmation tokens yet');
  const json = (await res.json()) as { id?: string };
  if (!json.id) throw new Error(`confirmation token refused: ${JSON.stringify(json)}`);
  return json.id;
}

/** A webhook event signed like Stripe signs it (the SDK's documented test helper). */
export function signedEvent(
  stack: SecurityStack,
  event: { id: string; type: string; [field: string]: unknown },
  timestamp?: number,
): ProbeRequest {
  const payload = JSON.stringify({
    object: 'event',
    api_version: stack.config.stripe.apiVersion,
    created: Math.floor(Date.now() / 1000),
    livemode: false,
    pending_webhooks: 1,
    request: { id: null, idempotency_key: null },
    data: { object: {} },
    ...event,
  });
  const header = stack.stripe.webhooks.generateTestHeaderString({
    payload,
    secret: stack.webhookSecret,
    ...(timestamp ? { timestamp } : {}),
  });
  return {
    url: '/webhooks/stripe',
    payload,
    headers: { 'content-type': 'application/json', 'stripe-signature': header },
  };
}

let eventSeq = 0;
let probeSeq = 0;

/** A user made for one probe to change (an account user; `passwordHash` for invited ones). */
async function throwawayUser(stack: SecurityStack, passwordHash = 'x'): Promise<string> {
  const user = await createUser(stack.app.db, {
    email: `throwaway${Date.now()}${++probeSeq}@example.com`,
    passwordHash,
    role: 'account_user',
  });
  return user.id;
}
export const uniqueEventId = () => `evt_probe${Date.now()}${++eventSeq}`;

const side = (world: World, scope: Scope) => (scope === 'outside' ? world.other : world.own);

/** Probes per route, keyed `METHOD /path` as in shared/route-table.ts. */
export const PROBES: Record<string, Probe[]> = {
  'GET /healthz': [{ label: 'health', scope: 'none', ok: 200, make: async () => ({ url: '/healthz' }) }],
  'GET /readyz': [{ label: 'ready', scope: 'none', ok: 200, make: async () => ({ url: '/readyz' }) }],
  'GET /api/config': [{ label: 'config', scope: 'none', ok: 200, make: async () => ({ url: '/api/config' }) }],
  'POST /api/session': [
    {
      label: 'sign in',
      scope: 'none',
      ok: 200,
      make: async () => ({ url: '/api/session', payload: { email: 'admin@example.com', password: 'demo1234' } }),
    },
  ],
  'DELETE /api/session': [{ label: 'sign out', scope: 'none', ok: 204, make: async () => ({ url: '/api/session' }) }],
  'GET /api/session': [
    { label: 'signed in or not', scope: 'none', ok: 200, make: async () => ({ url: '/api/session' }) },
  ],
  'GET /api/me': [{ label: 'me', scope: 'none', ok: 200, make: async () => ({ url: '/api/me' }) }],
  'GET /api/mirror/status': [
    { label: 'data freshness', scope: 'none', ok: 200, make: async () => ({ url: '/api/mirror/status' }) },
  ],
  'GET /api/overview': [
    { label: 'the overview', scope: 'none', ok: 200, make: async () => ({ url: '/api/overview' }) },
  ],
  'GET /api/accounts': [
    { label: 'list', scope: 'inside', ok: 200, make: async () => ({ url: '/api/accounts' }) },
    {
      label: 'search for another account',
      scope: 'outside',
      ok: 200,
      refused: 'filtered',
      shows: (w) => [w.other.account],
      make: async ({ world }) => ({ url: `/api/accounts?q=${world.other.account}` }),
    },
  ],
  'POST /api/account-sessions': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: '/api/account-sessions',
      payload: { account: side(world, scope).account },
    }),
  })),
  // The seed's accounts can issue already: a caller the policy lets through gets the 409 that says
  // there is nothing left to onboard (test/server/onboarding-link.test.ts covers the link itself).
  'POST /api/accounts/:account/onboarding-link': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 409,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/accounts/${side(world, scope).account}/onboarding-link`,
      payload: {},
    }),
  })),
  'GET /api/accounts/:account/onboarding': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({ url: `/api/accounts/${side(world, scope).account}/onboarding` }),
  })),
  'POST /api/ephemeral-keys': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} virtual card`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ stack, world }: { stack: SecurityStack; world: World }) => {
      const s = side(world, scope);
      return {
        url: '/api/ephemeral-keys',
        payload: {
          card_id: s.virtualCard.id,
          nonce: await nonceFor(stack, s.virtualCard.id, s.account),
          reason: 'security matrix',
        },
      };
    },
  })),
  'GET /api/cards': [
    {
      label: 'own card',
      scope: 'inside',
      ok: 200,
      shows: (w) => [w.own.virtualCard.id],
      make: async ({ world }) => ({ url: `/api/cards?account=${world.own.account}&q=${world.own.virtualCard.id}` }),
    },
    {
      label: 'another account',
      scope: 'outside',
      ok: 200,
      refused: 403,
      shows: (w) => [w.other.virtualCard.id],
      make: async ({ world }) => ({ url: `/api/cards?account=${world.other.account}&q=${world.other.virtualCard.id}` }),
    },
    {
      label: "lookup of another account's card",
      scope: 'outside',
      ok: 200,
      refused: 'filtered',
      shows: (w) => [w.other.virtualCard.id],
      make: async ({ world }) => ({ url: `/api/cards?q=${world.other.virtualCard.id}` }),
    },
  ],
  'GET /api/cards/:id': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} card`,
    scope,
    ok: 200,
    refused: 403,
    shows: (w: World) => [side(w, scope).virtualCard.id],
    make: async ({ world }: { world: World }) => ({ url: `/api/cards/${side(world, scope).virtualCard.id}` }),
  })),
  'GET /api/audit': [
    { label: 'all rows', scope: 'none', ok: 200, make: async () => ({ url: '/api/audit' }) },
    {
      label: "rows of another account's card",
      scope: 'none',
      ok: 200,
      make: async ({ world }) => ({ url: `/api/audit?card=${world.other.virtualCard.id}` }),
    },
  ],
  'GET /api/cardholders': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    shows: (w: World) => [side(w, scope).cardholder],
    make: async ({ world }: { world: World }) => ({ url: `/api/cardholders?account=${side(world, scope).account}` }),
  })),
  'POST /api/cards': (['inside', 'outside'] as const).map((scope) => ({
    label: `issue in ${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => {
      const s = side(world, scope);
      return {
        url: '/api/cards',
        payload: { account: s.account, cardholder: s.cardholder, type: 'virtual', currency: 'usd' },
      };
    },
  })),
  'POST /api/cards/:id': (['inside', 'outside'] as const).map((scope) => ({
    label: `activate ${scope} card`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/cards/${side(world, scope).physicalCard.id}`,
      payload: { status: 'active' },
    }),
  })),
  'GET /api/accounts/:account/cardholders': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    shows: (w: World) => [side(w, scope).cardholder],
    make: async ({ world }: { world: World }) => ({ url: `/api/accounts/${side(world, scope).account}/cardholders` }),
  })),
  'POST /api/cardholders': (['inside', 'outside'] as const).map((scope) => ({
    label: `create in ${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: '/api/cardholders',
      payload: {
        account: side(world, scope).account,
        type: 'company',
        name: 'Probe Co',
        billing: {
          address: { line1: '1 Main St', city: 'San Francisco', state: 'CA', postal_code: '94111', country: 'US' },
        },
      },
    }),
  })),
  'POST /api/cardholders/:id': (['inside', 'outside'] as const).map((scope) => ({
    label: `limits of a cardholder in ${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/cardholders/${side(world, scope).cardholder}`,
      payload: {
        account: side(world, scope).account,
        spending_controls: { spending_limits: [{ amount: 100000, interval: 'monthly' }] },
      },
    }),
  })),
  'POST /api/cards/:id/report-lost': (['inside', 'outside'] as const).map((scope) => ({
    label: `report ${scope} card lost`,
    scope,
    ok: 200,
    refused: 403,
    // The physical card: the activate probe above turns it back on (both are repeatable).
    make: async ({ world }: { world: World }) => ({
      url: `/api/cards/${side(world, scope).physicalCard.id}/report-lost`,
      payload: { note: 'Caller verified by phone' },
    }),
  })),
  'POST /api/cards/:id/replace': (['inside', 'outside'] as const).map((scope) => ({
    label: `replace a lost card of the ${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    // A card is replaced once: the role that may (the admin) gets a new card reported lost each
    // time; the others are refused by the rule before the card matters.
    make: async ({ stack, world, role }: { stack: SecurityStack; world: World; role: Role | 'anonymous' }) => {
      if (role !== 'platform_admin')
        return { url: `/api/cards/${side(world, scope).virtualCard.id}/replace`, payload: {} };
      const cookie = await stack.loginCookie(EMAIL.platform_admin);
      const post = (url: string, payload: object) =>
        stack.app.inject({ method: 'POST', url, headers: { cookie, origin: stack.appUrl }, payload });
      const { account, cardholder } = side(world, scope);
      const issued = await post('/api/cards', {
        account,
        cardholder,
        type: 'virtual',
        currency: 'usd',
        status: 'active',
      });
      const id = issued.json<{ id: string }>().id;
      await post(`/api/cards/${id}/report-lost`, {});
      return { url: `/api/cards/${id}/replace`, payload: { note: 'Probe' } };
    },
  })),
  'POST /api/cards/:id/pin': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} card`,
    scope,
    ok: 200,
    // The PIN route searches only the accounts the user reaches: another account's card is not found.
    refused: 404,
    make: async ({ stack, world }: { stack: SecurityStack; world: World }) => ({
      url: `/api/cards/${side(world, scope).physicalCard.id}/pin`,
      payload: { encrypted_number: await encryptedPin(stack) },
    }),
  })),
  'POST /api/payments': (['inside', 'outside'] as const).map((scope) => ({
    label: `test purchase on the ${scope} account with its card`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ stack, world }: { stack: SecurityStack; world: World }) => ({
      url: '/api/payments',
      payload: {
        account: side(world, scope).account,
        confirmation_token: await confirmationToken(stack, world, scope),
        amount: 500,
        currency: 'usd',
      },
    }),
  })),
  'GET /api/cards/:id/authorizations': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} card`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/cards/${side(world, scope).virtualCard.id}/authorizations?limit=5`,
    }),
  })),
  'GET /api/accounts/:account/authorizations': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    lookupRefused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/accounts/${side(world, scope).account}/authorizations?limit=5`,
    }),
  })),
  'GET /api/cards/:id/authorizations.csv': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} card`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/cards/${side(world, scope).virtualCard.id}/authorizations.csv?outcome=declined`,
    }),
  })),
  'GET /api/cards/:id/authorizations/daily': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} card`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/cards/${side(world, scope).virtualCard.id}/authorizations/daily?tz=Europe/Paris`,
    }),
  })),
  'GET /api/accounts/:account/authorizations.csv': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    lookupRefused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/accounts/${side(world, scope).account}/authorizations.csv`,
    }),
  })),
  'GET /api/accounts/:account/authorizations/daily': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} account`,
    scope,
    ok: 200,
    refused: 403,
    lookupRefused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/accounts/${side(world, scope).account}/authorizations/daily`,
    }),
  })),
  'GET /api/cards/:id/limits': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} card`,
    scope,
    ok: 200,
    refused: 403,
    shows: (w: World) => [side(w, scope).virtualCard.id],
    make: async ({ world }: { world: World }) => ({ url: `/api/cards/${side(world, scope).virtualCard.id}/limits` }),
  })),
  'GET /api/events': [
    ...(['inside', 'outside'] as const).map((scope) => ({
      label: `${scope} card, a stream closed at once`,
      scope,
      ok: 200,
      refused: 403,
      make: async ({ world }: { world: World }) => ({
        url: `/api/events?card=${side(world, scope).virtualCard.id}&max_seconds=0`,
      }),
    })),
    ...(['inside', 'outside'] as const).map((scope) => ({
      label: `${scope} account, a stream closed at once`,
      scope,
      ok: 200,
      refused: 403,
      lookupRefused: 403,
      make: async ({ world }: { world: World }) => ({
        url: `/api/events?account=${side(world, scope).account}&max_seconds=0`,
      }),
    })),
  ],
  'POST /api/cards/:id/simulate-purchase': (['inside', 'outside'] as const).map((scope) => ({
    label: `${scope} card`,
    scope,
    ok: 200,
    refused: 403,
    make: async ({ world }: { world: World }) => ({
      url: `/api/cards/${side(world, scope).virtualCard.id}/simulate-purchase`,
      payload: { amount: 500, category: 'computer_software_stores', country: 'US' },
    }),
  })),
  // Second factor: every signed-in role manages its own; nothing here names another user.
  'POST /api/step-up': [
    {
      label: 'a recovery code of the caller',
      scope: 'none',
      ok: 200,
      make: async ({ stack, role }) => {
        const email = role === 'anonymous' ? 'admin@example.com' : EMAIL[role];
        const user = await findUserByEmail(stack.app.db, email);
        const [code] = await issueRecoveryCodes(stack.app.db, user!.id);
        stack.track(code);
        return { url: '/api/step-up', payload: { method: 'recovery_code', code } };
      },
    },
  ],
  // The demo users have no passkey: a signed-in caller is told so.
  'POST /api/step-up/options': [
    { label: 'passkey challenge', scope: 'none', ok: 400, make: async () => ({ url: '/api/step-up/options' }) },
  ],
  'GET /api/security': [{ label: 'own factors', scope: 'none', ok: 200, make: async () => ({ url: '/api/security' }) }],
  'POST /api/security/totp': [
    { label: 'begin TOTP', scope: 'none', ok: 200, make: async () => ({ url: '/api/security/totp' }) },
  ],
  'POST /api/security/totp/confirm': [
    {
      label: 'a wrong code',
      scope: 'none',
      ok: 400,
      make: async () => ({ url: '/api/security/totp/confirm', payload: { code: '12345x' } }),
    },
  ],
  'POST /api/security/passkeys/options': [
    {
      label: 'registration challenge',
      scope: 'none',
      ok: 200,
      make: async () => ({ url: '/api/security/passkeys/options' }),
    },
  ],
  'POST /api/security/passkeys': [
    {
      label: 'a registration that does not verify',
      scope: 'none',
      ok: 400,
      make: async () => ({
        url: '/api/security/passkeys',
        payload: {
          response: {
            id: 'AAAA',
            rawId: 'AAAA',
            type: 'public-key',
            response: { clientDataJSON: 'e30', attestationObject: 'oA' },
            clientExtensionResults: {},
          },
        },
      }),
    },
  ],
  'DELETE /api/security/factors/:id': [
    {
      label: "a factor that is not the caller's",
      scope: 'none',
      ok: 404,
      make: async () => ({ url: `/api/security/factors/sf_${'0'.repeat(32)}` }),
    },
  ],
  'POST /api/security/recovery-codes': [
    {
      label: 'new recovery codes',
      scope: 'none',
      ok: 200,
      make: async () => ({ url: '/api/security/recovery-codes' }),
    },
  ],
  // Issue 17, items 3 and 11: each probe's session is its own, so ending "the other sessions" spares the rest.
  'POST /api/security/reauthenticate': [
    {
      label: 'the password again',
      scope: 'none',
      ok: 200,
      make: async () => ({ url: '/api/security/reauthenticate', payload: { password: DEMO_PASSWORD } }),
    },
  ],
  'POST /api/security/password': [
    {
      label: 'a new password under the rule (the demo one stays)',
      scope: 'none',
      ok: 400,
      make: async () => ({
        url: '/api/security/password',
        payload: { current_password: DEMO_PASSWORD, new_password: 'short' },
      }),
    },
  ],
  'POST /api/security/sign-out-everywhere': [
    {
      label: 'end the other sessions',
      scope: 'none',
      ok: 200,
      make: async () => ({ url: '/api/security/sign-out-everywhere' }),
    },
  ],
  // User administration: changes aimed at a throwaway user made for each probe.
  'GET /api/users': [{ label: 'list users', scope: 'none', ok: 200, make: async () => ({ url: '/api/users' }) }],
  'POST /api/users': [
    {
      label: 'invite',
      scope: 'none',
      ok: 200,
      make: async () => ({
        url: '/api/users',
        payload: { email: `probe${Date.now()}${++probeSeq}@example.com`, role: 'account_user' },
      }),
    },
  ],
  'POST /api/users/:id': [
    {
      label: 'disable a user',
      scope: 'none',
      ok: 200,
      make: async ({ stack }) => ({ url: `/api/users/${await throwawayUser(stack)}`, payload: { disabled: true } }),
    },
  ],
  'POST /api/users/:id/reset-second-factor': [
    {
      label: "reset a user's second factor",
      scope: 'none',
      ok: 200,
      make: async ({ stack }) => ({ url: `/api/users/${await throwawayUser(stack)}/reset-second-factor`, payload: {} }),
    },
  ],
  'POST /api/invitations/accept': [
    {
      label: 'accept an invitation',
      scope: 'none',
      ok: 200,
      make: async ({ stack }) => {
        const token = randomBytes(32).toString('base64url');
        const userId = await throwawayUser(stack, '!invited');
        await stack.app.db.query(
          `INSERT INTO invitations (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')`,
          [createHash('sha256').update(token).digest('hex'), userId],
        );
        stack.track(token);
        return { url: '/api/invitations/accept', payload: { token, password: 'probe password long' } };
      },
    },
  ],
  'POST /api/invitations/lookup': [
    {
      label: 'look an invitation up',
      scope: 'none',
      ok: 200,
      make: async ({ stack }) => {
        const token = randomBytes(32).toString('base64url');
        const userId = await throwawayUser(stack, '!invited');
        await stack.app.db.query(
          `INSERT INTO invitations (token_hash, user_id, expires_at) VALUES ($1, $2, now() + interval '1 hour')`,
          [createHash('sha256').update(token).digest('hex'), userId],
        );
        stack.track(token);
        return { url: '/api/invitations/lookup', payload: { token } };
      },
    },
  ],
  // Single sign-on is not configured in the security stack: they answer 404 oidc_not_configured
  // (test/e2e/oidc.test.ts and test/security/round-three-sso.test.ts run them against a real provider).
  'GET /api/oidc/login': [
    { label: 'start single sign-on', scope: 'none', ok: 404, make: async () => ({ url: '/api/oidc/login' }) },
  ],
  'GET /api/oidc/callback': [
    {
      label: 'provider callback',
      scope: 'none',
      ok: 404,
      make: async () => ({ url: '/api/oidc/callback?code=x&state=y' }),
    },
  ],
  'POST /api/oidc/link': [
    {
      label: 'link single sign-on',
      scope: 'none',
      ok: 404,
      make: async () => ({ url: '/api/oidc/link', payload: {} }),
    },
  ],
  'GET /api/oidc/link/:id': [
    {
      label: 'a link waiting for confirmation',
      scope: 'none',
      ok: 404,
      make: async () => ({ url: `/api/oidc/link/${'a'.repeat(32)}` }),
    },
  ],
  'POST /api/oidc/link/:id/confirm': [
    {
      label: 'confirm a single sign-on link',
      scope: 'none',
      ok: 404,
      make: async () => ({ url: `/api/oidc/link/${'a'.repeat(32)}/confirm`, payload: {} }),
    },
  ],
  'DELETE /api/oidc/link/:id': [
    {
      label: 'cancel a single sign-on link',
      scope: 'none',
      ok: 404,
      make: async () => ({ url: `/api/oidc/link/${'a'.repeat(32)}` }),
    },
  ],
  'POST /webhooks/stripe': [
    {
      label: 'signed event',
      scope: 'none',
      ok: 200,
      make: async ({ stack }) => signedEvent(stack, { id: uniqueEventId(), type: 'issuing_card.updated' }),
    },
  ],
};

export function probesFor(route: RouteEntry): Probe[] {
  const probes = PROBES[`${route.method} ${route.path}`];
  if (!probes || probes.length === 0)
    throw new Error(`add probes for ${route.method} ${route.path} to test/security/probes.ts`);
  return probes;
}

/** Whether the role reaches the `outside` (other) account at all. */
export function reachesOtherAccounts(role: Role | 'anonymous'): boolean {
  return role !== 'anonymous' && policyFor(role).accountScope !== 'memberships';
}
