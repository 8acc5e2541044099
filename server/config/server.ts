// Where the app listens and how the browser reaches it: HOST, PORT, PUBLIC_URL,
// ALLOWED_ORIGINS, LOG_LEVEL, TRUST_PROXY.
import type { Config } from '../config.ts';
import { ConfigError, origin, port, read, type Env } from './read.ts';

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'];

export function serverFrom(
  env: Env,
): Pick<Config, 'host' | 'port' | 'publicUrl' | 'allowedOrigins' | 'secureCookies' | 'logLevel'> {
  const host = read(env, 'HOST') ?? '127.0.0.1';
  const appPort = port(env, 'PORT', 3000);
  const publicUrl = origin(env, 'PUBLIC_URL', `http://localhost:${appPort}`);

  const allowedOrigins = (read(env, 'ALLOWED_ORIGINS') ?? '')
    .split(',')
    .map((o) => o.trim())
    .filter(Boolean)
    .map((o, i) => {
      const parsed = origin({ [`ALLOWED_ORIGINS[${i}]`]: o }, `ALLOWED_ORIGINS[${i}]`, o);
      // An origin is scheme, host and port: anything more would never match an Origin header.
      const url = new URL(o);
      if (url.pathname !== '/' || url.search || url.hash)
        throw new ConfigError('ALLOWED_ORIGINS', `"${o}" is not an origin (scheme://host[:port], nothing after it)`);
      return parsed;
    });

  const logLevel = read(env, 'LOG_LEVEL') ?? 'info';
  if (!LOG_LEVELS.includes(logLevel)) throw new ConfigError('LOG_LEVEL', `must be one of ${LOG_LEVELS.join(', ')}`);

  return { host, port: appPort, publicUrl, allowedOrigins, secureCookies: !publicUrl.startsWith('http://'), logLevel };
}

export function trustProxyFrom(env: Env): string | undefined {
  const trustProxy = read(env, 'TRUST_PROXY');
  if (trustProxy !== undefined && !/^[\w.:/]+(\s*,\s*[\w.:/]+)*$/.test(trustProxy)) {
    throw new ConfigError(
      'TRUST_PROXY',
      `must be comma-separated addresses/CIDRs (loopback, uniquelocal, 10.0.0.0/8…), got "${trustProxy}"`,
    );
  }
  return trustProxy;
}
