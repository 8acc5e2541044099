import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';

// One runner for everything `npm test` covers: unit and integration (app.inject and the
// emulator over real HTTP), emulator conformance, security suites and end-to-end flows in
// Debian's Chromium. Each test file starts its own servers on ephemeral ports, so files can
// run in parallel; the machine has two cores, hence two workers.
export default defineConfig({
  // Tests import client modules, which reach shared/ as '@shared/…' (vite.config.ts).
  resolve: { alias: { '@shared': fileURLToPath(new URL('./shared', import.meta.url)) } },
  test: {
    include: ['test/**/*.test.ts'],
    environment: 'node',
    testTimeout: 30_000,
    hookTimeout: 60_000,
    maxWorkers: 2,
    globalSetup: ['test/helpers/global-setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
  },
});
