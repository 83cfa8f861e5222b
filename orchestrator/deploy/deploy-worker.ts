import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { parseDeployJobData, type DeployJobData } from '../queue/deploy-job.ts';
import { DEPLOY_QUEUE } from '../queue/deploy-queue.ts';
import { stackKey } from '../model/stack-key.ts';
import { startWorkerHeartbeat } from '../queue/worker-heartbeat.ts';
import type { RunReason } from '../records/run-record.ts';
import { isStalledFor } from '../records/stack-status.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import { recordSkipped } from './deploy-run.ts';
import { gateOnDependencies, holdBack, holdForPromotion } from './dependency-wait.ts';
import { driftCheck } from './drift-check.ts';
import { reconcile } from './reconcile.ts';
import type { DeployWorkerDeps, WorkerContext } from './worker-context.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';

export type { DeployWorkerDeps, WatchedRepo } from './worker-context.ts';

export interface DeployWorker {
  readonly id: string;
  /**
   * Stops taking jobs; lets running updates finish within the grace period,
   * less the engine's interrupt grace and a second to record, then interrupts
   * them: so that every engine has stopped, and its run is recorded, by the
   * end of the grace period.
   */
  close(): Promise<void>;
  /** Interrupts every running engine now (a shutdown that ran out of time). */
  abort(): void;
}

/**
 * The deploy worker: takes deploy jobs and, for each, runs the ordered steps
 * of a reconcile — supersede check, stack lock, record intent, source,
 * preview with policy, apply — stopping at the first that fails, and always
 * writing the run record and the stack's status on the way out.
 */
export function startDeployWorker(deps: DeployWorkerDeps): DeployWorker {
  const prefix = deps.prefix ?? 'homeostat';
  const workerId = deps.workerId ?? `${process.pid}-${randomBytes(3).toString('hex')}`;
  // Aborted when shutdown's grace period runs out: every running update is cancelled.
  const shutdown = new AbortController();
  shutdown.signal.addEventListener('abort', () => {
    for (const ac of running) ac.abort();
  });
  const running = new Set<AbortController>();
  const leaseMs = deps.jobLockMs ?? 30_000;
  // A worker cut off from Redis stops its engine within ¾ of a lease (lost at half a lease
  // without renewal, then this grace); its heartbeat outlives that, so a heartbeat gone means
  // no engine of this worker runs any more.
  const interruptGraceMs = Math.min(10_000, Math.floor(leaseMs / 4));
  const heartbeat = startWorkerHeartbeat(deps.connection, { prefix, worker: workerId, host: hostname(), ttlMs: Math.floor(leaseMs * 1.5) });
  const ctx: WorkerContext = { deps, prefix, workerId, emit: deps.emit ?? (() => {}), shutdown: shutdown.signal, running, interruptGraceMs };

  const worker = new Worker<DeployJobData>(DEPLOY_QUEUE, (job, token) => processJob(ctx, job, token), {
    connection: deps.connection,
    prefix,
    concurrency: deps.concurrency ?? 4,
    // A job whose worker stops renewing its lock for this long is handed to another worker.
    lockDuration: deps.jobLockMs ?? 30_000,
    stalledInterval: Math.max(1000, Math.floor((deps.jobLockMs ?? 30_000) / 2)),
    maxStalledCount: 2,
  });
  worker.on('error', throttledErrors((err) => ctx.emit(timelineEvent('error', `deploy worker: ${err.message}`))));

  return {
    id: workerId,
    async close() {
      const closing = worker.close();
      // Interrupted early enough that the engine has stopped, and the run is recorded, by the end of the grace.
      const grace = Math.max(0, (deps.shutdownGraceMs ?? 60_000) - interruptGraceMs - RECORD_MARGIN_MS);
      const timer = setTimeout(() => shutdown.abort(), grace);
      await closing;
      clearTimeout(timer);
      await heartbeat.stop();
    },
    abort() {
      shutdown.abort();
    },
  };
}

/** One deploy job: skipped when superseded or stalled, else a drift check or a reconcile under the stack's lease. */
async function processJob(ctx: WorkerContext, job: Job<DeployJobData>, token?: string): Promise<string> {
  const { deps } = ctx;
  let data: DeployJobData;
  try {
    data = parseDeployJobData(job.data);
  } catch (err) {
    throw new UnrecoverableError((err as Error).message);
  }
  const key = stackKey(data.target);

  // 1. Latest wins: a newer commit for this stack was queued after this one.
  if (data.apply && (await deps.queue.latestApply(data.target)) !== job.id) {
    await recordSkipped(ctx, job, data, 'Superseded', 'a newer commit for this stack arrived first');
    return 'skipped';
  }
  // 2. A stack stalled on this commit waits for a new one (a person's manual run may still go ahead).
  const before = await deps.store.status(key);
  if (data.trigger.kind !== 'manual' && data.trigger.kind !== 'recovery' && isStalledFor(before, data.commit)) {
    await recordSkipped(ctx, job, data, before.conditions.Stalled.reason as RunReason, `stack is stalled on this commit: ${before.conditions.Stalled.message}`);
    return 'skipped';
  }

  // 3. Dependencies first (the stack graph): wait while one is being applied, hold back while one fails.
  if (data.apply && data.mode === 'deploy' && data.trigger.kind !== 'manual' && data.trigger.kind !== 'recovery') {
    const gate = await gateOnDependencies(ctx, key, data.graph);
    if (!gate.go) return holdBack(ctx, job, data, key, gate, token);
    // Promotion waves: a later wave's stack waits, without counting an attempt, until the waves before it passed.
    const wave = (await deps.promotionGate?.(key, data.commit)) ?? { go: true };
    if (!wave.go) return holdForPromotion(ctx, job, data, wave.why, token);
  }

  // 4. One update per stack: wait for the lock without counting an attempt.
  const lease = await deps.lock.tryAcquire(key, ctx.workerId);
  if (!lease) {
    await job.moveToDelayed(Date.now() + (deps.lockRetryMs ?? 500) + Math.floor(Math.random() * 100), token);
    throw new DelayedError();
  }
  try {
    return data.mode === 'drift' ? await driftCheck(ctx, job, data, lease) : await reconcile(ctx, job, data, lease, token);
  } finally {
    await lease.release();
  }
}

/** Time kept at the end of a shutdown for recording how the interrupted runs ended. */
const RECORD_MARGIN_MS = 1000;
