// The demo data (deterministic, complete enough for every screen) and the browser files the
// emulator serves next to its API.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { EmulatorStore } from '../../emulator/api/store.ts';
import { seedStore, SEED_ACCOUNTS } from '../../emulator/seed.ts';
import { schemaErrors } from './openapi.ts';
import { passesLuhn, seededAccounts, startEmulator, type TestEmulator } from './helpers.ts';

let emu: TestEmulator;
beforeAll(async () => {
  emu = await startEmulator();
});
afterAll(() => emu.close());

function snapshot(store: EmulatorStore) {
  return store.accounts.list().map((account) => {
    const data = store.accountData(account.id);
    return {
      id: account.id,
      cardholders: data.cardholders.list().map((c) => c.id),
      cards: data.cards.list().map((c) => [c.id, data.cardSecrets.get(c.id)]),
    };
  });
}

describe('seed', () => {
  it('is deterministic: the same ids, numbers and CVCs on every run', () => {
    const clock = { now: () => Date.UTC(2026, 0, 1) };
    const a = new EmulatorStore();
    const b = new EmulatorStore();
    seedStore(a, clock);
    seedStore(b, clock);
    expect(snapshot(a)).toEqual(snapshot(b));
  });

  it('has three custom US accounts with card issuing active, oldest listed last', async () => {
    const stripe = emu.stripe();
    const list = await stripe.accounts.list();
    expect(list.data.map((a) => a.business_profile?.name)).toEqual([
      'Cobalt Studio',
      'Bolt Couriers',
      'Acme Logistics',
    ]);
    for (const account of list.data) {
      expect(account).toMatchObject({ type: 'custom', country: 'US', capabilities: { card_issuing: 'active' } });
      expect(account.email).toMatch(/@/);
      expect(schemaErrors('account', JSON.parse(JSON.stringify(account)))).toEqual([]);
    }
    expect(SEED_ACCOUNTS.map((a) => a.name)).toEqual(['Acme Logistics', 'Bolt Couriers', 'Cobalt Studio']);
  });

  it('gives every account cardholders and cards in every status with valid numbers and future expiry', async () => {
    const stripe = emu.stripe();
    const now = new Date();
    for (const account of await seededAccounts(stripe)) {
      const holders = await stripe.issuing.cardholders.list({ limit: 100 }, { stripeAccount: account.id });
      expect(holders.data.length).toBeGreaterThanOrEqual(3);
      for (const holder of holders.data) {
        expect(holder).toMatchObject({ type: 'individual', status: 'active' });
        expect(holder.email).toMatch(/@/);
        expect(holder.phone_number).toMatch(/^\+1\d{10}$/);
        expect(holder.billing.address.line1).toBeTruthy();
      }
      const cards = await stripe.issuing.cards.list({ limit: 100 }, { stripeAccount: account.id });
      const kinds = new Set(cards.data.map((c) => `${c.status}/${c.type}`));
      for (const kind of ['active/virtual', 'active/physical', 'inactive/physical', 'canceled/virtual'])
        expect(kinds).toContain(kind);
      const data = emu.app.store.accountData(account.id);
      for (const card of cards.data) {
        const secrets = data.cardSecrets.get(card.id)!;
        expect(secrets.number).toMatch(/^4000\d{12}$/);
        expect(passesLuhn(secrets.number)).toBe(true);
        expect(secrets.cvc).toMatch(/^\d{3}$/);
        expect(card.exp_year * 12 + card.exp_month).toBeGreaterThan(now.getUTCFullYear() * 12 + now.getUTCMonth() + 1);
      }
    }
  });
});

describe('browser files', () => {
  it('serves connect.js and stripe.js with CORS and a JavaScript content type when present', async () => {
    for (const path of ['/v1.0/connect.js', '/v3/', '/v3/stripe.js']) {
      const res = await emu.raw('GET', path, { key: null, headers: { origin: 'http://localhost:3000' } });
      if (res.status === 404) continue; // the browser work may not have written the file yet
      expect(res.status).toBe(200);
      expect(res.headers.get('content-type')).toMatch(/javascript/);
      expect(res.headers.get('access-control-allow-origin')).toBe('*');
    }
  });

  it('answers 404, not 500, when the files are absent, and never serves outside the folder', async () => {
    const empty = await startEmulator({ browserRoot: mkdtempSync(join(tmpdir(), 'emulator-browser-')) });
    try {
      for (const path of ['/v1.0/connect.js', '/v3/', '/v3/stripe.js', '/_emulator/frames/card.html']) {
        expect((await empty.raw('GET', path, { key: null })).status).toBe(404);
      }
    } finally {
      await empty.close();
    }
    const escape = await emu.raw('GET', '/_emulator/frames/..%2F..%2F..%2Fapp.ts', { key: null });
    expect([403, 404]).toContain(escape.status); // @fastify/static refuses traversal with 403
    expect(String(escape.body)).not.toContain('buildEmulator');
  });

  it('answers CORS preflights for the API headers the browser sends', async () => {
    const res = await fetch(`${emu.baseUrl}/v1/ephemeral_key_nonces`, {
      method: 'OPTIONS',
      headers: {
        origin: 'http://localhost:3000',
        'access-control-request-method': 'POST',
        'access-control-request-headers': 'authorization,stripe-account,content-type',
      },
    });
    expect(res.status).toBeLessThan(300);
    expect(res.headers.get('access-control-allow-origin')).toBe('*');
    expect(res.headers.get('access-control-allow-headers')?.toLowerCase()).toContain('stripe-account');
  });
});

describe('the OpenAPI helper', () => {
  it('finds real mismatches', () => {
    expect(schemaErrors('issuing.card', { id: 'ic_1', object: 'issuing.card' }).length).toBeGreaterThan(0);
    expect(
      schemaErrors('ephemeral_key', {
        id: 'ephkey_1',
        object: 'ephemeral_key',
        created: 'yesterday',
        expires: 1,
        livemode: false,
      }),
    ).not.toEqual([]);
  });
});
