// Processes a test starts from the project root and watches from outside (the multi-instance
// suites in test/ops/): their output kept for the failure message, readiness polled over HTTP,
// stopped with SIGTERM and SIGKILL after a grace period, as an orchestrator would.
import { spawn, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';

const root = join(import.meta.dirname, '..', '..');

export interface Proc {
  child: ChildProcess;
  /** stdout and stderr so far. */
  output(): string;
  /** SIGTERM, then SIGKILL if it has not exited within 10 s; nothing if it already exited. */
  stop(): Promise<void>;
}

/** Spawns `args` (the executable first) from the project root with only PATH and `env` set. */
export function startProcess(args: string[], env: Record<string, string>): Proc {
  let output = '';
  const child = spawn(args[0]!, args.slice(1), {
    cwd: root,
    env: { PATH: process.env.PATH ?? '', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout.on('data', (d) => (output += d));
  child.stderr.on('data', (d) => (output += d));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  return {
    child,
    output: () => output,
    async stop() {
      if (child.exitCode !== null || child.signalCode !== null) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 10_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Polls `url` until its status passes `ok` (default 200); fails with the process's output if it exits or `ms` pass. */
export async function waitFor(
  url: string,
  proc: Proc,
  ok: (status: number) => boolean = (status) => status === 200,
  ms = 150_000,
): Promise<void> {
  const until = Date.now() + ms;
  while (Date.now() < until) {
    if (proc.child.exitCode !== null) throw new Error(`${url}: process exited:\n${proc.output().slice(-3000)}`);
    if (
      ok(
        await fetch(url).then(
          (r) => r.status,
          () => 0,
        ),
      )
    )
      return;
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${url} not ready after ${ms} ms:\n${proc.output().slice(-3000)}`);
}
