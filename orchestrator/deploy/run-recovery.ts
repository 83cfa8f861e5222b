import type { EngineIdentity } from '../engine/engine-lock.ts';
import { ForeignLockError, type StackRef } from '../engine/stack-runner.ts';
import type { DeployJobData } from '../queue/deploy-job.ts';
import { stackKey } from '../model/stack-key.ts';
import { aliveWorkers } from '../queue/worker-heartbeat.ts';
import type { RunRecord } from '../records/run-record.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';
import { WaitingError } from './deploy-errors.ts';
import { stackRef, type WatchedRepo, type WorkerContext } from './worker-context.ts';

/**
 * Recovery of a stack whose lease the worker holds: runs left in flight by a
 * crashed worker, and the engine's leftovers (pending operations, locks that
 * are provably ours and stale). Anyone else's engine lock is waited for,
 * never cleared.
 */

/** Remembers an engine we started, before it can take the stack's lock (the only lock we may clear later). */
export async function recordEngine(ctx: WorkerContext, key: string, engine: EngineIdentity, run?: RunRecord): Promise<void> {
  const ours = { ...engine, worker: ctx.workerId };
  if (run) run.engines = [...(run.engines ?? []), ours];
  await ctx.deps.store.recordEngine(key, ours).catch(() => undefined);
}

/**
 * The engine's recovery for a stack whose lease we hold: pending operations
 * cleared, and the engine locks that are provably ours and stale removed.
 * Throws a waiting error naming the holder when the lock is anyone else's.
 */
export async function recoverStack(ctx: WorkerContext, key: string, ref: StackRef, run?: RunRecord): Promise<void> {
  const ours = await ctx.deps.store.engines(key);
  const alive = await aliveWorkers(ctx.deps.connection, ctx.prefix, ours.flatMap((e) => (e.worker ? [e.worker] : [])));
  await ctx.deps.runner.recover(ref, {
    ours,
    workerAlive: (w) => alive.has(w),
    onEngineStarted: (engine) => void recordEngine(ctx, key, engine, run),
  });
}

/** Runs of the stack left "running" by a crashed worker: each marked aborted, and the engine's lock cleared, on the timeline. */
export async function recoverCrashedRuns(ctx: WorkerContext, crashed: readonly RunRecord[], repo: WatchedRepo, data: DeployJobData, sink: TimelineSink): Promise<void> {
  for (const r of crashed) {
    await recoverCrashed(ctx, r, repo, data);
    sink(timelineEvent('error', `run ${r.id} was in flight when its worker died: marked aborted, engine lock cleared`, { stack: data.target.stack, commit: r.commit, outcome: 'aborted' }));
  }
}

/** An in-flight run of a dead worker: aborted on purpose, the engine's lock and pending operations cleared. */
async function recoverCrashed(ctx: WorkerContext, r: RunRecord, repo: WatchedRepo, data: DeployJobData): Promise<void> {
  // The engine first (it may still be busy: then wait and come back), the record after.
  const artifact = await ctx.deps.fetcher.fetch(repo.url, data.commit, stackKey(data.target));
  try {
    await recoverStack(ctx, stackKey(data.target), stackRef(repo, artifact, data));
  } finally {
    await ctx.deps.fetcher.release(artifact);
  }
  r.message = `worker ${r.worker ?? '?'} stopped during ${r.phase === 'applying' ? 'the update' : 'the run'}`;
  r.status = 'aborted';
  r.phase = 'done';
  r.reason = 'WorkerCrashed';
  r.timings.finishedAt = new Date().toISOString();
  await ctx.deps.store.save(r);
}

/**
 * A run stopped by a locked stack: our own stale locks are cleared (and the
 * job comes back soon); anyone else's lock is waited for with a backoff that
 * grows with its age, and named on the stack. Returns the error the job's
 * outcome is decided on: `err` itself once the stack is recovered.
 */
export async function recoverLockedStack(ctx: WorkerContext, err: unknown, key: string, ref: StackRef, run: RunRecord): Promise<unknown> {
  const blocked = await recoverStack(ctx, key, ref, run).then(
    () => undefined,
    (x: unknown) => x as Error,
  );
  if (blocked instanceof ForeignLockError) return new WaitingError('StackLocked', blocked.message, lockBackoffMs(blocked.holders.map((h) => h.since)));
  if (blocked) return new WaitingError('StackLocked', blocked.message);
  return err;
}

/** How long to wait before trying a stack someone else has locked again: a quarter of the lock's age, 2 s to 60 s. */
export function lockBackoffMs(since: readonly string[], now = Date.now()): number {
  const oldest = Math.min(...since.map((t) => Date.parse(t)).filter(Number.isFinite));
  const age = Number.isFinite(oldest) ? Math.max(0, now - oldest) : 0;
  return Math.min(60_000, Math.max(2000, Math.floor(age / 4)));
}
