import type { DeployQueue } from '../queue/deploy-queue.ts';
import { parseStackKey } from '../model/stack-key.ts';
import type { RunStore } from '../records/run-store.ts';
import { every } from '../runtime/periodic.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

export interface DriftRepo {
  id: string;
  drift: { intervalSeconds: number };
}

/**
 * On each repository's drift interval, queues a drift check of every stack
 * that has an applied commit. The check itself runs in the deploy worker,
 * under the stack's lock. The slot number in the job id makes every process
 * queue the same check only once per interval.
 */
export function startDriftScheduler(deps: { repos: readonly DriftRepo[]; store: RunStore; queue: DeployQueue; emit?: TimelineSink }) {
  const emit = deps.emit ?? (() => {});

  async function checkRepo(repo: DriftRepo, slot: number): Promise<number> {
    let queued = 0;
    for (const status of await deps.store.statuses()) {
      const target = parseStackKey(status.stackKey);
      if (target.repo !== repo.id || !status.appliedCommit) continue;
      const r = await deps.queue.enqueue(target, status.appliedCommit, false, { kind: 'drift', driftId: `slot-${slot}` }, { mode: 'drift', suffix: `drift-${slot}` });
      if (r.added) queued += 1;
    }
    return queued;
  }

  const tasks = deps.repos
    .filter((r) => r.drift.intervalSeconds > 0)
    .map((repo) => {
      const ms = repo.drift.intervalSeconds * 1000;
      return every(ms, () => checkRepo(repo, Math.floor(Date.now() / ms)), (err) => emit(timelineEvent('error', `drift check of ${repo.id} failed: ${err.message}`)));
    });
  return {
    /** No new checks; waits for the ones being queued. */
    async stop(): Promise<void> {
      await Promise.all(tasks.map((t) => t.stop()));
    },
  };
}
