import type { Job } from 'bullmq';
import type { DeployJobData } from '../queue/deploy-job.ts';
import { stackKey } from '../model/stack-key.ts';
import type { StackLease } from '../queue/stack-lock.ts';
import { buildProgram } from './build-step.ts';
import { StalledError } from './deploy-errors.ts';
import { beginRun, fetchSource, flushLog, planDeploy, recordFailure, recordLeaseLost, recordSuccess, runEngine } from './reconcile-steps.ts';
import { recoverCrashedRuns } from './run-recovery.ts';
import type { WorkerContext } from './worker-context.ts';

/**
 * A reconcile of one stack at one commit, under the stack's lease: the
 * ordered steps of `reconcile-steps.ts`, stopping at the first that fails,
 * and always writing the run record and the stack's status on the way out.
 */
export async function reconcile(ctx: WorkerContext, job: Job<DeployJobData>, data: DeployJobData, lease: StackLease, token?: string): Promise<string> {
  const key = stackKey(data.target);

  // recover: a run of this job left "running" by a crashed worker is marked aborted, and the engine's leftovers cleared.
  const crashed = (await ctx.deps.store.inFlight()).filter((r) => r.stackKey === key);
  const repo = ctx.deps.repo(data.target.repo);
  if (!repo) throw new StalledError('SourceUnavailable', `repository ${data.target.repo} is not watched (anymore)`);

  // record intent
  const rec = await beginRun(ctx, { job, data, lease, token, key, repo });
  ctx.running.add(rec.cancel);
  // A lost lease stops the engine: another worker may own the stack now.
  const onLeaseLost = () => rec.cancel.abort(lease.signal.reason);
  lease.signal.addEventListener('abort', onLeaseLost, { once: true });
  try {
    await recoverCrashedRuns(ctx, crashed, repo, data, rec.sink);
    // source
    const artifact = await fetchSource(ctx, rec);
    // plan; build (the program compiled once per content); preview (+ policy), then apply on the deploy branch
    const input = planDeploy(ctx, rec, artifact);
    await buildProgram(ctx, rec, artifact);
    const outcome = await runEngine(ctx, rec, input);
    // record, and post to the forge
    return await recordSuccess(ctx, rec, outcome);
  } catch (err) {
    if (lease.signal.aborted) return await recordLeaseLost(ctx, rec);
    return await recordFailure(ctx, rec, err);
  } finally {
    lease.signal.removeEventListener('abort', onLeaseLost);
    ctx.running.delete(rec.cancel);
    await flushLog(ctx, rec).catch(() => undefined);
    if (rec.artifact) await ctx.deps.fetcher.release(rec.artifact).catch(() => undefined);
  }
}
