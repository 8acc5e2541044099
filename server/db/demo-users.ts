// Demo users for emulator mode, so that `npm start` shows a working dashboard with nothing to set
// up. Seeded at start when missing; existing users are left as they are.
import type { FastifyInstance } from 'fastify';
import type { Role } from '../../shared/policy.ts';
import { listConnectedAccounts } from '../domain/accounts.ts';
import { hashPassword } from '../domain/password.ts';
import { addConfirmedTotp, hasFactor } from './second-factors.ts';
import { appendAudit } from './audit-trail.ts';
import { addMembership, createUser, findUserByEmail, listMemberships } from './users.ts';

export const DEMO_PASSWORD = 'demo1234';

/**
 * The demo admin's and support agent's TOTP secret (SHA-1, 6 digits, 30 s), printed by `npm start`
 * and in the README so anyone can add it to an authenticator app. Emulator mode only: nothing
 * seeds demo users in stripe mode.
 */
export const DEMO_TOTP_SECRET = 'DEMOTOTPDEMOTOTPDEMOTOTPDEMOTOTP';

export const DEMO_USERS: readonly { email: string; role: Role; totp: boolean }[] = [
  { email: 'admin@example.com', role: 'platform_admin', totp: true },
  { email: 'account@example.com', role: 'account_user', totp: false },
  { email: 'support@example.com', role: 'support_agent', totp: true },
];

export async function seedDemoUsers(app: Pick<FastifyInstance, 'db' | 'stripe' | 'log' | 'config'>): Promise<void> {
  if (app.config.mode !== 'emulator') throw new Error('demo users exist in emulator mode only');
  // Stripe lists newest first: the oldest connected account is the last one.
  const accounts = await listConnectedAccounts(app.stripe);
  const oldest = accounts.at(-1)?.id;
  const hashes = new Map<string, string>();
  for (const demo of DEMO_USERS) {
    if (!(await findUserByEmail(app.db, demo.email))) hashes.set(demo.email, await hashPassword(DEMO_PASSWORD));
  }

  // Several instances starting together on one database seed once: the lock makes the others
  // find the users the first one created.
  await app.db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock($1)', [SEED_LOCK_ID]);
    for (const demo of DEMO_USERS) {
      let user = await findUserByEmail(tx, demo.email);
      if (!user) {
        user = await createUser(tx, {
          email: demo.email,
          passwordHash: hashes.get(demo.email) ?? (await hashPassword(DEMO_PASSWORD)),
          role: demo.role,
        });
        await appendAudit(tx, {
          kind: 'user.added',
          actor: null,
          subject: user.email,
          details: { user_id: user.id, role: user.role, via: 'demo users (emulator mode)' },
        });
        app.log.info({ email: demo.email, role: demo.role }, 'demo user created');
      }
      if (demo.totp && !(await hasFactor(tx, user.id))) {
        await addConfirmedTotp(tx, user.id, DEMO_TOTP_SECRET, 'Demo authenticator');
      }
      if (demo.role === 'account_user' && oldest && (await listMemberships(tx, user.id)).length === 0) {
        await addMembership(tx, user.id, oldest);
      }
    }
  });
}

/** The advisory lock of the demo users' seeding (any fixed number). */
const SEED_LOCK_ID = 724_311_111;
