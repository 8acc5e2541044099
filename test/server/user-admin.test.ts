// User administration through the API: invite (one-time, expiring link), accept, change role and
// memberships, disable (sessions end at once), reset a second factor, never lose the last admin,
// a fresh second-factor check before each change, every change audited. Memberships name the
// platform's connected accounts (the emulator's seeded ones).
import type { AddressInfo } from 'node:net';
import Stripe from 'stripe';
import { afterAll, beforeAll, describe, expect, test } from 'vitest';
import { buildEmulator, type EmulatorApp } from '../../emulator/app.ts';
import { TEST_PASSWORD, buildTestApp, type TestApp } from '../helpers/app.ts';

let t: TestApp;
let emulator: EmulatorApp;
let admin: string;
let acct: { one: string; two: string; three: string };

beforeAll(async () => {
  emulator = await buildEmulator({ seed: true, logger: false, rateLimits: false });
  await emulator.listen({ port: 0, host: '127.0.0.1' });
  const stripe = new Stripe('sk_test_users', {
    host: '127.0.0.1',
    port: (emulator.server.address() as AddressInfo).port,
    protocol: 'http',
  });
  const [one, two, three] = (await stripe.accounts.list({ limit: 3 })).data.map((a) => a.id).sort();
  acct = { one: one!, two: two!, three: three! };
  t = await buildTestApp({}, { stripe });
  await t.createUser('boss@users.example', 'platform_admin');
  admin = await t.login('boss@users.example');
});
afterAll(async () => {
  await t?.close();
  await emulator?.close();
});

const post = (url: string, payload: object, cookie = admin) => t.inject({ method: 'POST', url, cookie, payload });
const tokenOf = (inviteUrl: string) => new URL(inviteUrl).hash.slice(1);
const cookieOf = (res: { cookies: { name: string; value: string }[] }) =>
  `cid_session=${res.cookies.find((c) => c.name === 'cid_session' && c.value)!.value}`;

/** The trail's user-administration rows about this user (each names the step-up method). */
async function auditActions(targetEmail: string): Promise<string[]> {
  const rows = await t.app.db.query<{ kind: string; details: { second_factor_method?: string } }>(
    `SELECT kind, details FROM audit_trail WHERE subject = $1 AND kind LIKE 'user.%' ORDER BY seq`,
    [targetEmail],
  );
  for (const r of rows) expect(r.details.second_factor_method).toBe('recovery_code');
  return rows.map((r) => r.kind);
}

describe('invitations', () => {
  test('an invitation link works once: the invited user chooses a password and is signed in', async () => {
    const res = await post('/api/users', { email: 'Newbie@Users.example', role: 'account_user', accounts: [acct.one] });
    expect(res.statusCode).toBe(200);
    const { user, inviteUrl, expiresAt } = res.json();
    expect(user).toMatchObject({
      email: 'newbie@users.example',
      role: 'account_user',
      accounts: [acct.one],
      invited: true,
      disabled: false,
    });
    expect(inviteUrl).toMatch(new RegExp(`^${t.config.publicUrl}/invite#[A-Za-z0-9_-]{40,}$`));
    expect(new Date(expiresAt).getTime()).toBeGreaterThan(Date.now() + 71 * 3600_000);
    // Stored hashed; the invited user cannot sign in with any password before accepting.
    const stored = await t.app.db.query<{ token_hash: string }>('SELECT token_hash FROM invitations');
    expect(stored.map((r) => r.token_hash)).not.toContain(tokenOf(inviteUrl));
    const early = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'newbie@users.example', password: '!invited' },
    });
    expect(early.statusCode).toBe(401);

    const accepted = await t.inject({
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token: tokenOf(inviteUrl), password: 'a good long password' },
    });
    expect(accepted.statusCode).toBe(200);
    expect(accepted.json()).toEqual({
      user: expect.objectContaining({ email: 'newbie@users.example', role: 'account_user' }),
    });
    const me = await t.inject({ method: 'GET', url: '/api/me', cookie: cookieOf(accepted) });
    expect(me.json().accounts).toEqual([acct.one]);

    const again = await t.inject({
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token: tokenOf(inviteUrl), password: 'another long password' },
    });
    expect(again.statusCode).toBe(400);
    expect(again.json().error).toMatchObject({ code: 'invitation_invalid', field: 'token' });
    expect(await auditActions('newbie@users.example')).toEqual(['user.invited']);
  });

  test('an expired invitation is refused; an existing email is a 409; memberships only for account users', async () => {
    const res = await post('/api/users', { email: 'late@users.example', role: 'support_agent' });
    await t.app.db.query(
      `UPDATE invitations SET expires_at = now() - interval '1 second' WHERE token_hash IS NOT NULL AND user_id = $1`,
      [res.json().user.id],
    );
    const late = await t.inject({
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token: tokenOf(res.json().inviteUrl), password: 'a good long password' },
    });
    expect(late.statusCode).toBe(400);

    expect((await post('/api/users', { email: 'late@users.example', role: 'account_user' })).statusCode).toBe(409);
    const agentWithAccount = await post('/api/users', {
      email: 'x@users.example',
      role: 'support_agent',
      accounts: [acct.one],
    });
    expect(agentWithAccount.statusCode).toBe(400);
    expect(agentWithAccount.json().error.field).toBe('accounts');
    // A membership names a connected account of the platform, not whatever was typed.
    const unknown = await post('/api/users', {
      email: 'y@users.example',
      role: 'account_user',
      accounts: ['acct_1NotOnThisPlatform'],
    });
    expect(unknown.statusCode).toBe(400);
    expect(unknown.json().error).toMatchObject({ code: 'unknown_account', field: 'accounts' });
    expect(unknown.json().error.message).toContain('acct_1NotOnThisPlatform');
    expect((await t.app.db.query(`SELECT 1 FROM users WHERE email = 'y@users.example'`)).length).toBe(0);
  });

  test('an invited support agent must enrol a second factor after accepting', async () => {
    const res = await post('/api/users', { email: 'agent@users.example', role: 'support_agent' });
    const accepted = await t.inject({
      method: 'POST',
      url: '/api/invitations/accept',
      payload: { token: tokenOf(res.json().inviteUrl), password: 'a good long password' },
    });
    expect(accepted.json()).toMatchObject({ secondFactorEnrollmentRequired: true });
    const cards = await t.inject({ method: 'GET', url: '/api/cards?q=4242', cookie: cookieOf(accepted) });
    expect(cards.json().error.code).toBe('second_factor_enrollment_required');
  });
});

describe('changes', () => {
  test('disabling a user ends their sessions at once; role and memberships change; each change audited', async () => {
    const member = await t.createUser('member@users.example', 'account_user', [acct.one]);
    const session = await t.login('member@users.example');
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie: session })).statusCode).toBe(200);

    const moved = await post(`/api/users/${member.id}`, { accounts: [acct.three, acct.two] });
    expect(moved.statusCode).toBe(200);
    expect(moved.json().accounts).toEqual([acct.two, acct.three]);
    const typo = await post(`/api/users/${member.id}`, { accounts: [acct.one, 'acct_1Typo'] });
    expect(typo.json().error).toMatchObject({ code: 'unknown_account', field: 'accounts' });

    const disabled = await post(`/api/users/${member.id}`, { disabled: true });
    expect(disabled.statusCode).toBe(200);
    expect(disabled.json().disabled).toBe(true);
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie: session })).statusCode).toBe(401);
    const signIn = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'member@users.example', password: TEST_PASSWORD },
    });
    expect(signIn.statusCode).toBe(401);

    const promoted = await post(`/api/users/${member.id}`, { disabled: false, role: 'support_agent' });
    expect(promoted.json()).toMatchObject({ role: 'support_agent', accounts: [], disabled: false });
    expect(await auditActions('member@users.example')).toEqual(['user.updated', 'user.disabled', 'user.updated']);
  });

  test('the last enabled admin can be neither demoted nor disabled; with a second admin, it can', async () => {
    const me = (await t.inject({ method: 'GET', url: '/api/me', cookie: admin })).json();
    const demote = await post(`/api/users/${me.user.id}`, { role: 'account_user' });
    expect(demote.statusCode).toBe(409);
    expect(demote.json().error.code).toBe('last_admin');
    expect((await post(`/api/users/${me.user.id}`, { disabled: true })).json().error.code).toBe('last_admin');

    const second = await t.createUser('second-admin@users.example', 'platform_admin');
    const ok = await post(`/api/users/${second.id}`, { role: 'support_agent' });
    expect(ok.statusCode).toBe(200);
  });

  test('resetting a second factor removes it and ends the sessions; the user enrols again at the next sign-in', async () => {
    const agent = await t.createUser('lost-phone@users.example', 'support_agent');
    const session = await t.login('lost-phone@users.example');
    const res = await post(`/api/users/${agent.id}/reset-second-factor`, {});
    expect(res.statusCode).toBe(200);
    expect(res.json().secondFactor).toEqual([]);
    expect((await t.inject({ method: 'GET', url: '/api/me', cookie: session })).statusCode).toBe(401);
    const next = await t.inject({
      method: 'POST',
      url: '/api/session',
      payload: { email: 'lost-phone@users.example', password: TEST_PASSWORD },
    });
    expect(next.json()).toMatchObject({ secondFactorEnrollmentRequired: true });
    expect(await auditActions('lost-phone@users.example')).toEqual(['user.second_factor_reset']);
  });

  test('every change needs a fresh second-factor check; unknown users are 404s', async () => {
    const user = await t.app.db.query<{ id: string }>(`SELECT id FROM users WHERE email = 'boss@users.example'`);
    const { token } = await t.app.sessions.issue(user[0]!.id, {
      state: 'complete',
      verifiedAt: Math.floor(Date.now() / 1000) - 301,
      method: 'totp',
    });
    const stale = `cid_session=${token}`;
    const refused = await post('/api/users', { email: 'y@users.example', role: 'account_user' }, stale);
    expect(refused.statusCode).toBe(403);
    expect(refused.json().error.code).toBe('step_up_required');
    // Reading the list needs none.
    expect((await t.inject({ method: 'GET', url: '/api/users', cookie: stale })).statusCode).toBe(200);
    expect((await post(`/api/users/usr_${'0'.repeat(32)}`, { disabled: true })).statusCode).toBe(404);
  });
});
