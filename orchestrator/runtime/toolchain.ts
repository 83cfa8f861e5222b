import { existsSync, readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { delimiter, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';

/** The repository root: two levels above this file. */
export const PROJECT_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..');

const PackageJsonSchema = z.object({
  version: z.string(),
  dependencies: z.object({ '@pulumi/pulumi': z.string() }),
  homeostat: z.object({ motoVersion: z.string() }),
});

/**
 * Where the tools that `scripts/setup.sh` installs live, computed the same
 * way as `scripts/lib/env.sh` (one set of rules, read from package.json), so
 * code started without that script still finds them.
 */
export interface Toolchain {
  /** Homeostat's own version (package.json). */
  homeostatVersion: string;
  /** Pinned engine version, for example `v3.276.0`. */
  pulumiVersion: string;
  /** Folder holding `pulumi` and `pulumi-language-nodejs`. */
  pulumiDir: string;
  /** The `moto_server` executable. */
  motoServer: string;
  /** The `redis-server` executable (found on PATH). */
  redisServer: string;
  /** The Node.js that runs Homeostat, and so the programs and policy packs the engine starts. */
  node: { version: string; executable: string };
  /**
   * Environment for any process that runs the engine: PATH with this very
   * Node.js, the engine, its language host and the dynamic-provider
   * launcher, and Pulumi Cloud off. Plugin acquisition is not decided
   * here but by the service's `pulumi.plugins` (`engine/engine-env.ts`,
   * `pluginEnvVars`).
   */
  engineEnv: Record<string, string>;
}

function findOnPath(name: string, path: string): string | undefined {
  for (const dir of path.split(delimiter)) {
    const candidate = join(dir, name);
    if (dir && existsSync(candidate)) return candidate;
  }
  return undefined;
}

/** Resolves the toolchain; throws naming the missing tool and how to install it. */
export function resolveToolchain(env: NodeJS.ProcessEnv = process.env): Toolchain {
  const pkg = PackageJsonSchema.parse(JSON.parse(readFileSync(join(PROJECT_ROOT, 'package.json'), 'utf8')));
  const pulumiVersion = `v${pkg.dependencies['@pulumi/pulumi']}`;
  const cache = env.HOMEOSTAT_CACHE ?? join(homedir(), '.cache', 'homeostat');
  const pulumiDir = env.HOMEOSTAT_PULUMI_DIR ?? join(cache, 'pulumi', pulumiVersion, 'bin');
  const motoServer = join(cache, `moto-${pkg.homeostat.motoVersion}`, 'bin', 'moto_server');

  const missing = (what: string) => new Error(`${what} is missing: run 'npm run setup' (scripts/setup.sh) first`);
  if (!existsSync(join(pulumiDir, 'pulumi'))) throw missing(`the Pulumi engine (${join(pulumiDir, 'pulumi')})`);
  if (!existsSync(join(pulumiDir, 'pulumi-language-nodejs'))) throw missing('pulumi-language-nodejs');

  // The language host starts `node` from PATH: it must be the one running us
  // (>= 22), even when the shell that started us has an older one first.
  const nodeDir = dirname(process.execPath);
  const launcherDir = join(PROJECT_ROOT, 'node_modules', '@pulumi', 'pulumi');
  const path = [nodeDir, pulumiDir, launcherDir, env.PATH ?? ''].join(delimiter);
  const redisServer = findOnPath('redis-server', path) ?? '';

  return {
    homeostatVersion: pkg.version,
    pulumiVersion,
    pulumiDir,
    motoServer,
    redisServer,
    node: { version: process.version, executable: process.execPath },
    engineEnv: {
      PATH: path,
      PULUMI_SKIP_UPDATE_CHECK: 'true',
    },
  };
}
