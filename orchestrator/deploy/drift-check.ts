import { UnrecoverableError, type Job } from 'bullmq';
import { classifyEngineError } from '../engine/engine-errors.ts';
import type { RunResult } from '../engine/stack-runner.ts';
import { changedResources } from '../engine/run-summary.ts';
import type { DeployJobData } from '../queue/deploy-job.ts';
import { stackKey } from '../model/stack-key.ts';
import type { StackLease } from '../queue/stack-lock.ts';
import type { RunRecord } from '../records/run-record.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import { describeLink, explainingChanges } from '../changes/drift-explanation.ts';
import { firstLine } from './deploy-errors.ts';
import { runningRecord } from './deploy-run.ts';
import { stackRef, type WatchedRepo, type WorkerContext } from './worker-context.ts';

/**
 * Drift: a refresh-only preview of the commit last applied. Differences are
 * recorded; with `reconcile`, the commit is applied again (refreshing
 * first), through the same queue and lock as any deploy.
 */
export async function driftCheck(ctx: WorkerContext, job: Job<DeployJobData>, data: DeployJobData, lease: StackLease): Promise<string> {
  const { deps } = ctx;
  const repo = deps.repo(data.target.repo);
  if (!repo) throw new UnrecoverableError(`repository ${data.target.repo} is not watched (anymore)`);
  const run = runningRecord(ctx, job, data, lease, 'previewing');
  await deps.store.saveFenced(run, lease.fence);
  const artifact = await deps.fetcher.fetch(repo.url, data.commit, stackKey(data.target));
  try {
    const result = await deps.runner.run('refresh', stackRef(repo, artifact, data), { previewOnly: true });
    run.previewSummary = result.summary;
    run.timings.previewMs = result.durationMs;
    run.phase = 'done';
    run.timings.finishedAt = new Date().toISOString();
    if (!result.ok) {
      run.status = 'failed';
      run.reason = classifyEngineError(result.error ?? '').reason;
      run.message = firstLine(result.error ?? 'refresh failed');
    } else {
      await recordDrift(ctx, run, result, repo, data);
    }
    await deps.store.saveFenced(run, lease.fence);
    deps.onRunFinished?.(run);
    return run.status;
  } finally {
    await deps.fetcher.release(artifact).catch(() => undefined);
  }
}

/** A clean refresh: in sync, or drifted (reported, and with `reconcile` the commit queued again). */
async function recordDrift(ctx: WorkerContext, run: RunRecord, result: RunResult, repo: WatchedRepo, data: DeployJobData): Promise<void> {
  const drifted = changedResources(result.summary);
  run.status = drifted.length > 0 ? 'drifted' : 'in-sync';
  run.message =
    drifted.length === 0
      ? 'deployed resources match the state'
      : drifted.map((r) => `${r.name}: ${r.changes.map((c) => `${c.path} ${JSON.stringify(c.old)} → ${JSON.stringify(c.new)}`).join(', ') || r.op}`).join('; ');
  if (drifted.length > 0) {
    if (ctx.deps.changes) {
      const status = await ctx.deps.store.status(run.stackKey);
      const appliedAt = status.appliedAt ? Date.parse(status.appliedAt) : undefined;
      // Changes after the last apply: the state the refresh compared with is that apply's.
      const links = explainingChanges(run.stackKey, drifted, await ctx.deps.changes.since(appliedAt === undefined ? 0 : Math.floor(appliedAt / 1000) * 1000), appliedAt);
      if (links.length > 0) {
        run.explainedBy = links;
        run.message += `; explained by ${describeLink(links[0]!)}`;
      }
    }
    ctx.emit(timelineEvent('drift', run.message, { stack: data.target.stack, commit: data.commit, outcome: repo.driftAction ?? 'report', details: { runId: run.id, ...(run.explainedBy ? { explainedBy: run.explainedBy } : {}) } }));
    if (repo.driftAction === 'reconcile') {
      await ctx.deps.queue.enqueue(data.target, data.commit, true, { kind: 'drift', driftId: run.id }, { suffix: `reconcile-${run.id}` });
    }
  }
}
