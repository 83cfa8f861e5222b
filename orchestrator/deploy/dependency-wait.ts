import { DelayedError, type Job } from 'bullmq';
import { dependencyGate, type DependencyState, type GateDecision } from '../graph/dependency-gate.ts';
import { directDependenciesOf, graphOfStatuses } from '../graph/stack-graph.ts';
import { parseStackKey } from '../model/stack-key.ts';
import type { DeployJobData } from '../queue/deploy-job.ts';
import { blockRun, type StackStatus } from '../records/stack-status.ts';
import { recordSkipped } from './deploy-run.ts';
import { timelineEvent } from '../timeline/timeline-event.ts';
import type { WorkerContext } from './worker-context.ts';

/** BullMQ states of a job that has not finished. */
const UNFINISHED = new Set(['waiting', 'active', 'delayed', 'prioritized', 'waiting-children']);

/** How soon a job waiting for a dependency's apply looks again, and one blocked by a failed dependency. */
export const DEPENDENCY_WAIT_MS = 1000;
export const BLOCKED_RECHECK_MS = 15_000;

/**
 * The gate for `key`'s apply, from the stacks' statuses and the dependencies' queued jobs.
 * `atIntake` adds what the intake saw at the job's commit: declared dependencies of
 * stacks not applied yet, and a cycle they close.
 */
export async function gateOnDependencies(ctx: WorkerContext, key: string, atIntake?: DeployJobData['graph']): Promise<GateDecision> {
  const statuses = await ctx.deps.store.statuses();
  const recorded = graphOfStatuses(statuses);
  const graph = { cycle: recorded.cycle ?? atIntake?.cycle };
  const needed = [...new Set([...directDependenciesOf(recorded, key), ...(atIntake?.dependencies ?? [])])].filter((d) => d !== key).sort();
  if (needed.length === 0 && !graph.cycle?.includes(key)) return { go: true };
  const states: DependencyState[] = [];
  for (const dep of needed) {
    const status = statuses.find((s) => s.stackKey === dep);
    const latest = await ctx.deps.queue.latestApply(parseStackKey(dep));
    const job = latest ? await ctx.deps.queue.queue.getJob(latest) : undefined;
    const pending = job ? UNFINISHED.has(await job.getState()) : false;
    const ready = status?.conditions.Ready.status ?? false;
    const r = status?.conditions.Ready;
    const failure = !ready && r && r.reason !== 'NeverApplied' ? `${r.reason}: ${r.message}` : undefined;
    states.push({ stackKey: dep, pending, ready, ...(failure ? { failure } : {}) });
  }
  return dependencyGate(key, graph, states);
}

/**
 * Holds a job back that may not go yet, without counting an attempt: soon
 * while a dependency is being applied, later while one is failing. A block is
 * recorded once per job (a skipped run with reason `Blocked`, the stack not
 * Ready), not on every look.
 */
export async function holdBack(ctx: WorkerContext, job: Job<DeployJobData>, data: DeployJobData, key: string, gate: Exclude<GateDecision, { go: true }>, token?: string): Promise<never> {
  if ('blocked' in gate) {
    const recent = await ctx.deps.store.list({ stackKey: key, limit: 20 });
    const already = recent.some((r) => r.jobId === String(job.id) && r.reason === 'Blocked' && r.message === gate.blocked);
    if (!already) {
      await recordSkipped(ctx, job, data, 'Blocked', gate.blocked);
      const status: StackStatus = await ctx.deps.store.status(key);
      await ctx.deps.store.saveStatus(blockRun(status, data.commit, gate.blocked, new Date().toISOString()));
      // Once per job, like the record: what a person is told (notifications read the timeline).
      ctx.emit(timelineEvent('error', `Blocked: ${gate.blocked}`, { stack: data.target.stack, commit: data.commit, outcome: 'blocked', details: { reason: 'Blocked' } }));
    }
  }
  await job.moveToDelayed(Date.now() + ('wait' in gate ? DEPENDENCY_WAIT_MS : BLOCKED_RECHECK_MS), token);
  throw new DelayedError();
}

/** How soon a job held for its promotion wave looks again. */
export const PROMOTION_WAIT_MS = 1000;

/**
 * Holds back a job whose promotion wave has not come yet (see `promote/`),
 * without counting an attempt; said on the timeline once per job, when it
 * is first held, and the promotion record says where it stands.
 */
export async function holdForPromotion(ctx: WorkerContext, job: Job<DeployJobData>, data: DeployJobData, why: string, token?: string): Promise<never> {
  // Each look starts the job again (BullMQ counts starts apart from attempts): the first start says it.
  if (job.attemptsStarted <= 1) {
    ctx.emit(timelineEvent('apply', `held for promotion: ${why}`, { stack: data.target.stack, commit: data.commit, outcome: 'held' }));
  }
  await job.moveToDelayed(Date.now() + PROMOTION_WAIT_MS, token);
  throw new DelayedError();
}
