import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { AuditLog } from '../audit/index.ts';
import { describeHolders, type EngineLockHolder } from '../engine/engine-lock.ts';
import type { StackRunner } from '../engine/stack-runner.ts';
import { stackKey, type StackId } from '../model/stack-key.ts';
import type { StackLock } from '../queue/stack-lock.ts';
import type { RunStore } from '../records/run-store.ts';
import type { SourceFetcher } from '../source/source-fetcher.ts';

/**
 * `homeostat unlock <stack> --force`: a person, who knows the holder of an
 * engine lock is gone, removes the stack's locks (`pulumi cancel`). It is
 * the one way Homeostat ever clears a lock it cannot prove its own, so it is
 * audited with the person and the holders, and it takes the stack's lease
 * first: a run of ours is never unlocked from under itself.
 */
export interface UnlockResult {
  stackKey: string;
  /** The commit whose checkout the engine ran in. */
  commit: string;
  /** The locks that were removed; undefined where the backend does not list them. */
  holders?: EngineLockHolder[];
}

/** The stack is busy with a run of ours: nothing was removed. */
export class StackBusyForUnlockError extends Error {
  override readonly name = 'StackBusyForUnlockError';
}

export interface ForceUnlockDeps {
  runner: StackRunner;
  fetcher: SourceFetcher;
  lock: StackLock;
  store: RunStore;
  audit: AuditLog;
  repo(id: string): { url: string; deployBranch: string } | undefined;
  /** How long to wait for the stack's lease while a run holds it; default 60 000 ms. */
  leaseWaitMs?: number;
}

export function createForceUnlock(deps: ForceUnlockDeps) {
  return async function forceUnlock(target: StackId, by: string): Promise<UnlockResult> {
    const key = stackKey(target);
    const repo = deps.repo(target.repo);
    if (!repo) throw new Error(`no watched repository with id ${target.repo}`);
    // A run waiting on the lock holds the lease only while it tries again; take it between tries.
    const deadline = Date.now() + (deps.leaseWaitMs ?? 60_000);
    let lease = await deps.lock.tryAcquire(key, `unlock-by-${by}`);
    while (!lease && Date.now() < deadline) {
      await sleep(200);
      lease = await deps.lock.tryAcquire(key, `unlock-by-${by}`);
    }
    if (!lease) throw new StackBusyForUnlockError(`a run of Homeostat has held ${key} for a minute: its engine lock is its own; wait for it to finish`);
    try {
      const status = await deps.store.status(key);
      const commit = status.appliedCommit ?? (await deps.fetcher.resolve(repo.url, repo.deployBranch));
      const artifact = await deps.fetcher.fetch(repo.url, commit);
      try {
        const ref = { workDir: join(artifact.dir, target.project), stack: target.stack };
        const holders = await deps.runner.locks(ref);
        await deps.runner.forceUnlock(ref);
        const named = holders === undefined ? 'holders not listed by this backend' : holders.length === 0 ? 'there was no lock' : describeHolders(holders);
        await deps.audit.append({ type: 'lock-cleared', actor: by, stackKey: key, commit, summary: `engine locks of ${key} removed by force: ${named}`, data: { holders: holders ?? null } });
        return { stackKey: key, commit, ...(holders ? { holders } : {}) };
      } finally {
        await deps.fetcher.release(artifact).catch(() => undefined);
      }
    } finally {
      await lease.release();
    }
  };
}
export type ForceUnlock = ReturnType<typeof createForceUnlock>;
