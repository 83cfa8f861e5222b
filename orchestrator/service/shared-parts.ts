import { join } from 'node:path';
import type { Redis } from 'ioredis';
import type { Logger } from 'pino';
import { createAuditLog, type AuditLog } from '../audit/index.ts';
import { configSecrets } from '../config/config-secrets.ts';
import type { ServiceConfig } from '../config/service-config.ts';
import { createIncidentStore, type IncidentStore } from '../correlate/incident-store.ts';
import { createSignalQueue, type SignalQueue } from '../correlate/signal-queue.ts';
import { forgeRepoPath, type ForgeAdapter } from '../forge/forge.ts';
import { createForges } from '../forge/create-forges.ts';
import { createMetrics, type Metrics } from '../http/metrics.ts';
import { createIntakeQueue, type IntakeQueue } from '../intake/intake-queue.ts';
import { createDeployQueue, type DeployQueue } from '../queue/deploy-queue.ts';
import { assertDurableRedis, createRedis } from '../queue/redis.ts';
import { createStackLock, type StackLock } from '../queue/stack-lock.ts';
import { createRunStore, type RunStore } from '../records/run-store.ts';
import { createGitWriter, type GitWriter } from '../remediate/git-writer.ts';
import { createGuardrailLedger, type GuardrailLedger } from '../remediate/guardrail-ledger.ts';
import { createRemediationQueue, type RemediationQueue } from '../remediate/remediation-queue.ts';
import { createRemediationStore, type RemediationStore } from '../remediate/remediation-store.ts';
import type { RemediationRepo } from '../remediate/remediation-worker.ts';
import { createReviewActions, type ReviewActions } from '../remediate/review-actions.ts';
import type { DependencyCache } from '../source/dependency-cache.ts';
import { createSourceFetcher, type SourceFetcher } from '../source/source-fetcher.ts';
import { startNotifier, type Notifier } from '../notify/notify-queue.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { createTimelineLog, type TimelineLog } from '../timeline/timeline-log.ts';

/**
 * What every part of the service shares, whichever of them this process
 * runs: one Redis connection and the queues and stores on it, the source
 * fetcher, the metrics, and the remediation records every process reads
 * (reviews are decided over the API, in any process).
 */
/** A watched repository as the config holds it, its webhook secret read. */
export type ServiceRepo = ServiceConfig['repositories'][number];

export interface SharedParts {
  readonly config: ServiceConfig;
  readonly emit: TimelineSink;
  readonly redis: Redis;
  readonly prefix: string;
  readonly store: RunStore;
  readonly deployQueue: DeployQueue;
  readonly intake: IntakeQueue;
  readonly fetcher: SourceFetcher;
  readonly metrics: Metrics;
  readonly incidents: IncidentStore;
  readonly signals: SignalQueue;
  readonly audit: AuditLog;
  readonly remediations: RemediationStore;
  readonly ledger: GuardrailLedger;
  readonly remediationQueue: RemediationQueue;
  readonly gitWriter: GitWriter;
  readonly reviews: ReviewActions;
  /** Notifications: queued from the timeline (`emit` feeds it), sent by processes that run workers. */
  readonly notifier: Notifier;
  /** The timeline shared by every process (a capped Redis stream), which the dashboard's event stream reads. */
  readonly timeline: TimelineLog;
  repo(id: string): ServiceRepo | undefined;
  remediationRepo(id: string): RemediationRepo | undefined;
  /** The forge that reports on repository `id`'s pull requests, if one is configured. */
  forgeOf(id: string): ForgeAdapter | undefined;
  /** A stack lock with the configured lease; each worker takes its own. */
  stackLock(): StackLock;
  /** Closes the queues, the audit log and Redis, in that order (the workers are stopped before). */
  closers(): (() => Promise<unknown> | unknown)[];
}

/** Connects to Redis (refusing one that may evict queued jobs) and builds the parts on it. */
export async function openSharedParts(config: ServiceConfig, deps: { emit: TimelineSink; dependencies: DependencyCache; log?: Logger; workers: boolean }): Promise<SharedParts> {
  const redisLog = deps.log?.child({ stage: 'redis' });
  const redis = createRedis(config.redisUrl, redisLog ? { say: (line) => redisLog.warn(line) } : {});
  try {
    await assertDurableRedis(redis);
  } catch (err) {
    await redis.quit().catch(() => undefined);
    throw err;
  }
  const prefix = config.redisPrefix;
  const repoById = new Map(config.repositories.map((r) => [r.id, r]));
  // Every step on the timeline goes past the notifier, which queues what its targets asked for; it never waits.
  const notifier = startNotifier({
    connection: redis,
    prefix,
    config: config.notifications,
    deliver: deps.workers,
    onError: (message) => deps.emit(timelineEvent('error', message)),
  });
  // The dashboard's live view: every step goes on the shared timeline too (never waited for, never throws).
  const timeline = createTimelineLog(redis, prefix);
  const emit: TimelineSink = (event) => {
    deps.emit(event);
    notifier.sink(event);
    void timeline.append(event);
  };
  const forges = createForges(config.forge);
  const deployQueue = createDeployQueue(redis, prefix);
  const intake = createIntakeQueue(redis, prefix);
  const signals = createSignalQueue(redis, prefix);
  const metrics = createMetrics(async () => ({
    deploy: await deployQueue.counts(),
    events: await intake.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
    signals: await signals.queue.getJobCounts('waiting', 'active', 'delayed', 'completed', 'failed'),
  }));
  // Remediation: Git writes, guardrail counts, review items and the audit log, shared by every process through Redis and the remote.
  const secretValues = configSecrets(config);
  const audit = createAuditLog(redis, prefix, { secrets: () => secretValues });
  const remediations = createRemediationStore(redis, prefix);
  const ledger = createGuardrailLedger(redis, prefix);
  const remediationQueue = createRemediationQueue(redis, prefix);
  const gitWriter = createGitWriter({ dir: join(config.dataDir, 'remediate'), bot: config.remediation.bot });
  const remediationRepo = (id: string): RemediationRepo | undefined => {
    const r = repoById.get(id);
    if (!r) return undefined;
    const name = r.forge ? (r.forgeRepo ?? forgeRepoPath(r.url, r.forge)) : undefined;
    return { id: r.id, url: r.url, deployBranch: r.deployBranch, ...(name ? { forgeRepoName: name } : {}) };
  };
  const reviews = createReviewActions({ store: remediations, queue: remediationQueue, ledger, git: gitWriter, audit, repo: remediationRepo, emit });
  return {
    config,
    emit,
    redis,
    prefix,
    store: createRunStore(redis, prefix),
    deployQueue,
    intake,
    fetcher: createSourceFetcher({ dir: join(config.dataDir, 'source'), dependencies: deps.dependencies }),
    metrics,
    incidents: createIncidentStore(redis, prefix),
    signals,
    audit,
    remediations,
    ledger,
    remediationQueue,
    gitWriter,
    reviews,
    notifier,
    timeline,
    repo: (id) => repoById.get(id),
    remediationRepo,
    forgeOf: (id) => {
      const forge = repoById.get(id)?.forge;
      return forge ? forges[forge] : undefined;
    },
    stackLock: () => createStackLock(redis, { prefix, leaseMs: config.leaseSeconds * 1000 }),
    closers: () => [() => notifier.close(), () => deployQueue.close(), () => intake.close(), () => signals.close(), () => remediationQueue.close(), () => audit.close(), () => redis.quit()],
  };
}
