// Password hashing with node:crypto scrypt (memory-hard, built in); the stored form carries its
// parameters so they can be raised later without invalidating old hashes.
import { randomBytes, scrypt as scryptCb, timingSafeEqual, type ScryptOptions } from 'node:crypto';

const scrypt = (password: string, salt: Buffer, keylen: number, options: ScryptOptions) =>
  new Promise<Buffer>((resolve, reject) =>
    scryptCb(password, salt, keylen, options, (err, key) => (err ? reject(err) : resolve(key))),
  );

const PARAMS = { N: 16384, r: 8, p: 1 };
const KEYLEN = 32;

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(16);
  const key = await scrypt(password, salt, KEYLEN, { ...PARAMS, maxmem: 64 * 1024 * 1024 });
  return ['scrypt', PARAMS.N, PARAMS.r, PARAMS.p, salt.toString('base64'), key.toString('base64')].join('$');
}

/** Whether a stored value is a password hash a password can match (not `!invited`, `!oidc`, …). */
export function isPasswordHash(stored: string): boolean {
  const [scheme, n, r, p, salt, hash] = stored.split('$');
  return scheme === 'scrypt' && Boolean(n && r && p && salt && hash);
}

/**
 * Whether the password matches the stored hash. A stored value that is no hash (an invited user
 * who has not chosen a password, a user of single sign-on) is checked against the dummy hash and
 * never matches: the same scrypt work as a real user's wrong password, so the time of the answer
 * does not tell which kind of user an email belongs to (issue 17, item 9).
 */
export async function verifyPassword(password: string, stored: string): Promise<boolean> {
  if (!isPasswordHash(stored)) {
    await verifyPassword(password, await dummyPasswordHash());
    return false;
  }
  const [, n, r, p, salt, hash] = stored.split('$') as [string, string, string, string, string, string];
  const expected = Buffer.from(hash, 'base64');
  const key = await scrypt(password, Buffer.from(salt, 'base64'), expected.length, {
    N: Number(n),
    r: Number(r),
    p: Number(p),
    maxmem: 64 * 1024 * 1024,
  });
  return key.length === expected.length && timingSafeEqual(key, expected);
}

// Checked against when the email is unknown, so that an unknown email costs the same time as
// a wrong password and the two cannot be told apart.
let dummyHash: Promise<string> | undefined;
export function dummyPasswordHash(): Promise<string> {
  dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
  return dummyHash;
}
