import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import type { ServiceConfig } from '../config/service-config.ts';
import { engineEnvironment, engineHome, type EngineEnvSettings } from '../engine/engine-env.ts';
import { requiredPlugins, resolvedPlugins } from '../engine/project-plugins.ts';
import { projectsAtCommit } from '../intake/projects-at-commit.ts';
import { pluginsReport, pluginStatuses, type PluginsReport, type StackPlugins } from '../plan/plugin-check.ts';
import { PROJECT_ROOT, resolveToolchain } from '../runtime/toolchain.ts';
import { createDependencyCache } from '../source/dependency-cache.ts';
import { createSourceFetcher } from '../source/source-fetcher.ts';

/**
 * `homeostat plugins check -c <config>`: for every configured stack, at the
 * head of its repository's deploy branch, the plugins its program needs and
 * whether the engine, run with the service's own settings (`pulumi.plugins`
 * included), finds them. The checkout and its dependencies come from the
 * service's caches under `dataDir`, as a run's would.
 */
export async function checkPlugins(config: ServiceConfig): Promise<PluginsReport> {
  const toolchain = resolveToolchain(config.pulumi.pulumiDir ? { ...process.env, HOMEOSTAT_PULUMI_DIR: config.pulumi.pulumiDir } : process.env);
  const settings: EngineEnvSettings = {
    backendUrl: config.pulumi.backendUrl,
    passphrase: config.pulumi.passphrase.reveal(),
    plugins: config.pulumi.plugins,
    env: { ...toolchain.engineEnv, ...config.pulumi.env },
    passEnv: config.pulumi.engineEnv,
  };
  const home = engineHome(settings);
  // As the service does at start-up: a file backend and its engine home exist before the engine looks.
  if (settings.backendUrl.startsWith('file://')) await mkdir(new URL(settings.backendUrl).pathname, { recursive: true });
  if (home) await mkdir(home, { recursive: true });
  const dependencies = createDependencyCache({ dir: join(config.dataDir, 'deps'), seed: PROJECT_ROOT });
  // A folder of its own: a running service's mirrors and worktrees are left alone.
  const fetcher = createSourceFetcher({ dir: join(config.dataDir, 'plugins-check'), dependencies });

  const stacks: StackPlugins[] = [];
  for (const repo of config.repositories) {
    let commit: string;
    let projects: Awaited<ReturnType<typeof projectsAtCommit>>;
    try {
      commit = await fetcher.resolve(repo.url, repo.deployBranch);
      projects = await projectsAtCommit(fetcher, repo.url, commit);
    } catch (err) {
      // One unreachable repository leaves the others' answers standing; the check fails.
      stacks.push({ stack: `${repo.id}/*`, commit: '', plugins: [], error: `cannot read ${repo.deployBranch}: ${(err as Error).message.split('\n')[0]}` });
      continue;
    }
    const artifact = await fetcher.fetch(repo.url, commit);
    try {
      for (const project of projects) {
        const names = project.stacks.filter((s) => !repo.stacks || repo.stacks.includes(s));
        if (names.length === 0) continue;
        const key = (stack: string) => `${repo.id}/${project.dir || '.'}/${stack}`;
        const options = { pulumiDir: toolchain.pulumiDir, projectDir: join(artifact.dir, project.dir), env: engineEnvironment(settings, process.env) };
        // The plugins belong to the program, which a project's stacks share: ask once per project.
        try {
          const [needed, found] = [await requiredPlugins(options), await resolvedPlugins(options)];
          const plugins = pluginStatuses(needed, found);
          for (const stack of names) stacks.push({ stack: key(stack), commit, plugins });
        } catch (err) {
          for (const stack of names) stacks.push({ stack: key(stack), commit, plugins: [], error: (err as Error).message });
        }
      }
    } finally {
      await fetcher.release(artifact);
    }
  }
  return pluginsReport(config.pulumi.plugins.mode, home ? join(home, 'plugins') : undefined, stacks);
}
