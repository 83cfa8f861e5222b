import type { DeployQueue } from '../queue/deploy-queue.ts';
import { parseStackKey } from '../queue/stack-key.ts';
import type { RunStore } from '../records/run-store.ts';
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
  const timers: NodeJS.Timeout[] = [];
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

  for (const repo of deps.repos.filter((r) => r.drift.intervalSeconds > 0)) {
    const ms = repo.drift.intervalSeconds * 1000;
    const timer = setInterval(() => {
      checkRepo(repo, Math.floor(Date.now() / ms)).catch((err: Error) => emit(timelineEvent('error', `drift check of ${repo.id} failed: ${err.message}`)));
    }, ms);
    timer.unref();
    timers.push(timer);
  }
  return {
    stop() {
      for (const t of timers) clearInterval(t);
    },
  };
}
