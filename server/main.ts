// The process: read the config, start the emulator (emulator mode) and the app side by side,
// seed the demo users (they need both), listen; print where to go. SIGINT/SIGTERM drain: the
// app stops accepting, finishes the requests in flight, then both servers close. Besides
// config.ts, the only file that knows the emulator exists.
import { randomBytes } from 'node:crypto';
import type { FastifyInstance } from 'fastify';
import type { EmulatorApp } from '../emulator/app.ts';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { DEMO_PASSWORD, DEMO_TOTP_SECRET, DEMO_USERS, seedDemoUsers } from './db/demo-users.ts';
import { loggerOptions } from './logger.ts';
import { createStripeClient } from './plugins/app/stripe.ts';

/**
 * The webhook secret the app verifies events with: STRIPE_WEBHOOK_SECRET when set (stripe mode:
 * the secret of the endpoint the platform registered on Stripe); in emulator mode without it, a
 * new one per start, which the emulator signs its deliveries with (docs/decisions/012-webhooks.md).
 */
function webhookSecretFor(config: Config): string | undefined {
  // An emulator of its own process signs with the secret it was given: the same STRIPE_WEBHOOK_SECRET.
  if (config.stripe.webhookSecret || !config.emulator || config.emulator.external) return config.stripe.webhookSecret;
  return process.env.EMULATOR_WEBHOOK_SECRET?.trim() || `whsec_${randomBytes(24).toString('hex')}`;
}

async function startEmulator(config: Config): Promise<FastifyInstance | undefined> {
  // EMULATOR_API_URL: the emulator runs in its own process, shared by several instances.
  if (!config.emulator || config.emulator.external) return undefined;
  const { buildEmulator, emulatorOptionsFromEnv } = await import('../emulator/app.ts');
  // The emulator runs beside the app, in this process: it delivers to the app's own listener
  // (PUBLIC_URL may name a proxy in front of it). EMULATOR_WEBHOOK_URL / _SECRET override.
  const localApp = `http://${config.emulator.apiHost}:${config.port}`;
  const emulator = await buildEmulator({
    publicUrl: config.emulator.publicUrl,
    logger: loggerOptions(config.logLevel),
    webhookUrl: `${localApp}/webhooks/stripe`,
    ...(config.stripe.webhookSecret ? { webhookSecret: config.stripe.webhookSecret } : {}),
    // The real-time authorization endpoint, set where Stripe sets it (the Issuing settings), on
    // the same route and secret (EMULATOR_AUTHORIZATION_WEBHOOK_URL / _SECRET override).
    authorizationWebhookUrl: `${localApp}/webhooks/stripe`,
    ...(config.stripe.authorizationWebhookSecret
      ? { authorizationWebhookSecret: config.stripe.authorizationWebhookSecret }
      : {}),
    // EMULATOR_STATE_FILE, EMULATOR_FAULTS, EMULATOR_WEBHOOK_URL, EMULATOR_WEBHOOK_SECRET.
    ...emulatorOptionsFromEnv(process.env),
  });
  await emulator.listen({ port: config.emulator.port, host: config.host });
  await dropStaleWebhookEndpoints(emulator, config);
  return emulator;
}

/**
 * With EMULATOR_STATE_FILE the endpoints registered by earlier starts (each with its own
 * per-start secret, perhaps another port) are still there and would fail every delivery: remove
 * them (the emulator describes start-up endpoints as EMULATOR_WEBHOOK_URL…), through the API as
 * one would on Stripe.
 */
async function dropStaleWebhookEndpoints(emulator: EmulatorApp, config: Config): Promise<void> {
  const current = emulator.emulator.startupWebhook;
  if (!current) return;
  const stripe = createStripeClient(config);
  for await (const endpoint of stripe.webhookEndpoints.list({ limit: 100 })) {
    const fromStartUp = endpoint.url === current.url || endpoint.description?.startsWith('EMULATOR_WEBHOOK_URL');
    if (fromStartUp && !current.endpointIds.includes(endpoint.id)) await stripe.webhookEndpoints.del(endpoint.id);
  }
}

async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig();
  } catch (error) {
    if (error instanceof ConfigError) {
      console.error(`Configuration error: ${error.message}`);
      process.exit(1);
    }
    throw error;
  }
  config = { ...config, stripe: { ...config.stripe, webhookSecret: webhookSecretFor(config) } };

  // The emulator and the app's database (PGlite loads a WebAssembly Postgres) start side by
  // side: cold start is the slower of the two, not their sum.
  const [emulator, app] = await Promise.all([
    startEmulator(config),
    buildApp(config, {
      server: {
        connectionTimeout: 30_000,
        keepAliveTimeout: 72_000,
        requestTimeout: 60_000,
        // Behind a reverse proxy: the client's address (sign-in throttling per IP, the audit) from X-Forwarded-For.
        ...(config.trustProxy !== undefined ? { trustProxy: config.trustProxy } : {}),
      },
    }).then(async (built) => {
      await built.ready();
      return built;
    }),
  ]);
  if (config.mode === 'emulator') await seedDemoUsers(app);
  await app.listen({ port: config.port, host: config.host });

  const lines = [`Connect Issuing Dashboard (${config.mode} mode): ${config.publicUrl}`];
  if (config.emulator) {
    lines.push(`Stripe emulator: ${config.emulator.publicUrl}`);
    lines.push(
      `Demo logins (password ${DEMO_PASSWORD}): ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(', ')}`,
    );
    lines.push(
      `Demo second factor of ${DEMO_USERS.filter((u) => u.totp)
        .map((u) => u.email)
        .join(' and ')}: TOTP secret ${DEMO_TOTP_SECRET} ` +
        `(SHA-1, 6 digits, 30 s): add it to any authenticator app, or run oathtool --totp -b ${DEMO_TOTP_SECRET}`,
    );
  }
  console.log(lines.join('\n'));

  let closing = false;
  const shutdown = async (signal: string) => {
    if (closing) return;
    closing = true;
    app.log.info({ signal }, 'shutting down');
    // Requests in flight get a grace period; after it the process ends regardless.
    const force = setTimeout(() => process.exit(1), 10_000);
    force.unref();
    try {
      await app.close();
      await emulator?.close();
      process.exit(0);
    } catch (err) {
      app.log.error({ err }, 'shutdown failed');
      process.exit(1);
    }
  };
  process.once('SIGINT', () => void shutdown('SIGINT'));
  process.once('SIGTERM', () => void shutdown('SIGTERM'));
}

try {
  await main();
} catch (error) {
  // A taken port or an unreachable database: say what failed, without a stack trace to wade through.
  const message = error instanceof Error ? error.message : String(error);
  console.error(`Failed to start: ${message}`);
  process.exit(1);
}
