// Secrets in logs. Every security suite scans the logs of both servers (app and emulator) for the
// secrets it met (stack.leakedSecrets() in each afterAll); this suite goes looking for trouble:
// it puts secrets where a log line could pick them up (URLs, failing Stripe calls, bad bodies,
// signatures) and then scans everything logged, at debug level.
import { expect } from 'vitest';
import { maskString, maskValue } from '../../server/logger.ts';
import { securityTest } from '../helpers/fixtures.ts';
import { encryptedPin, nonceFor, signedEvent, uniqueEventId } from './probes.ts';
import { EMAIL, summary } from './stack.ts';

// No scan at the end: this suite scans the logs itself, with the secrets it planted.
const test = securityTest();

test('masking: secret-looking tokens and card-like numbers, wherever they appear in a string', () => {
  const samples = {
    sk_test_51Habc: 'key sk_test_51Habc in a message',
    ek_test_YWNjdF8x: 'Bearer ek_test_YWNjdF8x',
    ephkn_pub_abc123: 'nonce=ephkn_pub_abc123&x=1',
    accs_secret__abc: '{"client_secret":"accs_secret__abc"}',
    pi_123_secret_456: 'url?client_secret=pi_123_secret_456',
    whsec_abc: 'secret whsec_abc',
    'eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.sig': 'cid_session=eyJhbGciOiJIUzI1NiJ9.eyJzaWQiOiJ4In0.sig',
    '4000056655665556': 'card 4000056655665556 declined',
    '4000 0566 5566 5556': 'card 4000 0566 5566 5556',
    '4000-0566-5566-5556': 'card 4000-0566-5566-5556',
  };
  for (const [secret, text] of Object.entries(samples)) {
    expect(maskString(text)).not.toContain(secret);
    expect(maskString(text)).toContain('[redacted]');
  }
  expect(maskString('last4 4242, amount 1500, card ic_1Abc')).toBe('last4 4242, amount 1500, card ic_1Abc');
  const error = Object.assign(new Error('No such nonce: ephkn_pub_leak'), {
    param: 'nonce',
    raw: { message: 'ephkn_pub_leak' },
  });
  expect(
    JSON.stringify(maskValue({ err: error, deep: { a: { b: { password: 'hunter2', number: '4242424242424242' } } } })),
  ).not.toMatch(/ephkn_pub_leak|hunter2|4242424242424242/);
});

test('requests that carry secrets into URLs, errors, bodies and headers leave none in any log line', async ({
  stack,
  world,
}) => {
  const admin = await stack.loginCookie(EMAIL.platform_admin);
  const member = await stack.loginCookie(EMAIL.account_user);
  const number = stack.emulator.store.accountData(world.own.account).cardSecrets.get(world.own.virtualCard.id)!.number;
  const send = async (
    method: 'GET' | 'POST' | 'DELETE',
    url: string,
    cookie?: string,
    payload?: unknown,
    headers: Record<string, string> = {},
  ) => {
    const res = await stack.app.inject({
      method,
      url,
      headers: { origin: stack.appUrl, ...(cookie ? { cookie } : {}), ...headers },
      ...(payload !== undefined ? { payload: payload as string } : {}),
    });
    stack.trackBody(res.body);
    return res;
  };

  // A card number and a secret key typed into the lookup box (they end up in the request URL).
  await send('GET', `/api/cards?q=${number}`, admin);
  await send('GET', `/api/accounts?q=${encodeURIComponent('sk_test_typedIntoSearch123')}`, admin);
  stack.track('sk_test_typedIntoSearch123');
  // A nonce Stripe refuses (made for another card): Stripe's error text may name it.
  const foreignNonce = await nonceFor(stack, world.own.physicalCard.id, world.own.account);
  await send('POST', '/api/ephemeral-keys', admin, {
    card_id: world.own.virtualCard.id,
    nonce: foreignNonce,
    reason: 'log scan',
  });
  // A granted reveal: the key secret goes to the browser only.
  const granted = await send('POST', '/api/ephemeral-keys', admin, {
    card_id: world.own.virtualCard.id,
    nonce: await nonceFor(stack, world.own.virtualCard.id, world.own.account),
    reason: 'log scan',
  });
  expect(granted.statusCode).toBe(200);
  // Account Session client secrets.
  await send('POST', '/api/account-sessions', admin, { account: world.own.account });
  // Passwords: right, wrong, and inside a body the schema refuses.
  await send('POST', '/api/session', undefined, { email: EMAIL.platform_admin, password: 'wrong-password-123' });
  await send('POST', '/api/session', undefined, {
    email: EMAIL.platform_admin,
    password: 'demo1234',
    password_confirm: 'other-secret-456',
  });
  stack.track('wrong-password-123', 'other-secret-456');
  // A PIN as a JWE, to a card of the account user, and a malformed one.
  await send('POST', `/api/cards/${world.own.physicalCard.id}/pin`, member, {
    encrypted_number: await encryptedPin(stack, '9876'),
  });
  await send('POST', `/api/cards/${world.own.physicalCard.id}/pin`, member, { encrypted_number: `${number}.x.y.z.w` });
  // A card number sent as a webhook body and a signature header.
  const hook = signedEvent(stack, {
    id: uniqueEventId(),
    type: 'issuing_card.updated',
    data: { object: { id: 'ic_x', object: 'issuing.card', number } },
  });
  await send('POST', hook.url, undefined, hook.payload, hook.headers);
  await send('POST', hook.url, undefined, hook.payload, {
    ...hook.headers,
    'stripe-signature': `t=1,v1=${'a'.repeat(64)}`,
  });
  // Sign-out with a token.
  await send('DELETE', '/api/session', member);

  await stack.emulator.emulator.webhooks.dispatcher.idle();
  const logs = stack.appLogs() + stack.emulatorLogs();
  expect(stack.appLogs().split('\n').length).toBeGreaterThan(30);
  expect(logs).toContain('[redacted]');
  const leaked = stack.leakedSecrets();
  summary('log scan', {
    appLogLines: stack.appLogs().split('\n').length - 1,
    emulatorLogLines: stack.emulatorLogs().split('\n').length - 1,
    leaked: leaked.length,
  });
  expect(leaked).toEqual([]);
  // And the generic patterns, whether or not a test saw the value.
  expect(logs).not.toMatch(
    /\b(?:sk|rk|ek)_(?:test|live)_[A-Za-z0-9]{6,}|ephkn_[A-Za-z0-9_]{6,}|_secret_[A-Za-z0-9]{6,}|whsec_[A-Za-z0-9]{6,}|eyJ[\w-]{10,}\.[\w-]{10,}/,
  );
  // (pino's "time" (13-digit milliseconds) and "responseTime" are not cards.)
  const digitRuns =
    logs.replace(/"(?:time|responseTime)":[0-9.]+/g, '').match(/.{0,120}(?<![0-9])[0-9]{13,19}(?![0-9]).{0,40}/g) ?? [];
  expect(digitRuns).toEqual([]);
});
