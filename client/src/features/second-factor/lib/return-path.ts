// The page the Security page sends a user back to once a second factor is set up (Set a PIN sends
// users without one there: `/security?returnTo=/pin%3Fcard%3Dic_…`). Only a path of this app, by
// the rule sign-in uses for its own return (lib/paths.ts safeRedirectTarget), and never the
// Security page itself; anything else is no return at all.
import { paths, safeRedirectTarget } from '../../../lib/paths.ts';

export function safeReturnPath(value: string | null | undefined): string | null {
  if (!value || safeRedirectTarget(value) !== value) return null;
  const pathname = value.split(/[?#]/)[0]!;
  if (pathname === '/' || pathname === paths.security.path) return null;
  return value;
}
