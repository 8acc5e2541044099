// Recovery codes as a person keeps them: a text file to download or print, with what they are
// for, whose they are and when they were made, so a file found later still explains itself.

/** The file's text: a header, then one code a line. */
export function recoveryCodesText(codes: readonly string[], who: { email: string; site: string; made: Date }): string {
  return [
    `Recovery codes for ${who.email} at ${who.site}`,
    `Made ${who.made.toISOString().slice(0, 10)}. Each code signs you in once, instead of your authenticator app or passkey.`,
    'Making new codes ends these.',
    '',
    ...codes,
    '',
  ].join('\n');
}

/** A file name without characters a file system might refuse. */
export function recoveryCodesFileName(site: string): string {
  return `recovery-codes-${site.replace(/^https?:\/\//, '').replace(/[^A-Za-z0-9.-]+/g, '-')}.txt`;
}
