// The app as a deployment runs it: a child process (npm start's script, or server/main.ts
// through tsx) on free loopback ports, emulator mode, in-memory PGlite, watched from outside
// until /readyz answers 200.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { freePort } from './stack.ts';

const root = join(import.meta.dirname, '..', '..');

export interface ServerProcess {
  child: ChildProcess;
  appUrl: string;
  emulatorUrl: string;
  emulatorPort: number;
  /** stdout and stderr so far. */
  output(): string;
  /** The exit code, once the process has exited. */
  exited: Promise<number | null>;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s. */
  stop(): Promise<void>;
}

/** Spawns `node <args>` from the project root and waits for the app's first 200 from /readyz. */
export async function spawnServer(
  args: string[],
  extraEnv: Record<string, string> = {},
  readyWithinMs = 45_000,
): Promise<ServerProcess> {
  const [port, emulatorPort] = [await freePort(), await freePort()];
  const appUrl = `http://127.0.0.1:${port}`;
  const emulatorUrl = `http://127.0.0.1:${emulatorPort}`;
  let output = '';
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: {
      PATH: process.env.PATH,
      PORT: String(port),
      EMULATOR_PORT: String(emulatorPort),
      PUBLIC_URL: appUrl,
      EMULATOR_PUBLIC_URL: emulatorUrl,
      PGLITE_DIR: 'memory://',
      LOG_LEVEL: 'info',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));

  const started = Date.now();
  for (;;) {
    if (child.exitCode !== null) throw new Error(`exited before ready:\n${output}`);
    const res = await fetch(`${appUrl}/readyz`).catch(() => undefined);
    if (res?.status === 200) break;
    if (Date.now() - started > readyWithinMs) {
      child.kill('SIGKILL');
      throw new Error(`not ready after ${readyWithinMs} ms; output:\n${output}`);
    }
    await new Promise((r) => setTimeout(r, 50));
  }

  return {
    child,
    appUrl,
    emulatorUrl,
    emulatorPort,
    output: () => output,
    exited,
    async stop() {
      if (child.exitCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}
