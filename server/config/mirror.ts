// The mirror's timings (docs/decisions/148-mirror.md).
import type { Config } from '../config.ts';
import { wholeNumber, type Env } from './read.ts';

export function mirrorFrom(env: Env): NonNullable<Config['mirror']> {
  return {
    reconcileSeconds: wholeNumber(env, 'MIRROR_RECONCILE_SECONDS', { min: 1, max: 86_400 }) ?? 300,
    accountsPerPass: wholeNumber(env, 'MIRROR_RECONCILE_ACCOUNTS', { min: 1, max: 100_000 }) ?? 500,
    staleSeconds: wholeNumber(env, 'MIRROR_STALE_SECONDS', { min: 1, max: 86_400 * 30 }) ?? 600,
  };
}
