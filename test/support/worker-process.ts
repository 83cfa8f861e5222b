import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../orchestrator/runtime/toolchain.ts';
import { waitFor } from './wait.ts';

/** `homeostat serve` in a process of its own, as a second worker would run in production. */
export interface ServiceProcess {
  child: ChildProcess;
  output(): string;
  /** Sends a signal and waits for the process to exit. */
  kill(signal: NodeJS.Signals): Promise<void>;
}

/**
 * Starts `homeostat serve`; with `host`, in a UTS namespace of its own under
 * that host name (root only), so that it, its engines and their locks look
 * like another machine's.
 */
export async function startServiceProcess(configFile: string, env: Record<string, string>, args: string[] = ['--no-http'], options: { host?: string } = {}): Promise<ServiceProcess> {
  const command = [process.execPath, join(PROJECT_ROOT, 'orchestrator/cli/bin.mjs'), 'serve', '-c', configFile, ...args];
  const [file, ...argv] = options.host ? ['unshare', '--uts', 'sh', '-c', 'hostname "$0" && exec "$@"', options.host, ...command] : command;
  const child = spawn(file!, argv, {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let out = '';
  child.stdout?.on('data', (d: Buffer) => (out += d.toString()));
  child.stderr?.on('data', (d: Buffer) => (out += d.toString()));
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await waitFor('the service process to start', () => {
    if (child.exitCode !== null) throw new Error(`service process exited with ${child.exitCode}:\n${out}`);
    return out.includes('homeostat: serving');
  }, 60_000);
  return {
    child,
    output: () => out,
    async kill(signal) {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      await exited;
    },
  };
}

/** Whether this machine lets a test give a process a host name of its own (root, util-linux unshare). */
export function canFakeHosts(): boolean {
  return spawnSync('unshare', ['--uts', 'true']).status === 0;
}
