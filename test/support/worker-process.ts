import { spawn, type ChildProcess } from 'node:child_process';
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

export async function startServiceProcess(configFile: string, env: Record<string, string>, args: string[] = ['--no-http']): Promise<ServiceProcess> {
  const child = spawn(process.execPath, [join(PROJECT_ROOT, 'orchestrator/cli/bin.mjs'), 'serve', '-c', configFile, ...args], {
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
