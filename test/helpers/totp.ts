// TOTP codes for test sign-ins. The server accepts each time step of a user's factor once (and
// none older than the last one accepted), so signing the same user in twice within 30 s needs the
// next step's code, which it accepts one step ahead; a third sign-in in the same step waits for
// the clock. Remembered per app and user, within one test file.
import { totpCode } from '../../server/domain/totp.ts';
import { SECOND_FACTOR } from '../../shared/policy.ts';

const PERIOD_MS = SECOND_FACTOR.totp.periodSeconds * 1000;
const lastStep = new Map<string, number>();

/** A code of `secret` not handed out before for `key` (`appUrl|email`), waiting if need be. */
export async function nextTotpCode(key: string, secret: string): Promise<string> {
  for (;;) {
    const now = Date.now();
    const current = Math.floor(now / PERIOD_MS);
    const last = lastStep.get(key) ?? -Infinity;
    // One step ahead is inside the server's window (further is not); in a step's last two
    // seconds only the next one is, the current one may be past by the time the server checks.
    const candidates = now % PERIOD_MS > PERIOD_MS - 2000 ? [current + 1] : [current, current + 1];
    const step = candidates.find((s) => s > last);
    if (step !== undefined) {
      lastStep.set(key, step);
      return totpCode(secret, step * PERIOD_MS);
    }
    await new Promise((resolve) => setTimeout(resolve, PERIOD_MS - (now % PERIOD_MS) + 50));
  }
}
