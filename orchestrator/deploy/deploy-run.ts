import { randomBytes } from 'node:crypto';
import type { Job } from 'bullmq';
import type { DeployJobData } from '../queue/deploy-job.ts';
import { stackKey } from '../model/stack-key.ts';
import type { StackLease } from '../queue/stack-lock.ts';
import type { RunReason, RunRecord } from '../records/run-record.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import type { WorkerContext } from './worker-context.ts';

function newRunId(): string {
  return `r-${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`;
}

/** A run that has just taken its stack's lease. */
export function runningRecord(ctx: WorkerContext, job: Job<DeployJobData>, data: DeployJobData, lease: StackLease, phase: RunRecord['phase']): RunRecord {
  return {
    id: newRunId(),
    jobId: String(job.id),
    target: data.target,
    stackKey: stackKey(data.target),
    commit: data.commit,
    apply: data.mode === 'drift' ? false : data.apply,
    mode: data.mode,
    trigger: data.trigger,
    phase,
    status: 'running',
    attempt: job.attemptsMade + 1,
    fence: lease.fence,
    worker: ctx.workerId,
    engineVersion: ctx.deps.engineVersion,
    timings: { enqueuedAt: data.enqueuedAt, startedAt: new Date().toISOString() },
  };
}

/** A job that did not run (superseded, or its stack stalled on the commit): recorded as skipped, with why. */
export async function recordSkipped(ctx: WorkerContext, job: Job<DeployJobData>, data: DeployJobData, reason: RunReason, message: string): Promise<void> {
  const now = new Date().toISOString();
  const run: RunRecord = {
    id: newRunId(),
    jobId: String(job.id),
    target: data.target,
    stackKey: stackKey(data.target),
    commit: data.commit,
    apply: data.apply,
    mode: data.mode,
    trigger: data.trigger,
    phase: 'done',
    status: 'skipped',
    reason,
    message,
    attempt: job.attemptsMade + 1,
    worker: ctx.workerId,
    engineVersion: ctx.deps.engineVersion,
    timings: { enqueuedAt: data.enqueuedAt, startedAt: now, finishedAt: now },
  };
  await ctx.deps.store.save(run);
  ctx.emit(timelineEvent('preview', `skipped: ${message}`, { stack: data.target.stack, commit: data.commit, outcome: 'skipped' }));
}
