// Child processes for the benchmark: started on loopback ports, watched for readiness, their
// resident memory read from /proc, stopped with SIGTERM (SIGKILL after a grace period).
import type { ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

// A port that was free a moment ago: the same helper the tests use.
export { freePort } from '../../test/helpers/ports.ts';
import { startProcess } from '../../test/helpers/child-process.ts';

export interface Child {
  process: ChildProcess;
  output(): string;
  /** Resident set size in MB, from /proc (Linux). */
  rssMb(): number | undefined;
  stop(): Promise<void>;
}

/** A node process (`args` after the executable) started as the tests start theirs (test/helpers/child-process.ts), plus its memory. */
export function startChild(args: string[], env: Record<string, string>): Child {
  const proc = startProcess([process.execPath, ...args], env);
  return {
    process: proc.child,
    output: proc.output,
    rssMb() {
      try {
        const kb = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${proc.child.pid}/status`, 'utf8'))?.[1];
        return kb ? Math.round(Number(kb) / 102.4) / 10 : undefined;
      } catch {
        return undefined;
      }
    },
    stop: proc.stop,
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
