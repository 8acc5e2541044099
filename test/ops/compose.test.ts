// docker-compose.yml and the Dockerfile cannot run on this machine (no Docker); their structure
// is checked here instead, against what the app actually reads and serves.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { expect, test } from 'vitest';
import { parse } from 'yaml';

const root = join(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(join(root, file), 'utf8');

interface Service {
  image?: string;
  build?: unknown;
  environment?: Record<string, string>;
  ports?: string[];
  volumes?: string[];
  depends_on?: Record<string, { condition: string }> | string[];
  healthcheck?: { test: string[] | string };
  profiles?: string[];
  command?: string[];
}
const compose = parse(read('docker-compose.yml')) as {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
};
const { app, db } = compose.services as Record<'app' | 'db', Service>;
const stripeCli = compose.services['stripe-cli']!;

test('the app: built from the Dockerfile, on PostgreSQL, waits for a healthy database, health-checked on /readyz', () => {
  expect(app.build).toBeTruthy();
  const env = app.environment!;
  const url = new URL(env.DATABASE_URL!);
  expect(url.protocol).toBe('postgres:');
  expect(url.hostname).toBe('db');
  expect(decodeURIComponent(url.username)).toBe(db.environment!.POSTGRES_USER);
  expect(decodeURIComponent(url.password)).toBe(db.environment!.POSTGRES_PASSWORD);
  expect(url.pathname).toBe(`/${db.environment!.POSTGRES_DB}`);
  expect(env.HOST).toBe('0.0.0.0');
  expect(app.depends_on).toMatchObject({ db: { condition: 'service_healthy' } });
  expect(JSON.stringify(app.healthcheck!.test)).toContain(`:${env.PORT}/readyz`);
});

test("the emulator is published on this machine's loopback only (it accepts any sk_test_ key)", () => {
  // Its own service (shared by the app's replicas); the app publishes no port of its own.
  const service = compose.services.emulator!;
  const emulatorPort = service.environment!.EMULATOR_PORT;
  const published = (service.ports ?? []).filter((p) => p.endsWith(`:${emulatorPort}`));
  expect(published).toEqual([`127.0.0.1:${emulatorPort}:${emulatorPort}`]);
  expect(app.ports).toBeUndefined();
});

test('every variable the app is given is one server/config.ts reads', () => {
  // server/config.ts and its section readers (server/config/*.ts).
  const sections = readdirSync(new URL('../../server/config/', import.meta.url)).filter((f) => f.endsWith('.ts'));
  const config = [read('server/config.ts'), ...sections.map((f) => read(`server/config/${f}`))].join('\n');
  for (const name of Object.keys(app.environment!)) {
    expect(config, `${name} is read by server/config.ts`).toContain(`'${name}'`);
  }
});

test('PostgreSQL: data on a named volume, health-checked with pg_isready', () => {
  expect(db.image).toMatch(/^postgres:\d+/);
  const [volume, mount] = db.volumes![0]!.split(':');
  expect(mount).toBe('/var/lib/postgresql/data');
  expect(compose.volumes).toHaveProperty(volume!);
  expect(JSON.stringify(db.healthcheck!.test)).toContain('pg_isready');
});

test("the Stripe CLI, only with its profile, forwards webhooks to the app's webhook route", () => {
  expect(stripeCli.profiles).toEqual(['stripe-cli']);
  expect(stripeCli.image).toMatch(/^stripe\/stripe-cli/);
  const command = stripeCli.command!;
  expect(command[0]).toBe('listen');
  const target = command[command.indexOf('--forward-to') + 1];
  expect(target).toBe('proxy/webhooks/stripe');
  expect(read('docs/architecture.md')).toContain('`POST /webhooks/stripe`');
});

test('the image builds the production bundle and starts with npm start', () => {
  const dockerfile = read('Dockerfile');
  expect(dockerfile).toMatch(/^FROM node:(2\d)/m);
  expect(dockerfile).toMatch(/^RUN npm ci/m);
  expect(dockerfile).toMatch(/^RUN npm run build$/m);
  expect(dockerfile).toMatch(/^CMD \["npm", "start"\]$/m);
  expect(read('.dockerignore').split('\n')).toEqual(expect.arrayContaining(['node_modules', 'dist', 'data']));
});

const { proxy, emulator } = compose.services as Record<
  'proxy' | 'emulator',
  Service & { expose?: string[]; command?: string[] }
>;

test('--scale app=3: the app publishes no host port; the proxy (nginx) is the way in and spreads over every replica', () => {
  const env = app.environment!;
  expect(app.ports).toBeUndefined(); // a host port could be bound by one replica only
  expect((app as { expose?: string[] }).expose).toContain(String(env.PORT));
  expect(proxy.image).toMatch(/^nginx:/);
  expect(proxy.ports).toEqual([`${new URL(env.PUBLIC_URL!.replace(/^\$\{PUBLIC_URL:-(.*)\}$/, '$1')).port}:80`]);
  expect(proxy.depends_on).toEqual({ app: { condition: 'service_healthy' } });
  const [source, target] = proxy.volumes![0]!.split(':');
  expect(target).toBe('/etc/nginx/nginx.conf');
  const conf = read(source!.replace(/^\.\//, ''));
  expect(conf).toMatch(new RegExp(`upstream app \\{[^}]*server app:${env.PORT};`));
  expect(conf).toMatch(/listen 80;/);
  expect(conf).toMatch(/proxy_pass http:\/\/app;/);
  expect(conf).toMatch(/X-Forwarded-For \$proxy_add_x_forwarded_for/);
  expect(env.TRUST_PROXY).toBe('uniquelocal');
});

test('emulator mode with several instances: one emulator service they all call, delivering events through the proxy', () => {
  const env = app.environment!;
  expect(emulator.command).toEqual(['npm', 'run', 'emulator']);
  expect(read('package.json')).toContain('"emulator": "tsx emulator/main.ts"');
  const api = new URL(env.EMULATOR_API_URL!);
  expect(api.hostname).toBe('emulator');
  expect(api.port).toBe(String(emulator.environment!.EMULATOR_PORT));
  expect(emulator.environment!.HOST).toBe('0.0.0.0');
  expect(emulator.environment!.EMULATOR_WEBHOOK_URL).toBe('http://proxy/webhooks/stripe');
  // The app verifies with the secret the emulator signs with (when neither is set explicitly).
  const emulatorDefault = /:-([^}]+)\}$/.exec(emulator.environment!.EMULATOR_WEBHOOK_SECRET!)![1];
  expect(env.STRIPE_WEBHOOK_SECRET).toContain(`:-${emulatorDefault}}`);
  expect(emulator.ports).toEqual([
    `127.0.0.1:${emulator.environment!.EMULATOR_PORT}:${emulator.environment!.EMULATOR_PORT}`,
  ]);
});
