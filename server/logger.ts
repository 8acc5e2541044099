// pino options: level from LOG_LEVEL, pretty only on a terminal, and redaction of every header
// and field that can carry a secret. Fastify's request serializer logs no headers or bodies,
// but anything logged explicitly (errors, objects) goes through these paths too.
import type { FastifyServerOptions } from 'fastify';

export const REDACT_PATHS = [
  'req.headers.authorization',
  'req.headers.cookie',
  'res.headers["set-cookie"]',
  'headers.authorization',
  'headers.cookie',
  'headers["set-cookie"]',
  '*.authorization',
  '*.cookie',
  '*["set-cookie"]',
  '*.password',
  '*.password_hash',
  '*.client_secret',
  '*.secret',
  '*.secretKey',
  '*.sessionSecret',
  '*.nonce',
  '*.ephemeralKeySecret',
  '*.number',
  '*.cvc',
  '*.pin',
  '*.encrypted_number',
  'err.raw.headers',
  'err.headers',
];

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  const pretty = !stream && process.stdout.isTTY;
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    ...(stream ? { stream } : {}),
    ...(pretty ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } } : {}),
  };
}
