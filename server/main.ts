// The process: read the config, start the emulator (emulator mode) and the app side by side,
// seed the demo users (they need both), listen; print where to go. SIGINT/SIGTERM drain: the
// app stops accepting, finishes the requests in flight, then both servers close. Besides
// config.ts, the only file that knows the emulator exists.
import type { FastifyInstance } from 'fastify';
import { buildApp } from './app.ts';
import { ConfigError, loadConfig, type Config } from './config.ts';
import { DEMO_PASSWORD, DEMO_USERS, seedDemoUsers } from './db/demo-users.ts';
import { loggerOptions } from './logger.ts';

async function startEmulator(config: Config): Promise<FastifyInstance | undefined> {
  if (!config.emulator) return undefined;
  const { buildEmulator } = await import('../emulator/app.ts');
  const emulator = await buildEmulator({ publicUrl: config.emulator.publicUrl, logger: loggerOptions(config.logLevel) });
  await emulator.listen({ port: config.emulator.port, host: config.host });
  return emulator;
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

  // The emulator and the app's database (PGlite loads a WebAssembly Postgres) start side by
  // side: cold start is the slower of the two, not their sum.
  const [emulator, app] = await Promise.all([
    startEmulator(config),
    buildApp(config, {
      server: { connectionTimeout: 30_000, keepAliveTimeout: 72_000, requestTimeout: 60_000 },
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
    lines.push(`Demo logins (password ${DEMO_PASSWORD}): ${DEMO_USERS.map((u) => `${u.email} (${u.role})`).join(', ')}`);
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
