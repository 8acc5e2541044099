import { describe, expect, test } from 'vitest';
import { ConfigError, browserConfig, loadConfig } from '../../server/config.ts';

describe('loadConfig', () => {
  test('no Stripe keys: emulator mode with the documented defaults', () => {
    const config = loadConfig({});
    expect(config.mode).toBe('emulator');
    expect(config.port).toBe(3000);
    expect(config.host).toBe('127.0.0.1');
    expect(config.publicUrl).toBe('http://localhost:3000');
    expect(config.emulator).toEqual({
      port: 12111,
      apiHost: '127.0.0.1',
      publicUrl: 'http://localhost:12111',
      external: false,
    });
    expect(config.database).toEqual({ kind: 'pglite', dir: 'data/pglite' });
    expect(config.secureCookies).toBe(false);
  });

  test("STRIPE_MAX_RPS: 80 % of Stripe's documented global limit for the key's mode by default, a number, or off; anything else is refused naming it", () => {
    const stripeMode = {
      STRIPE_PUBLISHABLE_KEY: 'pk_test_abc',
      SESSION_SECRET: 'x'.repeat(32),
      DATABASE_URL: 'postgres://u:p@db/x',
    };
    expect(loadConfig({}).stripe.maxRequestsPerSecond).toBe(20);
    expect(loadConfig({ ...stripeMode, STRIPE_SECRET_KEY: 'sk_test_abc' }).stripe.maxRequestsPerSecond).toBe(20);
    expect(loadConfig({ ...stripeMode, STRIPE_SECRET_KEY: 'sk_live_abc' }).stripe.maxRequestsPerSecond).toBe(80);
    expect(loadConfig({ ...stripeMode, STRIPE_SECRET_KEY: 'rk_live_abc' }).stripe.maxRequestsPerSecond).toBe(80);
    expect(
      loadConfig({ ...stripeMode, STRIPE_SECRET_KEY: 'sk_live_abc', STRIPE_MAX_RPS: '30' }).stripe.maxRequestsPerSecond,
    ).toBe(30);
    expect(loadConfig({ STRIPE_MAX_RPS: 'off' }).stripe.maxRequestsPerSecond).toBeUndefined();
    // The emulator's own limits switched off: nothing to pace to.
    expect(loadConfig({ EMULATOR_RATE_LIMITS: 'off' }).stripe.maxRequestsPerSecond).toBeUndefined();
    for (const bad of ['0', '2.5', 'fast', '-1']) {
      expect(() => loadConfig({ STRIPE_MAX_RPS: bad })).toThrow(ConfigError);
      expect(() => loadConfig({ STRIPE_MAX_RPS: bad })).toThrow(/STRIPE_MAX_RPS/);
    }
  });

  test('both keys and a session secret: stripe mode, no emulator', () => {
    const config = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_abc',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_abc',
      SESSION_SECRET: 'x'.repeat(32),
      PUBLIC_URL: 'https://dash.example.com/',
      DATABASE_URL: 'postgres://u:p@db/x',
    });
    expect(config.mode).toBe('stripe');
    expect(config.emulator).toBeUndefined();
    expect(config.publicUrl).toBe('https://dash.example.com');
    expect(config.secureCookies).toBe(true);
    expect(config.database).toEqual({ kind: 'postgres', url: 'postgres://u:p@db/x' });
  });

  test('EMULATOR_API_URL: the emulator runs in its own process there (several instances share it)', () => {
    expect(loadConfig({ EMULATOR_API_URL: 'http://emulator:12111' }).emulator).toEqual({
      port: 12111,
      apiHost: 'emulator',
      publicUrl: 'http://emulator:12111',
      external: true,
    });
    expect(() => loadConfig({ EMULATOR_API_URL: 'https://emulator:12111' })).toThrow(/EMULATOR_API_URL/);
    expect(() => loadConfig({ EMULATOR_API_URL: 'not a url' })).toThrow(/EMULATOR_API_URL/);
  });

  test('TRUST_PROXY: the addresses whose X-Forwarded-For is believed; anything else is refused by name', () => {
    expect(loadConfig({ TRUST_PROXY: 'loopback, 10.0.0.0/8' }).trustProxy).toBe('loopback, 10.0.0.0/8');
    expect(loadConfig({}).trustProxy).toBeUndefined();
    expect(() => loadConfig({ TRUST_PROXY: 'loopback; rm -rf' })).toThrow(/TRUST_PROXY/);
  });

  test('a wildcard bind address still lets the SDK reach the emulator on loopback', () => {
    expect(loadConfig({ HOST: '0.0.0.0' }).emulator?.apiHost).toBe('127.0.0.1');
  });

  test.each([
    [{ STRIPE_SECRET_KEY: 'sk_test_abc' }, 'STRIPE_PUBLISHABLE_KEY'],
    [{ STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }, 'STRIPE_SECRET_KEY'],
    [{ STRIPE_SECRET_KEY: 'sk_test_abc', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc' }, 'SESSION_SECRET'],
    [
      { STRIPE_SECRET_KEY: 'pk_test_abc', STRIPE_PUBLISHABLE_KEY: 'pk_test_abc', SESSION_SECRET: 'x'.repeat(32) },
      'STRIPE_SECRET_KEY',
    ],
    [{ SESSION_SECRET: 'short' }, 'SESSION_SECRET'],
    [{ PORT: 'eighty' }, 'PORT'],
    [{ PORT: '70000' }, 'PORT'],
    [{ EMULATOR_PORT: '-1' }, 'EMULATOR_PORT'],
    [{ PUBLIC_URL: 'localhost:3000' }, 'PUBLIC_URL'],
    [{ EMULATOR_PUBLIC_URL: 'ftp://x' }, 'EMULATOR_PUBLIC_URL'],
    [{ DATABASE_URL: 'mysql://x' }, 'DATABASE_URL'],
    [{ LOG_LEVEL: 'loud' }, 'LOG_LEVEL'],
    [{ STRIPE_WEBHOOK_SECRET: 'nope' }, 'STRIPE_WEBHOOK_SECRET'],
  ])('%j fails naming %s', (env, variable) => {
    let error: unknown;
    try {
      loadConfig(env);
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    expect((error as ConfigError).variable).toBe(variable);
    expect((error as Error).message).toContain(variable);
  });

  test('the browser gets mode, publishable key, API version and the emulator URL, and no secret', () => {
    const stripeMode = loadConfig({
      STRIPE_SECRET_KEY: 'sk_test_secret123',
      STRIPE_PUBLISHABLE_KEY: 'pk_test_pub',
      SESSION_SECRET: 's'.repeat(40),
      STRIPE_WEBHOOK_SECRET: 'whsec_abc',
    });
    const exposed = browserConfig(stripeMode);
    expect(Object.keys(exposed).sort()).toEqual(['apiVersion', 'issuingKeyUrl', 'mode', 'publishableKey', 'signIn']);
    expect(exposed.issuingKeyUrl).toBe('https://issuing-key.stripe.com/v1/keys');
    expect(JSON.stringify(exposed)).not.toMatch(/sk_test|whsec_|ssss/);
    expect(browserConfig(loadConfig({ EMULATOR_PUBLIC_URL: 'http://emu:9' })).emulatorUrl).toBe('http://emu:9');
  });
});
