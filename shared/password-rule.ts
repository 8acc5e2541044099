// The one rule a chosen password must meet, wherever it is chosen: accepting an invitation,
// changing one's password on the Security page, `npm run users -- add | set-password`.
// Imports nothing: shared/ is imported by server/, client/ and scripts/.

/** At least this many characters (NIST SP 800-63B: length, not composition rules). */
export const PASSWORD_MIN_LENGTH = 10;
/** At most this many: bounds the hashing work one request can ask for. */
export const PASSWORD_MAX_LENGTH = 1024;

/** Why this password is refused, as a sentence for the person choosing it; null when it is fine. */
export function passwordProblem(password: string): string | null {
  if (password.length < PASSWORD_MIN_LENGTH)
    return `The password must have at least ${PASSWORD_MIN_LENGTH} characters.`;
  if (password.length > PASSWORD_MAX_LENGTH) return `The password must have at most ${PASSWORD_MAX_LENGTH} characters.`;
  return null;
}

/**
 * The rule in words, shown before a password is typed (the invitation page, the Security page):
 * the same numbers the server checks, so the page and the server cannot disagree.
 */
export const PASSWORD_RULE_TEXT = `At least ${PASSWORD_MIN_LENGTH} characters. Any characters count: a few words together are easy to remember and hard to guess.`;
