import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { DelayedError, UnrecoverableError, type Job } from 'bullmq';
import { declaredEngineEnv } from '../engine/engine-env.ts';
import { classifyEngineError, missingPluginAdvice } from '../engine/engine-errors.ts';
import { engineEventLine } from '../engine/event-log.ts';
import type { DeployJobData } from '../queue/deploy-job.ts';
import { LeaseLostError, type StackLease } from '../queue/stack-lock.ts';
import type { RunRecord } from '../records/run-record.ts';
import { applyRun, startRun, type StackLinks, type StackStatus } from '../records/stack-status.ts';
import type { SourceArtifact } from '../source/artifact.ts';
import { GitError } from '../source/git.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { engineFailure, failureOf, firstLine, StalledError, TransientError, WaitingError } from './deploy-errors.ts';
import { runningRecord } from './deploy-run.ts';
import { deployStack, type DeployOutcome, type DeployStackInput } from './deploy-stack.ts';
import { jobOutcome } from './job-outcome.ts';
import { postPreview } from './post-preview.ts';
import { recordEngine, recoverLockedStack } from './run-recovery.ts';
import { declaredLinksAt, type DeclaredStackLinks } from './stack-links-at.ts';
import { queueDependents } from './dependents.ts';
import { stackRef, type WatchedRepo, type WorkerContext } from './worker-context.ts';

/**
 * The steps of a reconcile, in order (see `reconcile.ts`): record intent,
 * fetch the source, plan, run the engine, record the run (and post a pull
 * request's preview to its forge); or, on the way out of a failure, record
 * it and decide what happens to the job.
 */

/** A deploy job that holds its stack's lease, and the repository it reconciles. */
export interface ReconcileJob {
  readonly job: Job<DeployJobData>;
  readonly data: DeployJobData;
  readonly lease: StackLease;
  /** The job's lock token, for moving it back to the delayed set. */
  readonly token: string | undefined;
  readonly key: string;
  readonly repo: WatchedRepo;
}

/** One reconcile under way: its job and the run it records. */
export interface Reconciliation extends ReconcileJob {
  readonly run: RunRecord;
  /** The stack's status as this run last wrote it. */
  status: StackStatus;
  /** The commit's checkout, once fetched; released when the reconcile ends. */
  artifact?: SourceArtifact;
  /** The stack's project name and declared dependencies at the commit, once planned. */
  declared?: DeclaredStackLinks;
  /** Lines of the run's log not written yet. */
  readonly log: string[];
  /** The run's timeline events: into its log and, with its id, onto the timeline. */
  readonly sink: TimelineSink;
  /** Stops the run's engine (a shutdown past its grace, a lost lease). */
  readonly cancel: AbortController;
}

/** Saves the run under its lease's fence; throws once another worker owns the stack. */
async function saveRun(ctx: WorkerContext, rec: Pick<Reconciliation, 'run' | 'lease' | 'key'>): Promise<void> {
  if (!(await ctx.deps.store.saveFenced(rec.run, rec.lease.fence))) {
    throw new Error(`lost the lock of ${rec.key} (fence ${rec.lease.fence}); another worker owns the stack now`);
  }
}

/** record intent: the run, saved as fetching, and the stack's status saying it reconciles. */
export async function beginRun(ctx: WorkerContext, job: ReconcileJob): Promise<Reconciliation> {
  const run = runningRecord(ctx, job.job, job.data, job.lease, 'fetching');
  await saveRun(ctx, { run, lease: job.lease, key: job.key });
  const status = startRun(await ctx.deps.store.status(job.key), run, run.timings.startedAt!);
  await ctx.deps.store.saveStatus(status);
  const log: string[] = [];
  const sink: TimelineSink = (e) => {
    log.push(`${e.at.slice(11, 19)} ${e.type}: ${e.message}`);
    ctx.emit({ ...e, details: { ...e.details, runId: run.id } });
  };
  return { ...job, run, status, log, sink, cancel: new AbortController() };
}

/** Writes the log lines gathered since the last flush. */
export async function flushLog(ctx: WorkerContext, rec: Reconciliation): Promise<void> {
  const lines = rec.log.splice(0, rec.log.length);
  await ctx.deps.store.appendLog(rec.run.id, lines);
}

/** source: the commit's checkout (git failing is a transient `SourceUnavailable`, unless the disk is full). */
export async function fetchSource(ctx: WorkerContext, rec: Reconciliation): Promise<SourceArtifact> {
  try {
    rec.artifact = await ctx.deps.fetcher.fetch(rec.repo.url, rec.data.commit, rec.key);
  } catch (err) {
    if (err instanceof GitError) {
      const classified = classifyEngineError(err.message);
      throw classified.reason === 'DiskFull' ? engineFailure(classified, err.message) : new TransientError('SourceUnavailable', err.message);
    }
    throw err;
  }
  return rec.artifact;
}

/** plan: what the engine stage runs (the project at the commit, its policy packs and variables) and the run's hooks into it. */
export function planDeploy(ctx: WorkerContext, rec: Reconciliation, artifact: SourceArtifact): DeployStackInput {
  const { data, repo, run } = rec;
  const { deps } = ctx;
  // A commit without the project (a revert of the commit that added it) is not a program to run.
  if (!existsSync(join(artifact.dir, data.target.project, 'Pulumi.yaml'))) {
    throw new StalledError('InvalidProgram', `no Pulumi.yaml in ${data.target.project || 'the repository root'} at ${data.commit.slice(0, 12)}`);
  }
  rec.declared = declaredLinksAt(artifact, data.target.project, data.target.stack);
  return {
    artifact,
    project: data.target.project,
    stack: data.target.stack,
    apply: data.apply,
    policyPacks: repo.policyPacks,
    ...(deps.pinnedPolicyPacks ? { pinnedPolicyPacks: deps.pinnedPolicyPacks } : {}),
    passEnv: declaredEngineEnv(repo.engineEnv, data.target.stack),
    ...(deps.policyConfig ? { policyConfig: deps.policyConfig } : {}),
    signal: rec.cancel.signal,
    refresh: data.trigger.kind === 'drift',
    ...(deps.plans ? { plans: { store: deps.plans, repo: repo.id, runId: run.id } } : {}),
    ...(rec.status.outputs ? { deployedOutputs: rec.status.outputs } : {}),
    onPreviewStart: () => {
      run.timings.previewStartedAt = new Date().toISOString();
    },
    beforeApply: async () => {
      // Intent before side effects: a crash from here on leaves a run that says "applying".
      run.phase = 'applying';
      await saveRun(ctx, rec);
    },
    onEngineEvent: (e) => {
      const line = engineEventLine(e);
      if (line) rec.log.push(line);
    },
    interruptGraceMs: ctx.interruptGraceMs,
    onEngineStarted: (engine) => {
      void recordEngine(ctx, rec.key, engine, run)
        .then(() => saveRun(ctx, rec))
        .catch((err: unknown) => rec.cancel.abort(err instanceof LeaseLostError ? err : new LeaseLostError(String(err))));
    },
  };
}

/**
 * run the engine: preview with the policy packs and, on the deploy branch,
 * apply. The run takes the summaries; a policy violation or an engine
 * failure is thrown as the error of its kind.
 */
export async function runEngine(ctx: WorkerContext, rec: Reconciliation, input: DeployStackInput): Promise<DeployOutcome> {
  const { run } = rec;
  run.phase = 'previewing';
  await saveRun(ctx, rec);
  const outcome = await deployStack(ctx.deps.runner, input, rec.sink);
  run.previewSummary = outcome.preview.summary;
  run.policyPacks = outcome.policyPacks;
  if (outcome.plan) run.plan = outcome.plan;
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
    if (ctx.shutdown.aborted) throw new WaitingError('Cancelled', 'cancelled by shutdown');
    const classified = classifyEngineError(text);
    const advice = classified.reason === 'MissingPlugin' ? missingPluginAdvice(text, ctx.deps.plugins) : undefined;
    throw engineFailure(classified, `${firstLine(text)}${advice ? `; ${advice}` : ''}`);
  }
  return outcome;
}

/** record: a run the engine finished, with the stack's outputs from its own events (no extra engine call). */
export async function recordSuccess(ctx: WorkerContext, rec: Reconciliation, outcome: DeployOutcome): Promise<string> {
  const { run } = rec;
  run.status = outcome.status === 'applied' ? 'applied' : outcome.status === 'unchanged' ? 'unchanged' : 'previewed';
  run.message = outcome.changedOutputs?.length ? `${outcome.status}; outputs changed: ${outcome.changedOutputs.join(', ')}` : outcome.status;
  if (outcome.changedOutputs) run.changedOutputs = outcome.changedOutputs;
  const settled = run.status === 'applied' || run.status === 'unchanged' ? (outcome.apply ?? outcome.preview).summary : undefined;
  // What the stack reads, as of this apply: the stack graph's edges (see graph/).
  const links = settled && rec.declared ? { project: rec.declared.project, references: settled.stackReferences, dependsOn: rec.declared.dependsOn } : undefined;
  await finishRun(ctx, rec, settled?.outputs, links);
  await queueDependents(ctx, run);
  return run.status;
}

/**
 * A failed run, recorded with what its error means (see `job-outcome.ts`);
 * then its job fails for good, comes back later, or is retried. A locked
 * stack is recovered first, which may name the lock's holder.
 */
export async function recordFailure(ctx: WorkerContext, rec: Reconciliation, caught: unknown): Promise<never> {
  const { run, data } = rec;
  const err = failureOf(caught).reason === 'StackLocked' && rec.artifact ? await recoverLockedStack(ctx, caught, rec.key, stackRef(rec.repo, rec.artifact, data), run) : caught;
  const outcome = jobOutcome(err, rec.job.attemptsMade + 1);
  run.reason = outcome.reason;
  // Cancelled by shutdown is not the commit's fault: the next worker takes the job again.
  run.status = outcome.status;
  run.message = outcome.message;
  await finishRun(ctx, rec);
  // `final`: no attempt follows (the stack stalls on the commit, or the retries ran out); the notifications tell only that.
  rec.sink(timelineEvent('error', `${run.reason}: ${run.message}`, { stack: data.target.stack, commit: data.commit, outcome: run.status, details: { reason: run.reason, final: outcome.next.action === 'fail' } }));
  if (outcome.next.action === 'fail') throw new UnrecoverableError(run.message);
  if (outcome.next.action === 'delay') {
    await rec.job.moveToDelayed(Date.now() + outcome.next.delayMs, rec.token);
    throw new DelayedError();
  }
  throw err;
}

/**
 * The lease went while the run held it: the engine has been interrupted.
 * The run says so while its record is still ours to write (a newer holder's
 * crash recovery wins otherwise); the stack's status is left to the new
 * holder, and the job comes back later without counting an attempt.
 */
export async function recordLeaseLost(ctx: WorkerContext, rec: Reconciliation): Promise<never> {
  const { run } = rec;
  const lost = rec.lease.signal.reason as LeaseLostError;
  run.status = 'aborted';
  run.reason = 'LeaseLost';
  run.phase = 'done';
  run.message = lost.message;
  run.timings.finishedAt = new Date().toISOString();
  await ctx.deps.store.saveIfStillRunning(run).catch(() => false);
  ctx.emit(timelineEvent('error', `LeaseLost: ${lost.message}; the engine was interrupted`, { stack: run.target.stack, commit: run.commit, outcome: 'aborted' }));
  ctx.deps.onRunFinished?.(run);
  await rec.job.moveToDelayed(Date.now() + 2000, rec.token).catch(() => undefined);
  throw new DelayedError();
}

/**
 * record: the run done, the stack's status first (whoever sees the finished
 * run also sees its effect), then the run itself; then post to the forge.
 */
async function finishRun(ctx: WorkerContext, rec: Reconciliation, outputs?: Record<string, unknown>, links?: StackLinks): Promise<void> {
  const r = rec.run;
  r.phase = 'done';
  r.timings.finishedAt = new Date().toISOString();
  rec.status = applyRun(rec.status, r, r.timings.finishedAt, outputs, links);
  await ctx.deps.store.saveStatus(rec.status);
  await saveRun(ctx, rec);
  ctx.deps.onRunFinished?.(r);
  if (r.trigger.kind === 'pull_request') await postPreview(ctx, r);
}
