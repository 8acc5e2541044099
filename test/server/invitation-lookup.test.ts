// The invitation page asks what a link is for before a password is typed (issue 20, item 6):
// who invited the user, the role's label, the accounts by name, when the link expires, and the
// server's own password rule. A wrong, used or expired link gets one answer for all, the lookup
// is throttled with the acceptances, and looking up does not use the invitation.
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, expect, test } from 'vitest';
import { createInvitation } from '../../server/db/invitations.ts';
import { upsertAccounts } from '../../server/db/mirror.ts';
import { NO_PASSWORD, addMembership, createUser } from '../../server/db/users.ts';
import { INVITATION_FAILURES } from '../../server/domain/invitation-throttle.ts';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH, PASSWORD_RULE_TEXT } from '../../shared/password-rule.ts';
import { buildTestApp, type TestApp } from '../helpers/app.ts';
import { freePort } from '../helpers/stack.ts';

let t: TestApp;
let inviterId: string;

beforeAll(async () => {
  // Nothing listens on the emulator port: a lookup must not need Stripe (names come from the mirror).
  t = await buildTestApp({ EMULATOR_PORT: String(await freePort()) });
  inviterId = (await t.createUser('boss@lookup.example', 'platform_admin')).id;
  await upsertAccounts(t.app.db, [
    { accountId: 'acct_1Lookup', name: 'Harbour Bakery', data: { id: 'acct_1Lookup' }, version: 1 },
  ]);
});
afterAll(() => t.close());

/** An invited user and its link, as POST /api/users makes them. */
async function invite(email: string, role: 'account_user' | 'support_agent', accounts: string[] = [], hours = 72) {
  const user = await createUser(t.app.db, { email, passwordHash: NO_PASSWORD, role });
  for (const account of accounts) await addMembership(t.app.db, user.id, account);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + hours * 3600_000);
  await createInvitation(t.app.db, { token, userId: user.id, createdBy: inviterId, expiresAt });
  return { token, expiresAt, userId: user.id };
}

const lookup = (token: string, ip = '198.51.100.7') =>
  t.app.inject({
    method: 'POST',
    url: '/api/invitations/lookup',
    remoteAddress: ip,
    headers: { origin: t.config.publicUrl },
    payload: { token },
  });

test('a pending invitation says who invited whom, to which role and accounts, until when, and the password rule', async () => {
  const { token, expiresAt } = await invite('baker@lookup.example', 'account_user', [
    'acct_1Lookup',
    'acct_1NotMirrored',
  ]);
  const res = await lookup(token);
  expect(res.statusCode, res.body).toBe(200);
  expect(res.headers['cache-control']).toBe('no-store');
  expect(res.json()).toEqual({
    email: 'baker@lookup.example',
    invitedBy: 'boss@lookup.example',
    role: 'account_user',
    roleLabel: 'Account user',
    accountScope: 'memberships',
    accounts: [
      { id: 'acct_1Lookup', name: 'Harbour Bakery' },
      { id: 'acct_1NotMirrored', name: null },
    ],
    expiresAt: expiresAt.toISOString(),
    passwordRule: { minLength: PASSWORD_MIN_LENGTH, maxLength: PASSWORD_MAX_LENGTH, text: PASSWORD_RULE_TEXT },
  });
  expect(res.body).not.toContain(token);

  // Looking up does not use the link: it is accepted afterwards, once.
  expect((await lookup(token)).statusCode).toBe(200);
  const accepted = await t.inject({
    method: 'POST',
    url: '/api/invitations/accept',
    payload: { token, password: 'a long enough password' },
  });
  expect(accepted.statusCode, accepted.body).toBe(200);
  // Then it is spent, and says nothing more.
  expect((await lookup(token)).json().error.code).toBe('invitation_invalid');
});

test('a support agent’s invitation names its scope, not accounts', async () => {
  const { token } = await invite('agent@lookup.example', 'support_agent');
  expect((await lookup(token)).json()).toMatchObject({
    role: 'support_agent',
    roleLabel: 'Support agent',
    accountScope: 'lookup',
    accounts: [],
  });
});

test('unknown, expired and withdrawn links get the same answer; the password rule is the server’s', async () => {
  const expired = await invite('late@lookup.example', 'account_user', [], -1);
  const withdrawn = await invite('gone@lookup.example', 'account_user');
  await t.app.db.query('UPDATE users SET disabled = true WHERE id = $1', [withdrawn.userId]);
  const answers = await Promise.all(
    [randomBytes(32).toString('base64url'), expired.token, withdrawn.token].map(async (token) => {
      const res = await lookup(token, '198.51.100.8');
      return { status: res.statusCode, body: res.body };
    }),
  );
  expect(answers[0]!.status).toBe(400);
  expect(JSON.parse(answers[0]!.body).error).toMatchObject({ code: 'invitation_invalid', field: 'token' });
  expect(new Set(answers.map((a) => JSON.stringify(a))).size).toBe(1);
  expect(answers[0]!.body).not.toMatch(/late@|gone@/);

  // The server refuses a short password with the same numbers the page shows.
  const ok = await invite('short@lookup.example', 'account_user');
  const short = await t.inject({
    method: 'POST',
    url: '/api/invitations/accept',
    payload: { token: ok.token, password: 'x'.repeat(PASSWORD_MIN_LENGTH - 1) },
  });
  expect(short.json().error).toMatchObject({
    field: 'password',
    message: `Password is too short (at least ${PASSWORD_MIN_LENGTH} characters).`,
  });
  expect(PASSWORD_RULE_TEXT).toContain(`At least ${PASSWORD_MIN_LENGTH} characters`);
});

test('made-up links are throttled per address, lookups and acceptances together', async () => {
  const ip = '203.0.113.9';
  for (let i = 0; i < INVITATION_FAILURES.perAddress; i++) {
    expect((await lookup(randomBytes(32).toString('base64url'), ip)).statusCode).toBe(400);
  }
  const { token } = await invite('blocked@lookup.example', 'account_user');
  const blocked = await lookup(token, ip);
  expect(blocked.statusCode).toBe(429);
  expect(blocked.json().error.message).not.toContain('blocked@');
  const accept = await t.app.inject({
    method: 'POST',
    url: '/api/invitations/accept',
    remoteAddress: ip,
    headers: { origin: t.config.publicUrl },
    payload: { token, password: 'a long enough password' },
  });
  expect(accept.statusCode).toBe(429);
  // Another address is not held back.
  expect((await lookup(token, '203.0.113.10')).statusCode).toBe(200);
});
