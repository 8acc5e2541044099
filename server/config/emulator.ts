// The emulator, in emulator mode: started beside the app (EMULATOR_PORT), or already running in
// a process of its own (EMULATOR_API_URL), and its origin as the browser sees it.
import type { Config, Mode } from '../config.ts';
import { ConfigError, origin, port, read, type Env } from './read.ts';

export function emulatorFrom(env: Env, mode: Mode, host: string): Config['emulator'] {
  if (mode !== 'emulator') return undefined;
  const emulatorPort = port(env, 'EMULATOR_PORT', 12111);
  const apiUrl = read(env, 'EMULATOR_API_URL');
  if (apiUrl !== undefined) {
    const url = new URL(origin(env, 'EMULATOR_API_URL', apiUrl));
    if (url.protocol !== 'http:')
      throw new ConfigError(
        'EMULATOR_API_URL',
        `must be an http:// URL (the emulator serves plain HTTP), got "${apiUrl}"`,
      );
    return {
      port: Number(url.port || 80),
      apiHost: url.hostname,
      publicUrl: origin(env, 'EMULATOR_PUBLIC_URL', url.origin),
      external: true,
    };
  }
  return {
    port: emulatorPort,
    // A wildcard bind address is not something to connect to; the emulator runs beside us.
    apiHost: host === '0.0.0.0' || host === '::' ? '127.0.0.1' : host,
    publicUrl: origin(env, 'EMULATOR_PUBLIC_URL', `http://localhost:${emulatorPort}`),
    external: false,
  };
}
