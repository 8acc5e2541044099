// The app alone (no emulator), for tests of what does not reach Stripe: sessions, CSRF, errors,
// configuration, client serving. In-memory PGlite; closed by the caller.
import { Writable } from 'node:stream';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { buildApp, type AppDeps } from '../../server/app.ts';
import { loadConfig, type Config } from '../../server/config.ts';
import { addMembership, createUser } from '../../server/db/users.ts';
import { hashPassword } from '../../server/domain/password.ts';
import type { Role } from '../../shared/policy.ts';

export interface TestApp {
  app: FastifyInstance;
  config: Config;
  logs(): string;
  /** Creates a user with password `password123`. */
  createUser(email: string, role: Role, accounts?: string[]): Promise<{ id: string; email: string }>;
  /** Logs in through the API and returns the `cid_session=…` cookie. */
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
    async createUser(email, role, accounts = []) {
      const user = await createUser(app.db, { email, passwordHash: await hashPassword(TEST_PASSWORD), role });
      for (const account of accounts) await addMembership(app.db, user.id, account);
      return { id: user.id, email: user.email };
    },
    async login(email, password = TEST_PASSWORD) {
      const res = await inject({ method: 'POST', url: '/api/session', payload: { email, password } });
      if (res.statusCode !== 200) throw new Error(`login failed: ${res.statusCode} ${res.body}`);
      const cookie = res.cookies.find((c) => c.name === 'cid_session');
      return `cid_session=${cookie!.value}`;
    },
    inject,
    close: () => app.close(),
  };
}
