// Redaction: whatever a handler or an error logs, secrets come out as [redacted].
import { Writable } from 'node:stream';
import Fastify from 'fastify';
import { expect, test } from 'vitest';
import { loggerOptions } from '../../server/logger.ts';

test('secret-bearing fields and headers are redacted from log lines', async () => {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk, _e, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const app = Fastify({ logger: loggerOptions('info', stream) });
  await app.ready();
  app.log.info(
    {
      headers: {
        authorization: 'Bearer sk_test_SECRETKEY',
        cookie: 'cid_session=TOKEN',
        'set-cookie': 'cid_session=TOKEN2',
      },
      body: { password: 'hunter22', nonce: 'ephkn_pub_NONCE', reason: 'kept' },
      key: { ephemeralKeySecret: 'ek_test_EKSECRET', secret: 'ek_test_OTHER' },
      session: { client_secret: 'accs_secret_CS' },
      card: { number: '4242424242424242', cvc: '123', last4: '4242' },
    },
    'something happened',
  );
  await app.close();
  const out = lines.join('');
  for (const secret of [
    'sk_test_SECRETKEY',
    'TOKEN',
    'hunter22',
    'ephkn_pub_NONCE',
    'ek_test_',
    'accs_secret_CS',
    '4242424242424242',
    '"123"',
  ]) {
    expect(out).not.toContain(secret);
  }
  expect(out).toContain('[redacted]');
  expect(out).toContain('kept');
  expect(out).toContain('"last4":"4242"');
});
