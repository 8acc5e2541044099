// Runs the emulator alone: `npm run emulator`. EMULATOR_PORT (default 12111), HOST (default
// 127.0.0.1), EMULATOR_PUBLIC_URL (default http://localhost:<port>), LOG_LEVEL (default info),
// EMULATOR_FAULTS, EMULATOR_STATE_FILE, EMULATOR_WEBHOOK_URL + EMULATOR_WEBHOOK_SECRET (README).
import { buildEmulator, emulatorOptionsFromEnv, type BuildEmulatorOptions } from './app.ts';
import { API_VERSION } from './api/router.ts';

function port(): number {
  const raw = process.env.EMULATOR_PORT ?? '12111';
  const value = Number(raw);
  if (!Number.isInteger(value) || value < 0 || value > 65535) {
    console.error(`EMULATOR_PORT must be a port number (0-65535), got "${raw}"`);
    process.exit(1);
  }
  return value;
}

function envOptions(): BuildEmulatorOptions {
  try {
    const options = emulatorOptionsFromEnv(process.env);
    // Alone, nobody could read a generated secret back: ask for it.
    if (options.webhookUrl && !options.webhookSecret)
      throw new Error('EMULATOR_WEBHOOK_URL needs EMULATOR_WEBHOOK_SECRET (whsec_…)');
    return options;
  } catch (error) {
    console.error((error as Error).message);
    process.exit(1);
  }
}

const listenPort = port();
const host = process.env.HOST ?? '127.0.0.1';
const app = await buildEmulator({
  ...envOptions(),
  publicUrl: process.env.EMULATOR_PUBLIC_URL ?? `http://localhost:${listenPort}`,
  logger: { level: process.env.LOG_LEVEL ?? 'info' },
});

const shutdown = async (signal: string) => {
  app.log.info({ signal }, 'stopping the Stripe emulator');
  await app.close();
  process.exit(0);
};
process.once('SIGINT', () => void shutdown('SIGINT'));
process.once('SIGTERM', () => void shutdown('SIGTERM'));

const address = await app.listen({ port: listenPort, host });
console.log(`Stripe emulator listening on ${address} (API version ${API_VERSION})`);
console.log(
  `Point the SDK at it: new Stripe('sk_test_…', { host: '${host}', port: ${new URL(address).port}, protocol: 'http' })`,
);
