import { existsSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { hostname } from 'node:os';
import { join } from 'node:path';
import { DelayedError, UnrecoverableError, Worker, type Job } from 'bullmq';
import { declaredEngineEnv } from '../engine/engine-env.ts';
import { classifyEngineError } from '../engine/engine-errors.ts';
import { engineEventLine } from '../engine/event-log.ts';
import { parseDeployJobData, type DeployJobData } from '../queue/deploy-job.ts';
import { DEPLOY_QUEUE } from '../queue/deploy-queue.ts';
import { stackKey } from '../queue/stack-key.ts';
import { LeaseLostError, type StackLease } from '../queue/stack-lock.ts';
import { startWorkerHeartbeat } from '../queue/worker-heartbeat.ts';
import type { RunReason, RunRecord } from '../records/run-record.ts';
import { applyRun, isStalledFor, startRun } from '../records/stack-status.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import { GitError } from '../source/git.ts';
import { timelineEvent, type TimelineEvent } from '../timeline/timeline-event.ts';
import { engineFailure, failureOf, firstLine, StalledError, TransientError, WaitingError } from './deploy-errors.ts';
import { recordSkipped, runningRecord } from './deploy-run.ts';
import { deployStack, type DeployOutcome } from './deploy-stack.ts';
import { driftCheck } from './drift-check.ts';
import { jobOutcome } from './job-outcome.ts';
import { postPreview } from './post-preview.ts';
import { recordEngine, recoverCrashedRuns, recoverLockedStack } from './run-recovery.ts';
import { stackRef, type DeployWorkerDeps, type WorkerContext } from './worker-context.ts';

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
  const emit = deps.emit ?? (() => {});
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
  const ctx: WorkerContext = { deps, prefix, workerId, emit, shutdown: shutdown.signal, running, interruptGraceMs };

  async function processJob(job: Job<DeployJobData>, token?: string): Promise<string> {
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

    // 3. One update per stack: wait for the lock without counting an attempt.
    const lease = await deps.lock.tryAcquire(key, workerId);
    if (!lease) {
      await job.moveToDelayed(Date.now() + (deps.lockRetryMs ?? 500) + Math.floor(Math.random() * 100), token);
      throw new DelayedError();
    }
    try {
      return data.mode === 'drift' ? await driftCheck(ctx, job, data, lease) : await reconcile(job, data, lease, token);
    } finally {
      await lease.release();
    }
  }

  async function reconcile(job: Job<DeployJobData>, data: DeployJobData, lease: StackLease, token?: string): Promise<string> {
    const key = stackKey(data.target);
    const attempt = job.attemptsMade + 1;

    // recover: a run of this job left "running" by a crashed worker is marked aborted, and the engine's leftovers cleared.
    const crashed = (await deps.store.inFlight()).filter((r) => r.stackKey === key);
    const repo = deps.repo(data.target.repo);
    if (!repo) throw new StalledError('SourceUnavailable', `repository ${data.target.repo} is not watched (anymore)`);

    const run = runningRecord(ctx, job, data, lease, 'fetching');
    const save = async () => {
      if (!(await deps.store.saveFenced(run, lease.fence))) {
        throw new Error(`lost the lock of ${key} (fence ${lease.fence}); another worker owns the stack now`);
      }
    };
    await save();
    let status = startRun(await deps.store.status(key), run, run.timings.startedAt!);
    await deps.store.saveStatus(status);

    const log: string[] = [];
    const flushLog = async () => {
      const lines = log.splice(0, log.length);
      await deps.store.appendLog(run.id, lines);
    };
    const sink = (e: TimelineEvent) => {
      log.push(`${e.at.slice(11, 19)} ${e.type}: ${e.message}`);
      emit({ ...e, details: { ...e.details, runId: run.id } });
    };

    let artifact: SourceArtifact | undefined;
    let outcome: DeployOutcome | undefined;
    const cancel = new AbortController();
    running.add(cancel);
    // A lost lease stops the engine: another worker may own the stack now.
    const onLeaseLost = () => cancel.abort(lease.signal.reason);
    lease.signal.addEventListener('abort', onLeaseLost, { once: true });
    try {
      await recoverCrashedRuns(ctx, crashed, repo, data, sink);

      // source
      try {
        artifact = await deps.fetcher.fetch(repo.url, data.commit, key);
      } catch (err) {
        if (err instanceof GitError) throw new TransientError('SourceUnavailable', err.message);
        throw err;
      }

      // A commit without the project (a revert of the commit that added it) is not a program to run.
      if (!existsSync(join(artifact.dir, data.target.project, 'Pulumi.yaml'))) {
        throw new StalledError('InvalidProgram', `no Pulumi.yaml in ${data.target.project || 'the repository root'} at ${data.commit.slice(0, 12)}`);
      }

      // preview (+ policy), then apply on the deploy branch
      run.phase = 'previewing';
      await save();
      outcome = await deployStack(
        deps.runner,
        {
          artifact,
          project: data.target.project,
          stack: data.target.stack,
          apply: data.apply,
          policyPacks: repo.policyPacks,
          ...(deps.pinnedPolicyPacks ? { pinnedPolicyPacks: deps.pinnedPolicyPacks } : {}),
          passEnv: declaredEngineEnv(repo.engineEnv, data.target.stack),
          ...(deps.policyConfig ? { policyConfig: deps.policyConfig } : {}),
          signal: cancel.signal,
          refresh: data.trigger.kind === 'drift',
          ...(status.outputs ? { deployedOutputs: status.outputs } : {}),
          onPreviewStart: () => {
            run.timings.previewStartedAt = new Date().toISOString();
          },
          beforeApply: async () => {
            // Intent before side effects: a crash from here on leaves a run that says "applying".
            run.phase = 'applying';
            await save();
          },
          onEngineEvent: (e) => {
            const line = engineEventLine(e);
            if (line) log.push(line);
          },
          interruptGraceMs,
          onEngineStarted: (engine) => {
            void recordEngine(ctx, key, engine, run).then(save).catch((err: unknown) => cancel.abort(err instanceof LeaseLostError ? err : new LeaseLostError(String(err))));
          },
        },
        sink,
      );
      run.previewSummary = outcome.preview.summary;
      run.policyPacks = outcome.policyPacks;
      if (outcome.apply) {
        // One engine process previewed and applied: its time is the apply's.
        run.applySummary = outcome.apply.summary;
        run.timings.applyMs = outcome.apply.durationMs;
      } else {
        run.timings.previewMs = outcome.preview.durationMs;
      }
      if (outcome.status === 'policy-violation') {
        const v = outcome.preview.summary.policyViolations.filter((x) => x.level === 'mandatory');
        throw new StalledError('PolicyViolation', v.map((x) => `${x.policy}: ${x.message}`).join('; '));
      }
      if (outcome.status === 'failed') {
        const failedRun = outcome.apply ?? outcome.preview;
        const text = failedRun.error ?? failedRun.summary.errors.join('\n');
        if (shutdown.signal.aborted) throw new WaitingError('Cancelled', 'cancelled by shutdown');
        throw engineFailure(classifyEngineError(text), firstLine(text));
      }

      run.status = outcome.status === 'applied' ? 'applied' : outcome.status === 'unchanged' ? 'unchanged' : 'previewed';
      run.message = outcome.status;
      // The stack's outputs come with the run's own events: no extra engine call.
      const outputs = run.status === 'applied' || run.status === 'unchanged' ? (outcome.apply ?? outcome.preview).summary.outputs : undefined;
      await finish(run, outputs);
      return run.status;
    } catch (caught) {
      if (lease.signal.aborted) return await leaseLost(job, run, lease, token);
      const err = failureOf(caught).reason === 'StackLocked' && artifact ? await recoverLockedStack(ctx, caught, key, stackRef(repo, artifact, data), run) : caught;
      const outcome = jobOutcome(err, attempt);
      run.reason = outcome.reason;
      // Cancelled by shutdown is not the commit's fault: the next worker takes the job again.
      run.status = outcome.status;
      run.message = outcome.message;
      await finish(run);
      sink(timelineEvent('error', `${run.reason}: ${run.message}`, { stack: data.target.stack, commit: data.commit, outcome: run.status }));
      if (outcome.next.action === 'fail') throw new UnrecoverableError(run.message);
      if (outcome.next.action === 'delay') {
        await job.moveToDelayed(Date.now() + outcome.next.delayMs, token);
        throw new DelayedError();
      }
      throw err;
    } finally {
      lease.signal.removeEventListener('abort', onLeaseLost);
      running.delete(cancel);
      await flushLog().catch(() => undefined);
      if (artifact) await deps.fetcher.release(artifact).catch(() => undefined);
    }

    async function finish(r: RunRecord, outputs?: Record<string, unknown>): Promise<void> {
      r.phase = 'done';
      r.timings.finishedAt = new Date().toISOString();
      // The stack's status first: whoever sees the finished run also sees its effect.
      status = applyRun(status, r, r.timings.finishedAt, outputs);
      await deps.store.saveStatus(status);
      await save();
      deps.onRunFinished?.(r);
      if (r.trigger.kind === 'pull_request') await postPreview(ctx, r);
    }
  }

  /**
   * The lease went while the run held it: the engine has been interrupted.
   * The run says so while its record is still ours to write (a newer holder's
   * crash recovery wins otherwise); the stack's status is left to the new
   * holder, and the job comes back later without counting an attempt.
   */
  async function leaseLost(job: Job<DeployJobData>, run: RunRecord, lease: StackLease, token?: string): Promise<string> {
    const lost = lease.signal.reason as LeaseLostError;
    run.status = 'aborted';
    run.reason = 'LeaseLost';
    run.phase = 'done';
    run.message = lost.message;
    run.timings.finishedAt = new Date().toISOString();
    await deps.store.saveIfStillRunning(run).catch(() => false);
    emit(timelineEvent('error', `LeaseLost: ${lost.message}; the engine was interrupted`, { stack: run.target.stack, commit: run.commit, outcome: 'aborted' }));
    deps.onRunFinished?.(run);
    await job.moveToDelayed(Date.now() + 2000, token).catch(() => undefined);
    throw new DelayedError();
  }

  const worker = new Worker<DeployJobData>(DEPLOY_QUEUE, processJob, {
    connection: deps.connection,
    prefix,
    concurrency: deps.concurrency ?? 4,
    // A job whose worker stops renewing its lock for this long is handed to another worker.
    lockDuration: deps.jobLockMs ?? 30_000,
    stalledInterval: Math.max(1000, Math.floor((deps.jobLockMs ?? 30_000) / 2)),
    maxStalledCount: 2,
  });
  worker.on('error', (err) => emit(timelineEvent('error', `deploy worker: ${err.message}`)));

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

/** Time kept at the end of a shutdown for recording how the interrupted runs ended. */
const RECORD_MARGIN_MS = 1000;
