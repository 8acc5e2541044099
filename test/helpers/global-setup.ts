// The end-to-end tests serve the built client, so build it once before any test file runs
// (skipped when dist/client is newer than the client's sources).
import { ensureClientBuilt } from '../../scripts/client-build.mjs';

export default async function setup(): Promise<void> {
  await ensureClientBuilt({ quiet: true });
}
