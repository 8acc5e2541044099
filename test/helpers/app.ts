// The app alone (no emulator), for tests of what does not reach Stripe: sessions, CSRF, errors,
// configuration, client serving. In-memory PGlite; closed by the caller.
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { addMembership, createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import { addConfirmedTotp } from '../../server/db/second-factors.ts';
import { findUserByEmail } from '../../server/db/users.ts';
import { issueRecoveryCodes } from '../../server/domain/second-factor.ts';
import { newTotpSecret } from '../../server/domain/totp.ts';
import { POLICY, type Role } from '../../shared/policy.ts';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  logs(): string;
  /**
   * Creates a user with password `password123`. Roles whose policy requires a second factor get
   * one (TOTP with a random secret, returned) unless `secondFactor: false`.
   */
  createUser(
    email: string,
    role: Role,
    accounts?: string[],
    opts?: { secondFactor?: boolean },
  ): Promise<{ id: string; email: string; totpSecret?: string }>;
  /**
   * Logs in through the API and returns the `cid_session=…` cookie; for a user with a second
   * factor, completes the check (POST /api/step-up) with a fresh recovery code.
   */
  login(email: string, password?: string): Promise<string>;
  /** inject with our page's Origin, as the browser would send it. */
  inject(opts: InjectOptions & { cookie?: string }): Promise<LightMyRequestResponse>;
  close(): Promise<void>;
}

export const TEST_PASSWORD = 'password123';

export async function buildTestApp(env: Record<string, string> = {}, deps: AppDeps = {}): Promise<TestApp> {
  const config = loadConfig({ PGLITE_DIR: 'memory://', LOG_LEVEL: 'info', ...env });
  const lines: string[] = [];
  const logStream = new Writable({
    write(chunk, _enc, cb) {
      lines.push(String(chunk));
      cb();
    },
  });
  const app = await buildApp(config, { logStream, ...deps });
  await app.ready();

  const inject: TestApp['inject'] = ({ cookie, headers, ...opts }) =>
    app.inject({ ...opts, headers: { origin: config.publicUrl, ...(cookie ? { cookie } : {}), ...headers } });

  return {
    app,
    config,
    logs: () => lines.join(''),
    async createUser(email, role, accounts = [], opts = {}) {
      const user = await createUser(app.db, { email, passwordHash: await hashPassword(TEST_PASSWORD), role });
      for (const account of accounts) await addMembership(app.db, user.id, account);
      if (!(opts.secondFactor ?? POLICY[role].secondFactor.required)) return { id: user.id, email: user.email };
      const totpSecret = newTotpSecret();
      await addConfirmedTotp(app.db, user.id, totpSecret, 'Test authenticator');
      return { id: user.id, email: user.email, totpSecret };
    },
    async login(email, password = TEST_PASSWORD) {
      const res = await inject({ method: 'POST', url: '/api/session', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      const cookie = `cid_session=${res.cookies.find((c) => c.name === 'cid_session')!.value}`;
      if (!res.json().secondFactorRequired) return cookie;
      // A recovery code per sign-in: TOTP would allow only a couple of sign-ins per 30 s.
      const user = await findUserByEmail(app.db, email);
      const [code] = await issueRecoveryCodes(app.db, user!.id);
      const done = await inject({
        method: 'POST',
        url: '/api/step-up',
        cookie,
        payload: { method: 'recovery_code', code },
      });
      if (done.statusCode !== 200) throw new Error(`second factor failed: ${done.statusCode} ${done.body}`);
      return `cid_session=${done.cookies.find((c) => c.name === 'cid_session')!.value}`;
    },
    inject,
    close: () => app.close(),
  };
}
