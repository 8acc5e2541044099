// `npm run users`: manage the dashboard's users in its database (DATABASE_URL, else the PGlite
// directory PGLITE_DIR, default data/pglite). Applies pending migrations first.
// PGlite is single-process: stop the server before pointing this at its PGlite directory.
import { randomBytes } from 'node:crypto';
import { parseArgs } from 'node:util';
import { userInfo } from 'node:os';
import type { Actor } from '../server/db/audit-trail.ts';
import { openDatabase, type Database, type DatabaseSettings } from '../server/db/database.ts';
import { ConfigError, databaseFrom } from '../server/config.ts';
import { migrate } from '../server/db/migrate.ts';
import { findUserByEmail, listMemberships, listUsers } from '../server/db/users.ts';
import { hashPassword } from '../server/domain/password.ts';
import {
  addUser,
  changePassword,
  changeUserAccess,
  linkSsoIdentity,
  resetSecondFactor as resetUserSecondFactor,
} from '../server/domain/user-access.ts';
import { PASSWORD_MIN_LENGTH, passwordProblem } from '../shared/password-rule.ts';
import { ROLES, type Role } from '../shared/policy.ts';

const USAGE = `Usage: npm run users -- <command>

  add <email> <role> [--password <pw>] [--account acct_… (repeatable)]
      Creates a user. Roles: ${ROLES.join(', ')}. Without --password a random one is generated
      and printed once; a chosen one has at least ${PASSWORD_MIN_LENGTH} characters, as on the web.
      --account makes an account_user a member of that connected account. Audited.
  list
      Lists users: email, role, disabled, accounts.
  disable <email>
      Disables a user; their sessions stop working at once. Audited.
  reset-second-factor <email>
      Removes a user's second factors and recovery codes (a lost phone) and ends their sessions;
      at the next sign-in a role that requires one enrols a new one. Audited.
  set-password <email> [--password <pw>]
      Sets a user's password (a forgotten one) and ends their sessions. Without --password a
      random one is generated and printed once. Audited.
  link-sso <email> <issuer>|<sub>
      Links a user to an identity at the identity provider, as the Security page's "Link single
      sign-on" does: <issuer> exactly as OIDC_ISSUER, <sub> the identity's subject there. For a
      user who cannot sign in to link it (an invitation never accepted). Audited.

Database: DATABASE_URL (postgres://…) or PGLITE_DIR (default data/pglite).`;

class UsageError extends Error {}

/**
 * User administration is done at the console: the trail names the OS account that ran it. Every
 * change goes through the web's own functions (server/domain/user-access.ts), which keep its
 * rules and write its audit row with this actor.
 */
function consoleActor(): Actor {
  let who = process.env.USER ?? null;
  try {
    who = userInfo().username;
  } catch {
    // no passwd entry (some containers): the environment's USER, if any
  }
  return { userId: null, email: null, role: null, userAgent: `npm run users (os user ${who ?? 'unknown'})` };
}

/** The server's own reading of DATABASE_URL / PGLITE_DIR (server/config.ts), so both open the same database. */
function settings(): DatabaseSettings {
  try {
    return databaseFrom(process.env);
  } catch (error) {
    if (error instanceof ConfigError) throw new UsageError(error.message);
    throw error;
  }
}

async function add(
  db: Database,
  positionals: string[],
  values: { password?: string; account?: string[] },
): Promise<void> {
  const [email, role] = positionals;
  if (!email || !role) throw new UsageError('add needs an email and a role.');
  if (!/^[^@\s]+@[^@\s]+\.[^@\s]+$/.test(email)) throw new UsageError(`Not an email address: ${email}`);
  if (!(ROLES as readonly string[]).includes(role))
    throw new UsageError(`Unknown role "${role}". Roles: ${ROLES.join(', ')}.`);
  const accounts = values.account ?? [];
  for (const account of accounts)
    if (!/^acct_\w+$/.test(account)) throw new UsageError(`Not a connected account id: ${account}`);
  if (accounts.length && role !== 'account_user') throw new UsageError('--account applies to account_user only.');
  // The rule every chosen password meets (shared/password-rule.ts): an invitation asks for 10
  // characters, so the console may not hand out shorter ones.
  const weak = values.password === undefined ? null : passwordProblem(values.password);
  if (weak) throw new UsageError(weak);
  if (await findUserByEmail(db, email)) throw new UsageError(`A user ${email.trim().toLowerCase()} already exists.`);

  const password = values.password ?? randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  // The user, its memberships and the trail row together, or none of them.
  const { user } = await db.transaction((tx) =>
    addUser(tx, { email, passwordHash, role: role as Role, accounts }, { actor: consoleActor() }),
  );
  console.log(`Added ${user.email} (${user.role})${accounts.length ? `, member of ${accounts.join(', ')}` : ''}.`);
  if (values.password === undefined) console.log(`Password (shown once): ${password}`);
}

async function list(db: Database): Promise<void> {
  const users = await listUsers(db);
  if (users.length === 0) return console.log('No users.');
  for (const u of users) {
    const accounts = await listMemberships(db, u.id);
    console.log([u.email, u.role, u.disabled ? 'disabled' : 'active', accounts.join(',')].join('\t').trimEnd());
  }
}

async function disable(db: Database, positionals: string[]): Promise<void> {
  const [email] = positionals;
  if (!email) throw new UsageError('disable needs an email.');
  const user = await findUserByEmail(db, email);
  if (!user) throw new UsageError(`No user ${email.trim().toLowerCase()}.`);
  // The Users page's change (sessions revoked, `user.disabled` in the trail), but the last
  // enabled admin may go: the console is where an operator locks out a compromised sole admin,
  // and where a new admin is added (`add`) without anyone signed in.
  await db.transaction((tx) =>
    changeUserAccess(
      tx,
      user,
      { disabled: true },
      { actor: consoleActor(), details: { role: user.role } },
      { keepLastAdmin: false },
    ),
  );
  console.log(`Disabled ${user.email}; their sessions are revoked.`);
}

async function resetSecondFactor(db: Database, positionals: string[]): Promise<void> {
  const [email] = positionals;
  if (!email) throw new UsageError('reset-second-factor needs an email.');
  const user = await findUserByEmail(db, email);
  if (!user) throw new UsageError(`No user ${email.trim().toLowerCase()}.`);
  // As the Users page's reset: factors, recovery codes and sessions gone, `user.second_factor_reset` written.
  await db.transaction((tx) => resetUserSecondFactor(tx, user, { actor: consoleActor(), details: { via: 'console' } }));
  console.log(`Removed the second factors of ${user.email}; their sessions are revoked.`);
}

async function setPassword(db: Database, positionals: string[], values: { password?: string }): Promise<void> {
  const [email] = positionals;
  if (!email) throw new UsageError('set-password needs an email.');
  // The rule every chosen password meets (shared/password-rule.ts), here as on the Security page.
  const problem = values.password === undefined ? null : passwordProblem(values.password);
  if (problem) throw new UsageError(problem);
  const user = await findUserByEmail(db, email);
  if (!user) throw new UsageError(`No user ${email.trim().toLowerCase()}.`);
  const password = values.password ?? randomBytes(12).toString('base64url');
  const passwordHash = await hashPassword(password);
  // The new hash, the end of every session (whoever held one signs in with the new password) and
  // the trail row together, or none of them.
  const ended = await db.transaction((tx) =>
    changePassword(tx, user, passwordHash, { actor: consoleActor(), details: { user_id: user.id, via: 'console' } }),
  );
  console.log(`Set the password of ${user.email}; ${ended} session${ended === 1 ? '' : 's'} ended.`);
  if (values.password === undefined) console.log(`Password (shown once): ${password}`);
}

/**
 * For a user who cannot link from the Security page: migration 140 undid links once made by a
 * matching email, and a user whose invitation was never accepted (`!invited`) has no password to
 * sign in with (docs/decisions/103-sso-identity-linking.md). The operator has checked, out of
 * band, that the identity is this person's: nothing here can.
 */
async function linkSso(db: Database, positionals: string[]): Promise<void> {
  const [email, subject] = positionals;
  if (!email || !subject) throw new UsageError('link-sso needs an email and a subject (<issuer>|<sub>).');
  const bar = subject.indexOf('|');
  const issuer = bar > 0 ? subject.slice(0, bar) : '';
  const sub = bar > 0 ? subject.slice(bar + 1) : '';
  let issuerOk = false;
  try {
    issuerOk = ['https:', 'http:'].includes(new URL(issuer).protocol);
  } catch {
    // not a URL
  }
  // OIDC subjects are at most 255 ASCII characters (OpenID Connect Core 2); no control characters.
  // eslint-disable-next-line no-control-regex -- control characters are what it refuses
  if (!issuerOk || !sub || sub.length > 255 || /[\u0000-\u001f\u007f]/.test(sub)) {
    throw new UsageError(
      `Not a subject: ${JSON.stringify(subject)}. Give it as stored: <issuer>|<sub>, the issuer exactly as OIDC_ISSUER.`,
    );
  }
  const configured = process.env.OIDC_ISSUER?.trim();
  if (configured && configured !== issuer)
    throw new UsageError(`The issuer ${issuer} is not OIDC_ISSUER (${configured}): that link could never sign in.`);
  const user = await findUserByEmail(db, email);
  if (!user) throw new UsageError(`No user ${email.trim().toLowerCase()}.`);
  // The check and the link together, as the Security page's confirmation: an identity stays with
  // the one user who holds it.
  const outcome = await db.transaction((tx) =>
    linkSsoIdentity(tx, user, { subject, issuer }, { actor: consoleActor(), details: { via: 'console' } }),
  );
  if ('holder' in outcome) throw new UsageError(`That identity is linked to another user (${outcome.holder}) already.`);
  console.log(
    `Linked ${user.email} to ${subject}${outcome.replaced ? ' (replacing the identity it was linked to)' : ''}; they sign in with single sign-on.`,
  );
}

async function main(): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      allowPositionals: true,
      options: {
        password: { type: 'string' },
        account: { type: 'string', multiple: true },
        help: { type: 'boolean', short: 'h' },
      },
    });
  } catch (error) {
    console.error(`${(error as Error).message}\n\n${USAGE}`);
    return 2;
  }
  const [command, ...rest] = parsed.positionals;
  if (
    parsed.values.help ||
    !command ||
    !['add', 'list', 'disable', 'reset-second-factor', 'set-password', 'link-sso'].includes(command)
  ) {
    (parsed.values.help ? console.log : console.error)(
      command && !parsed.values.help ? `Unknown command "${command}".\n\n${USAGE}` : USAGE,
    );
    return parsed.values.help ? 0 : 2;
  }

  let db: Database | undefined;
  try {
    db = await openDatabase(settings());
    await migrate(db);
    if (command === 'add') await add(db, rest, parsed.values);
    else if (command === 'list') await list(db);
    else if (command === 'reset-second-factor') await resetSecondFactor(db, rest);
    else if (command === 'set-password') await setPassword(db, rest, parsed.values);
    else if (command === 'link-sso') await linkSso(db, rest);
    else await disable(db, rest);
    return 0;
  } catch (error) {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${USAGE}`);
      return 2;
    }
    console.error(`Failed: ${(error as Error).message}`);
    return 1;
  } finally {
    await db?.close();
  }
}

process.exitCode = await main();
