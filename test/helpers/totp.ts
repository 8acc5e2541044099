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

/**
 * Signs in through the API as a script would (POST /api/session, then POST /api/step-up with a
 * TOTP code when the answer asks for the second factor) and returns the `cid_session=…` cookie.
 */
export async function apiSignIn(appUrl: string, email: string, password: string, totpSecret: string): Promise<string> {
  const cookieOf = (res: Response) =>
    res.headers
      .getSetCookie()
      .map((c) => c.split(';')[0]!)
      .find((c) => /^cid_session=./.test(c));
  const login = await fetch(`${appUrl}/api/session`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: appUrl },
    body: JSON.stringify({ email, password }),
  });
  if (login.status !== 200) throw new Error(`sign-in failed: ${login.status} ${await login.text()}`);
  const cookie = cookieOf(login)!;
  if (!((await login.json()) as { secondFactorRequired?: boolean }).secondFactorRequired) return cookie;
  const step = await fetch(`${appUrl}/api/step-up`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', origin: appUrl, cookie },
    body: JSON.stringify({ method: 'totp', code: await nextTotpCode(`${appUrl}|${email.toLowerCase()}`, totpSecret) }),
  });
  if (step.status !== 200) throw new Error(`second factor failed: ${step.status} ${await step.text()}`);
  return cookieOf(step)!;
}
