import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { existsSync } from 'node:fs';
import { hostname } from 'node:os';
import type { Readable } from 'node:stream';
import type { EngineIdentity } from './engine-lock.ts';

/**
 * Engine processes the runner starts itself (the Automation API starts the
 * others): `pulumi up` with its event log, and the recovery refresh.
 */

/** `setpriv` (util-linux), where the platform has it: it ties an engine's life to its worker's. */
const SETPRIV = process.platform === 'linux' ? ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p)) : undefined;

export type EngineChild = ChildProcessByStdio<null, Readable, Readable>;

/**
 * Starts the engine binary `command` with exactly `env`. On Linux it is
 * started through `setpriv --pdeathsig KILL`, so that it dies with this
 * process: a worker that crashes leaves no engine behind, and the lock it
 * leaves is provably stale once the worker's heartbeat is gone.
 */
export function spawnEngine(command: string, args: string[], cwd: string, env: Record<string, string>): EngineChild {
  const options = { cwd, env, stdio: ['ignore', 'pipe', 'pipe'] as ['ignore', 'pipe', 'pipe'] };
  // setpriv execs the engine: the pid is the engine's own, the one its lock records.
  return SETPRIV ? spawn(SETPRIV, ['--pdeathsig', 'KILL', '--', command, ...args], options) : spawn(command, args, options);
}

/** This host's engine process `pid`, started now. */
export function engineIdentity(pid: number): EngineIdentity {
  return { host: hostname(), pid, startedAt: new Date().toISOString() };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The last 20 000 characters of each output stream, and the exit code (128 when killed by a signal). */
export function collectOutput(child: EngineChild): { output(): { stdout: string; stderr: string }; exited: Promise<number> } {
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout = (stdout + d.toString()).slice(-20_000)));
  child.stderr.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-20_000)));
  const exited = new Promise<number>((resolve, reject) => {
    child.once('error', reject);
    child.once('exit', (c, sig) => resolve(c ?? (sig ? 128 : 1)));
  });
  return { output: () => ({ stdout, stderr }), exited };
}
