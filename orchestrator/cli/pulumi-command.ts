import { spawn } from 'node:child_process';
import { mkdir } from 'node:fs/promises';
import { constants } from 'node:os';
import { join } from 'node:path';
import { loadServiceConfigFile } from '../config/service-config.ts';
import { engineEnvVars, engineHome } from '../engine/engine-env.ts';
import { resolveToolchain } from '../runtime/toolchain.ts';

/**
 * `homeostat pulumi [-c homeostat.yaml] [--] <pulumi arguments>`: the exact
 * engine the service runs (version, language host, Node.js), for a person
 * inspecting a stack. With a config file it also gets the service's backend,
 * passphrase (through the environment, never the command line) and engine
 * home; without one, the person's own backend settings apply.
 *
 * Parsed by hand rather than by commander, so that every argument after the
 * config reaches pulumi untouched, flags included.
 */
export interface PulumiInvocation {
  config?: string;
  args: string[];
}

export const PULUMI_USAGE = 'homeostat pulumi [-c <service config>] [--] <pulumi arguments>';

/** Splits the leading config option from the arguments meant for pulumi. */
export function parsePulumiInvocation(argv: readonly string[]): PulumiInvocation {
  const rest = [...argv];
  let config: string | undefined;
  const first = rest[0];
  if (first === '-c' || first === '--config') {
    rest.shift();
    config = rest.shift();
    if (config === undefined || config.startsWith('-')) throw new Error(`${first} needs a file: ${PULUMI_USAGE}`);
  } else if (first?.startsWith('--config=')) {
    rest.shift();
    config = first.slice('--config='.length);
    if (!config) throw new Error(`--config needs a file: ${PULUMI_USAGE}`);
  }
  if (rest[0] === '--') rest.shift();
  return { ...(config ? { config } : {}), args: rest };
}

/** Runs pulumi with the service's settings; resolves to its exit code. */
export async function runPulumiForPerson(invocation: PulumiInvocation): Promise<number> {
  const config = invocation.config ? loadServiceConfigFile(invocation.config) : undefined;
  const pulumiDir = config?.pulumi.pulumiDir;
  const toolchain = resolveToolchain(pulumiDir ? { ...process.env, HOMEOSTAT_PULUMI_DIR: pulumiDir } : process.env);
  let backend: Record<string, string> = {};
  if (config) {
    const settings = { backendUrl: config.pulumi.backendUrl, passphrase: config.pulumi.passphrase.reveal(), env: config.pulumi.env, plugins: config.pulumi.plugins };
    // As the service does at start-up: a file backend and its engine home exist before the engine looks.
    if (settings.backendUrl.startsWith('file://')) await mkdir(new URL(settings.backendUrl).pathname, { recursive: true });
    const home = engineHome(settings);
    if (home) await mkdir(home, { recursive: true });
    backend = engineEnvVars(settings);
  }
  const child = spawn(join(toolchain.pulumiDir, 'pulumi'), invocation.args, {
    stdio: 'inherit',
    env: { ...process.env, ...toolchain.engineEnv, ...backend },
  });
  // Ctrl-C reaches pulumi through the terminal; a signal sent to us alone is passed on.
  const forward = (signal: NodeJS.Signals) => () => child.kill(signal);
  const handlers = (['SIGINT', 'SIGTERM', 'SIGHUP'] as const).map((s) => [s, forward(s)] as const);
  for (const [s, h] of handlers) process.on(s, h);
  try {
    return await new Promise<number>((resolve, reject) => {
      child.on('error', reject);
      child.on('exit', (code, signal) => resolve(code ?? (signal ? 128 + constants.signals[signal] : 1)));
    });
  } finally {
    for (const [s, h] of handlers) process.off(s, h);
  }
}
