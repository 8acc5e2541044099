// Reading one environment variable: trimmed, blank counts as unset; and the parsers the config's
// sections share, each failing with a ConfigError that names the variable.
export type Env = Record<string, string | undefined>;

export class ConfigError extends Error {
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

export function read(env: Env, name: string): string | undefined {
  const value = env[name];
  return value === undefined || value.trim() === '' ? undefined : value.trim();
}

/**
 * A whole number within [min, max], or undefined when unset. `what` names it in the error
 * ("must be a whole number of seconds (1-3600), got …"); `orOff` for variables that also take
 * `off`, which the caller reads first.
 */
export function wholeNumber(
  env: Env,
  name: string,
  { min, max, what = 'a whole number', orOff = false }: { min: number; max: number; what?: string; orOff?: boolean },
): number | undefined {
  const raw = read(env, name);
  if (raw === undefined) return undefined;
  const value = Number(raw);
  if (!/^\d+$/.test(raw) || value < min || value > max) {
    throw new ConfigError(name, `must be ${what} (${min}-${max})${orOff ? ' or off' : ''}, got "${raw}"`);
  }
  return value;
}

export function port(env: Env, name: string, fallback: number): number {
  return wholeNumber(env, name, { min: 0, max: 65535, what: 'a port number' }) ?? fallback;
}

/** `true` or `false`, or undefined when unset. */
export function trueOrFalse(env: Env, name: string): boolean | undefined {
  const raw = read(env, name);
  if (raw !== undefined && raw !== 'true' && raw !== 'false')
    throw new ConfigError(name, `must be true or false, got "${raw}"`);
  return raw === undefined ? undefined : raw === 'true';
}

/** An http(s) URL's origin: only the origin matters (Origin header, CSP); a path would never match. */
export function origin(env: Env, name: string, fallback: string): string {
  const raw = read(env, name) ?? fallback;
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw new ConfigError(name, `must be an absolute http(s) URL, got "${raw}"`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw new ConfigError(name, `must be an http(s) URL, got "${raw}"`);
  }
  return url.origin;
}
