import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { ChangeStore } from '../changes/change-store.ts';
import { declaredEngineEnv } from '../engine/engine-env.ts';
import type { StackRef, StackRunner } from '../engine/stack-runner.ts';
import type { ProgramBuilder } from '../build/program-build.ts';
import type { PluginsConfig } from '../config/plugins-config.ts';
import type { ForgeAdapter } from '../forge/forge.ts';
import type { PolicyConfig } from '../plan/policy-config.ts';
import type { DeployJobData } from '../queue/deploy-job.ts';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import type { StackLock } from '../queue/stack-lock.ts';
import type { RunRecord } from '../records/run-record.ts';
import type { PlanStore } from '../records/plan-store.ts';
import type { RunStore } from '../records/run-store.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';
import type { TimelineSink } from '../timeline/timeline-event.ts';

/** A watched repository, as the worker needs it. */
export interface WatchedRepo {
  id: string;
  url: string;
  /** Policy pack folders relative to the repository root. */
  policyPacks: string[];
  /** What a drift check does when it finds drift; default `report`. */
  driftAction?: 'report' | 'reconcile';
  /** The repository's `engineEnv`: variables of the service's environment its stacks' engines get. */
  engineEnv?: readonly string[] | Readonly<Record<string, readonly string[]>>;
}

export interface DeployWorkerDeps {
  connection: Redis;
  prefix?: string;
  queue: DeployQueue;
  runner: StackRunner;
  fetcher: SourceFetcher;
  store: RunStore;
  lock: StackLock;
  repo(id: string): WatchedRepo | undefined;
  policyConfig?: PolicyConfig;
  /** Pinned policy pack folders from the service config: enforced on every run, whatever the commit holds. */
  pinnedPolicyPacks?: string[];
  engineVersion: string;
  /** Timeline of what happens, for the sandbox and the dashboard. */
  emit?: TimelineSink;
  /** Default 4: stacks deploy in parallel, each stack one at a time. */
  concurrency?: number;
  /** How long a waiting job sleeps before it tries the stack's lock again; default 500 ms. */
  lockRetryMs?: number;
  /** On shutdown, how long a running update may take to finish before it is cancelled; default 60 s. */
  shutdownGraceMs?: number;
  /** Worker id in records and locks; default host-pid-random. */
  workerId?: string;
  /** How long a job stays with a worker that stops renewing it (a crash); default 30 000 ms. */
  jobLockMs?: number;
  /** Called with every finished run (metrics). */
  onRunFinished?: (run: RunRecord) => void;
  /** Where the engine's plugins come from (`pulumi.plugins`): a missing plugin's advice fits it. Default: advice that names no mode. */
  plugins?: PluginsConfig;
  /** The service's cache of update plans (see `deploy/plan-runs.ts`); without it, every apply previews afresh. */
  plans?: PlanStore;
  /** Compiles each commit's program once (by content) for the engine; without one, the engine runs the program as it is. */
  builder?: ProgramBuilder;
  /** Changes made outside Git (change events): a drift record names those that explain it. */
  changes?: Pick<ChangeStore, 'since'>;
  /** Where pull-request previews are posted; without one they stay in the service (API, CLI). */
  forge?: (repoId: string) => ForgeAdapter | undefined;
  /** Whether a stack's wave may apply the commit yet (`promote/`); without it, nothing is held for promotion. */
  promotionGate?: (stackKey: string, commit: string) => Promise<{ go: true } | { go: false; why: string }>;
}

/** What the worker's steps share: its dependencies, who it is, and its shutdown. */
export interface WorkerContext {
  readonly deps: DeployWorkerDeps;
  /** Key prefix in Redis (`deps.prefix`, default `homeostat`). */
  readonly prefix: string;
  /** Worker id in records and locks. */
  readonly workerId: string;
  /** `deps.emit`, or a sink that drops events. */
  readonly emit: TimelineSink;
  /** Aborted when shutdown's grace period runs out. */
  readonly shutdown: AbortSignal;
  /** The cancel switches of the engines running now: shutdown aborts them all. */
  readonly running: Set<AbortController>;
  /** After an abort, how long an engine has to stop before it is killed. */
  readonly interruptGraceMs: number;
}

/** The job's stack in a checked-out commit, with the variables its engine may have. */
export function stackRef(repo: WatchedRepo, artifact: SourceArtifact, data: DeployJobData): StackRef {
  return { workDir: join(artifact.dir, data.target.project), stack: data.target.stack, passEnv: declaredEngineEnv(repo.engineEnv, data.target.stack) };
}
