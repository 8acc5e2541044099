// pino options: level from LOG_LEVEL, pretty only on a terminal, and two layers against secrets
// in logs:
// 1. pino's redaction of the headers and fields known to carry secrets (REDACT_PATHS), plus the
//    same field names at any depth (SECRET_KEYS);
// 2. masking of every string that is logged (messages, error messages and stacks, URLs with
//    their query strings): secret-looking tokens (keys, client secrets, ephemeral key secrets,
//    nonces, webhook secrets, JWTs/JWEs such as session cookies) and card-like digit runs
//    (13-19 digits, spaces or dashes allowed between them), whatever field they hide in.
// Fastify's request serializer logs no headers or bodies; the one below also masks the URL.
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
  '*["stripe-signature"]',
  'password',
  '*.password',
  '*.password_hash',
  '*.client_secret',
  '*.secret',
  '*.secretKey',
  '*.sessionSecret',
  '*.webhookSecret',
  '*.nonce',
  '*.ephemeralKeySecret',
  '*.number',
  '*.cvc',
  '*.pin',
  '*.encrypted_number',
  '*.token',
  'err.raw.headers',
  'err.headers',
];

const CENSOR = '[redacted]';

/** Field names whose values are never logged, at any depth (compared lower-case). */
const SECRET_KEYS = new Set([
  'password',
  'password_hash',
  'passwordhash',
  'client_secret',
  'secret',
  'secretkey',
  'sessionsecret',
  'webhooksecret',
  'ephemeralkeysecret',
  'nonce',
  'number',
  'cvc',
  'pin',
  'encrypted_number',
  'token',
  'authorization',
  'cookie',
  'set-cookie',
  'stripe-signature',
]);

const SECRET_PATTERNS: RegExp[] = [
  // Stripe secret and restricted keys, ephemeral key secrets, webhook secrets.
  /\b(?:sk|rk|ek)_(?:test|live)_[A-Za-z0-9_]+/g,
  /\bwhsec_[A-Za-z0-9_]+/g,
  // Ephemeral key nonces (ephkn_pub_…), the emulator's Connect session tokens.
  /\bephkn_[A-Za-z0-9_]+/g,
  /\bemcs_[A-Za-z0-9_]+/g,
  // Client secrets: accs_secret__…, pi_…_secret_…, seti_…_secret_….
  /\b[A-Za-z0-9_]*_secret_[A-Za-z0-9_]+/g,
  // JWTs and compact JWEs (session cookies, encrypted PINs).
  /\beyJ[A-Za-z0-9_-]*(?:\.[A-Za-z0-9_-]*){2,4}/g,
  // Card-like: 13 to 19 digits, optionally grouped by single spaces or dashes.
  /(?<![0-9])[0-9](?:[ -]?[0-9]){12,18}(?![0-9])/g,
];

/** A string with every secret-looking token and card-like number replaced. */
export function maskString(value: string): string {
  let out = value;
  for (const pattern of SECRET_PATTERNS) out = out.replace(pattern, CENSOR);
  return out;
}

const MAX_DEPTH = 8;

function maskError(error: Error, depth: number): Record<string, unknown> {
  const own = maskObject(error as unknown as Record<string, unknown>, depth);
  return {
    ...own,
    type: error.name,
    message: maskString(error.message),
    ...(error.stack ? { stack: maskString(error.stack) } : {}),
  };
}

function maskObject(value: Record<string, unknown>, depth: number): Record<string, unknown> {
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] =
      SECRET_KEYS.has(key.toLowerCase()) && v !== null && v !== undefined && v !== ''
        ? CENSOR
        : maskValue(v, depth + 1);
  }
  return out;
}

/** A copy of a logged value with secrets masked; class instances other than errors are left to their serializers. */
export function maskValue(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return maskString(value);
  if (value === null || typeof value !== 'object' || depth > MAX_DEPTH) return value;
  if (value instanceof Error) return maskError(value, depth);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, depth + 1));
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return value;
  return maskObject(value as Record<string, unknown>, depth);
}

interface LoggableRequest {
  method: string;
  url: string;
  host?: string;
  ip?: string;
  socket?: { remotePort?: number };
}

export function loggerOptions(level: string, stream?: NodeJS.WritableStream): FastifyServerOptions['logger'] {
  const pretty = !stream && process.stdout.isTTY;
  return {
    level,
    redact: { paths: REDACT_PATHS, censor: CENSOR },
    formatters: {
      // Runs before the serializers: masks what handlers log (objects, errors). Fastify's own
      // `req`/`res` objects go through the serializers below instead.
      log: (object) => {
        const out: Record<string, unknown> = {};
        for (const [key, value] of Object.entries(object)) {
          out[key] =
            key === 'req' || key === 'res' ? value : SECRET_KEYS.has(key.toLowerCase()) ? CENSOR : maskValue(value);
        }
        return out;
      },
    },
    serializers: {
      // Fastify's default request serializer, with the URL (and its query string) masked.
      req: (req: LoggableRequest) => ({
        method: req.method,
        url: maskString(req.url),
        host: req.host,
        remoteAddress: req.ip,
        remotePort: req.socket?.remotePort,
      }),
    },
    hooks: {
      // The message string itself (`log.info('… %s', value)` or a plain message).
      logMethod(args, method) {
        method.apply(this, args.map((a) => (typeof a === 'string' ? maskString(a) : a)) as Parameters<typeof method>);
      },
    },
    ...(stream ? { stream } : {}),
    ...(pretty
      ? { transport: { target: 'pino-pretty', options: { translateTime: 'HH:MM:ss', ignore: 'pid,hostname' } } }
      : {}),
  };
}
