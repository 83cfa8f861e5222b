import { randomBytes } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { join } from 'node:path';
import { deployStack } from '../deploy/deploy-stack.ts';
import { createStackRunner } from '../engine/stack-runner.ts';
import { affectedStacks } from '../plan/affected-stacks.ts';
import { discoverProjects } from '../plan/project-layout.ts';
import { PROJECT_ROOT, resolveToolchain } from '../runtime/toolchain.ts';
import { createDependencyCache } from '../source/dependency-cache.ts';
import { git } from '../source/git.ts';
import { createSourceFetcher } from '../source/source-fetcher.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { startFleetSimulator } from './fleet-simulator.ts';
import { createLocalRepo } from './local-repo.ts';

export interface SandboxOptions {
  /** Data folder for this run (repositories, state); default `<project>/.homeostat/sandbox`. */
  dataDir?: string;
  /** Exit once the initial deploy is done, instead of serving until Ctrl-C. */
  once?: boolean;
  emit: TimelineSink;
}

/**
 * The sandbox, as far as it goes today: a local Git remote with the stacks,
 * a fleet simulator playing the cloud, and the real engine on a file backend.
 * The initial push is detected, previewed with the policy packs and applied.
 */
export async function runSandbox(options: SandboxOptions): Promise<number> {
  const { emit } = options;
  const dataDir = options.dataDir ?? join(PROJECT_ROOT, '.homeostat', 'sandbox');
  const toolchain = resolveToolchain();
  const fleet = await startFleetSimulator();
  emit(timelineEvent('service', `fleet simulator listening on ${fleet.url}`));

  const stop = async () => {
    await fleet.close();
  };
  try {
    const repo = await createLocalRepo(join(dataDir, 'git'), PROJECT_ROOT);
    const stateDir = join(dataDir, 'state');
    await mkdir(stateDir, { recursive: true });
    const runner = await createStackRunner({
      pulumiDir: toolchain.pulumiDir,
      backendUrl: `file://${stateDir}`,
      // A fresh sandbox gets a fresh passphrase; it never leaves this process.
      passphrase: randomBytes(24).toString('base64url'),
      policyPacks: [],
      env: { ...toolchain.engineEnv, HOMEOSTAT_FLEET_URL: fleet.url },
    });
    const fetcher = createSourceFetcher({
      dir: join(dataDir, 'source'),
      dependencies: createDependencyCache({ dir: join(dataDir, 'deps'), seed: PROJECT_ROOT }),
    });

    // push
    const commit = await repo.commitAndPush('Initial stacks');
    emit(timelineEvent('push', 'initial stacks pushed to main', { commit }));

    // source, plan
    const artifact = await fetcher.fetch(repo.remote, commit);
    const files = (await git(['ls-tree', '-r', '--name-only', commit], { cwd: artifact.dir })).split('\n');
    const projects = discoverProjects(files, (p) => readFileSync(join(artifact.dir, p), 'utf8'));
    const affected = affectedStacks(projects, files, ['policies']).filter((a) => a.stack === 'sandbox');

    let failures = 0;
    for (const target of affected) {
      const outcome = await deployStack(
        runner,
        { artifact, project: target.project, stack: target.stack, apply: true, policyPacks: ['policies'] },
        emit,
      );
      if (outcome.status === 'failed' || outcome.status === 'policy-violation') failures += 1;
    }
    emit(timelineEvent('service', `fleet runs ${fleet.services().map((s) => `${s.name} (capacity ${s.capacity}, ${s.instanceSize}, ${s.version})`).join(', ') || 'nothing'}`));
    await fetcher.release(artifact);

    if (!options.once) {
      emit(timelineEvent('service', 'sandbox running; press Ctrl-C to stop'));
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
    }
    return failures === 0 ? 0 : 1;
  } finally {
    await stop();
  }
}
