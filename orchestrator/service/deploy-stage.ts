import { join } from 'node:path';
import { createPackBuilder, type PackBuilder } from '../build/pack-build.ts';
import { createProgramBuilder } from '../build/program-build.ts';
import { pruneCompileCache } from '../build/prune-compile-cache.ts';
import { createRedisChangeStore } from '../changes/change-store.ts';
import { createForceUnlock, type ForceUnlock } from '../deploy/force-unlock.ts';
import { startDeployWorker, type DeployWorker } from '../deploy/deploy-worker.ts';
import { backendMayHoldStacks, restoreFromBackend, type RestoreReport } from '../deploy/restore-from-backend.ts';
import { createStackRunner, type StackRunner } from '../engine/stack-runner.ts';
import { startIntakeWorker } from '../intake/intake-worker.ts';
import { createPlanStore } from '../records/plan-store.ts';
import type { RunRecord } from '../records/run-record.ts';
import type { Toolchain } from '../runtime/toolchain.ts';
import { startPoller } from '../source/poller.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import { startChangeReader } from './change-reader.ts';
import { startDriftScheduler } from './drift-scheduler.ts';
import { startPromotionScheduler } from './promotion-scheduler.ts';
import { createPromotionRunner } from '../promote/promotion-runner.ts';
import { createPromotionStore } from '../records/promotion-store.ts';
import { remediationIdOf } from '../remediate/remediation-record.ts';
import type { SharedParts } from './shared-parts.ts';

/** The GitOps half of a worker process: intake, deploy, the poller, drift checks and the start-up restore. */
export interface DeployStage {
  runner: StackRunner;
  unlock: ForceUnlock;
  deployWorker: DeployWorker;
  /** The start-up restore from the state backend; undefined when there was nothing to look at. */
  restored: Promise<RestoreReport | undefined>;
  /** In the order they are to be stopped. */
  stops: (() => Promise<void> | void)[];
}

export interface DeployStageOptions {
  toolchain: Toolchain;
  /** Folders of the service's pinned policy packs, run on every preview and update. */
  pinnedPolicyPacks: string[];
  engineEnv?: Record<string, string>;
  workerId?: string;
}

export async function startDeployStage(parts: SharedParts, options: DeployStageOptions): Promise<DeployStage> {
  const { config, emit } = parts;
  const compileCacheDir = join(config.dataDir, 'cache', 'node-compile');
  const runner = await createStackRunner({
    pulumiDir: options.toolchain.pulumiDir,
    backendUrl: config.pulumi.backendUrl,
    passphrase: config.pulumi.passphrase.reveal(),
    policyPacks: [],
    plugins: config.pulumi.plugins,
    env: { ...options.toolchain.engineEnv, ...config.pulumi.env, ...options.engineEnv },
    passEnv: config.pulumi.engineEnv,
    compileCacheDir,
    packFolder: packFolderOf(createPackBuilder({ dir: join(config.dataDir, 'builds', 'policy'), onCompiled: () => parts.metrics.builds.inc({ target: 'policy-pack', kind: 'compiled' }) })),
  });
  const unlock = createForceUnlock({ runner, fetcher: parts.fetcher, store: parts.store, audit: parts.audit, lock: parts.stackLock(), repo: parts.repo });
  const promotions = promotionRunnerOf(parts);
  const intakeWorker = startIntakeWorker({
    connection: parts.redis,
    prefix: parts.prefix,
    repos: config.repositories,
    fetcher: parts.fetcher,
    store: parts.store,
    deployQueue: parts.deployQueue,
    emit,
    pullRequestClosed: (repoId, event) => parts.reviews.closedOnForge(repoId, event),
    openPromotion: (repoId, commit, stackKeys) => promotions.open(repoId, commit, stackKeys),
    promotionQueued: (repoId, commit) => promotions.queued(repoId, commit),
  });
  // Change events are read beside the deploys, telemetry or not: drift records link them, and the diagnosis reads them when it runs.
  const changes = createRedisChangeStore({ redis: parts.redis, prefix: parts.prefix, retainMs: config.changeEvents.retainHours * 3_600_000 });
  const changeReader = startChangeReader(parts, changes);
  const deployWorker = startDeployWorker({
    connection: parts.redis,
    prefix: parts.prefix,
    queue: parts.deployQueue,
    runner,
    fetcher: parts.fetcher,
    store: parts.store,
    lock: parts.stackLock(),
    jobLockMs: config.leaseSeconds * 1000,
    repo: (id) => {
      const r = parts.repo(id);
      return r ? { id: r.id, url: r.url, policyPacks: r.policyPacks, driftAction: r.drift.action, ...(r.engineEnv ? { engineEnv: r.engineEnv } : {}) } : undefined;
    },
    policyConfig: config.policy.config,
    pinnedPolicyPacks: options.pinnedPolicyPacks,
    engineVersion: options.toolchain.pulumiVersion,
    emit,
    concurrency: config.concurrency.deploy,
    shutdownGraceMs: config.shutdownGraceSeconds * 1000,
    ...(options.workerId ? { workerId: options.workerId } : {}),
    forge: parts.forgeOf,
    plugins: config.pulumi.plugins,
    plans: createPlanStore(parts.redis, parts.prefix),
    // A drift record names the change events that explain it.
    changes,
    builder: programBuilderOf(parts, compileCacheDir),
    onRunFinished: (run) => countRun(parts, run),
    promotionGate: (key, commit) => promotions.gate(key, commit),
  });
  const poller = startPoller({ redis: parts.redis, prefix: parts.prefix, repos: config.repositories, intake: parts.intake, emit });
  const drift = startDriftScheduler({ connection: parts.redis, prefix: parts.prefix, repos: config.repositories, store: parts.store, queue: parts.deployQueue, emit });
  const soaks = config.repositories.flatMap((r) => (r.promotion ? [r.promotion.soak] : []));
  const promotionTicks = startPromotionScheduler({ connection: parts.redis, prefix: parts.prefix, soaksMs: soaks, runner: promotions, emit });
  const stops: DeployStage['stops'] = [() => poller.stop(), () => drift.stop(), () => promotionTicks.stop(), () => intakeWorker.close(), () => deployWorker.close()];
  if (changeReader) stops.unshift(changeReader);
  let restored: Promise<RestoreReport | undefined> = Promise.resolve(undefined);
  // Redis lost entirely: each stack's applied commit is read back from the backend, and the deploy branches caught up with.
  if (backendMayHoldStacks(config.pulumi.backendUrl)) {
    restored = restoreFromBackend({ repos: config.repositories, fetcher: parts.fetcher, store: parts.store, runner, intake: parts.intake, emit }).catch((err: unknown) => {
      emit(timelineEvent('error', `restore from the state backend failed: ${err instanceof Error ? err.message : String(err)}`));
      return undefined;
    });
    stops.push(() => restored.then(() => undefined));
  }
  return { runner, unlock, deployWorker, restored, stops };
}

/** Promotion waves: opened by the intake, moved on by the deploy workers' gate and a tick. */
function promotionRunnerOf(parts: SharedParts) {
  const { config } = parts;
  // A halt's incident goes to the remediation stage, where one runs (it needs telemetry).
  const remediate = config.telemetry.enabled && config.remediation.enabled
    ? async (incidentId: string, stackKey: string, contentId: string) => void (await parts.remediationQueue.add({ remediationId: remediationIdOf(incidentId), incidentId, stackKey, cause: 'incident' }, contentId))
    : undefined;
  return createPromotionRunner({
    promotions: createPromotionStore(parts.redis, parts.prefix),
    queue: parts.deployQueue,
    store: parts.store,
    incidents: parts.incidents,
    config: (id: string) => parts.repo(id)?.promotion,
    audit: parts.audit,
    emit: parts.emit,
    ...(remediate ? { remediate } : {}),
  });
}

/** A finished run in the metrics: its outcome, and how long its preview and update took. */
function countRun(parts: SharedParts, run: RunRecord): void {
  parts.metrics.runResults.inc({ status: run.status, reason: run.reason ?? '' });
  if (run.timings.previewMs !== undefined) parts.metrics.runDuration.observe({ kind: run.mode === 'drift' ? 'refresh' : 'preview' }, run.timings.previewMs / 1000);
  if (run.timings.applyMs !== undefined) parts.metrics.runDuration.observe({ kind: 'up' }, run.timings.applyMs / 1000);
}

/** The folder the engine runs for a policy pack: its compiled build when it is TypeScript, else the folder itself. */
function packFolderOf(builder: PackBuilder): (folder: string) => Promise<string> {
  return async (folder) => (await builder.prepare(folder))?.folder ?? folder;
}

/** The program builder, counting its compiles; each new build also prunes the engines' compile cache. */
function programBuilderOf(parts: SharedParts, compileCacheDir: string) {
  return createProgramBuilder({
    dir: join(parts.config.dataDir, 'builds'),
    onCompiled: (b) => {
      parts.metrics.builds.inc({ target: 'program', kind: b.kind });
      // A new commit's bundle is a new path to Node's compile cache: pruned as the builds are.
      void pruneCompileCache(compileCacheDir).catch((err: Error) => parts.emit(timelineEvent('error', `compile cache not pruned: ${err.message}`)));
    },
  });
}
