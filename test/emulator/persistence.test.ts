// The state file: what one emulator saved, the next one started on the same file serves.
import { mkdtemp, readdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Stripe from 'stripe';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { buildEmulator } from '../../emulator/app.ts';
import { startReceiver } from './conformance/webhook-receiver.ts';
import { seededAccounts, startEmulator } from './helpers.ts';

const verifier = new Stripe('sk_test_verifier');
let dir: string;
let stateFile: string;

beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'emulator-state-'));
  stateFile = join(dir, 'state.json');
});
afterEach(() => rm(dir, { recursive: true, force: true }));

describe('EMULATOR_STATE_FILE', () => {
  it('keeps cards, cardholders, card secrets, events, webhook endpoints and idempotency records across a restart', async () => {
    const receiver = await startReceiver();
    const first = await startEmulator({ stateFile, stateDebounceMs: 20 });
    const stripe = first.stripe();
    const [acme] = await seededAccounts(stripe);
    const opts = { stripeAccount: acme!.id };
    const endpoint = await stripe.webhookEndpoints.create({
      url: receiver.url,
      enabled_events: ['issuing_card.updated'],
      connect: true,
    });
    const holder = await stripe.issuing.cardholders.create(
      { name: 'Saved Person', billing: { address: { line1: '1 A St', city: 'B', postal_code: '1', country: 'US' } } },
      opts,
    );
    const key = `persist-${Date.now()}`;
    const card = await stripe.issuing.cards.create(
      { cardholder: holder.id, currency: 'usd', type: 'virtual' },
      { ...opts, idempotencyKey: key },
    );
    await stripe.issuing.cards.update(card.id, { status: 'active' }, opts);
    const secrets = first.app.store.accountData(acme!.id).cardSecrets.get(card.id);
    expect(secrets?.number).toMatch(/^\d{16}$/);
    const cardsBefore = await stripe.issuing.cards.list({ limit: 100 }, opts);
    const eventsBefore = await stripe.events.list({ limit: 100 }, opts);
    await receiver.waitFor(1);
    await first.close();

    const mode = (await stat(stateFile)).mode & 0o777;
    expect(mode).toBe(0o600);
    expect((await readdir(dir)).filter((f) => f.endsWith('.tmp'))).toEqual([]); // written atomically

    const second = await startEmulator({ stateFile });
    try {
      const sdk = second.stripe();
      expect(await sdk.issuing.cards.list({ limit: 100 }, opts)).toEqual(cardsBefore);
      expect((await sdk.issuing.cards.retrieve(card.id, {}, opts)).status).toBe('active');
      expect(second.app.store.accountData(acme!.id).cardSecrets.get(card.id)).toEqual(secrets);
      const eventsAfter = await sdk.events.list({ limit: 100 }, opts);
      expect(eventsAfter.data.map((e) => e.id)).toEqual(eventsBefore.data.map((e) => e.id));

      // The same idempotency key replays the card created before the restart.
      const replay = await sdk.issuing.cards.create(
        { cardholder: holder.id, currency: 'usd', type: 'virtual' },
        { ...opts, idempotencyKey: key },
      );
      expect(replay.id).toBe(card.id);
      expect(replay.lastResponse.headers['idempotent-replayed']).toBe('true');

      // The endpoint and its secret survive: a new event is signed with the secret shown at creation.
      await sdk.issuing.cards.update(card.id, { status: 'inactive' }, opts);
      const deliveries = await receiver.waitFor(2);
      const event = verifier.webhooks.constructEvent(
        deliveries[1]!.body,
        deliveries[1]!.headers['stripe-signature'] as string,
        endpoint.secret!,
      );
      expect(event.data.previous_attributes).toEqual({ status: 'active' });
    } finally {
      await second.close();
      await receiver.close();
    }
  });

  it('writes the file shortly after a change, not only at close', async () => {
    const emu = await startEmulator({ stateFile, stateDebounceMs: 20 });
    try {
      const persistence = emu.app.emulator.persistence!;
      await emu.app.emulator.persistence!.flush();
      const writes = persistence.writes;
      await emu.stripe().webhookEndpoints.create({ url: 'https://example.com/h', enabled_events: ['*'] });
      await expect.poll(() => persistence.writes, { timeout: 2000 }).toBeGreaterThan(writes);
      const saved = JSON.parse(await (await import('node:fs/promises')).readFile(stateFile, 'utf8'));
      expect(JSON.stringify(saved.data)).toContain('https://example.com/h');
    } finally {
      await emu.close();
    }
  });

  it('refuses to start on a file that is not a state file, naming the variable', async () => {
    await writeFile(stateFile, '{"not": "a snapshot"');
    await expect(buildEmulator({ stateFile })).rejects.toThrow(
      /^EMULATOR_STATE_FILE .*state\.json is not a usable emulator state file/,
    );
  });
});
