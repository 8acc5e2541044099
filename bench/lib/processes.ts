// Child processes for the benchmark: started on loopback ports, watched for readiness, their
// resident memory read from /proc, stopped with SIGTERM (SIGKILL after a grace period).
import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

// A port that was free a moment ago: the same helper the tests use.
export { freePort } from '../../test/helpers/ports.ts';

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resident set size in MB, from /proc (Linux). */
  rssMb(): number | undefined;
  stop(): Promise<void>;
}

export function startChild(args: string[], env: Record<string, string>): Child {
  let output = '';
  const child = spawn(process.execPath, args, {
    cwd: ROOT,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    process: child,
    output: () => output,
    rssMb() {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'))?.[1];
        return kb ? Math.round(Number(kb) / 102.4) / 10 : undefined;
      } catch {
        return undefined;
      }
    },
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until it answers 200; returns the milliseconds since `since`. */
export async function waitFor200(url: string, since: number, child: Child, timeoutMs = 60_000): Promise<number> {
  while (Date.now() - since < timeoutMs) {
    if (child.process.exitCode !== null) throw new Error(`exited before ready:\n${child.output().slice(-2000)}`);
    const status = await fetch(url).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return Date.now() - since;
    await new Promise((r) => setTimeout(r, 10));
  }
  throw new Error(`${url} not ready after ${timeoutMs} ms:\n${child.output().slice(-2000)}`);
}

/** Waits for the first JSON line a child prints (its URLs). */
export async function firstJsonLine<T>(child: Child, timeoutMs = 120_000): Promise<T> {
  const started = Date.now();
  while (Date.now() - started < timeoutMs) {
    const line = child
      .output()
      .split('\n')
      .find((l) => l.startsWith('{"'));
    if (line) return JSON.parse(line) as T;
    if (child.process.exitCode !== null) throw new Error(`exited:\n${child.output().slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 20));
  }
  throw new Error(`no output after ${timeoutMs} ms`);
}
