import { Worker, type Job } from 'bullmq';
import type { Redis } from 'ioredis';
import type { DeployQueue } from '../queue/deploy-queue.ts';
import { parseStackKey } from '../model/stack-key.ts';
import { openQueue } from '../queue/open-queue.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';
import type { RunStore } from '../records/run-store.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

export interface DriftRepo {
  id: string;
  drift: { intervalSeconds: number };
}

/** The queue whose job schedulers tick the drift checks; one scheduler per repository, `drift:<repo id>`. */
export const DRIFT_TICK_QUEUE = 'drift-ticks';
const SCHEDULER_PREFIX = 'drift:';

interface DriftTick {
  repoId: string;
}

/**
 * On each repository's drift interval, queues a drift check of every stack
 * that has an applied commit; the check itself runs in the deploy worker,
 * under the stack's lock. The intervals are BullMQ job schedulers kept in
 * Redis: however many processes run, each interval produces one tick, handled
 * by whichever process takes it, and a restart neither skips nor repeats one.
 * A repository no longer in the config (or with drift off) loses its
 * scheduler at the next start.
 */
export function startDriftScheduler(deps: { connection: Redis; prefix: string; repos: readonly DriftRepo[]; store: RunStore; queue: DeployQueue; emit?: TimelineSink }) {
  const emit = deps.emit ?? (() => {});
  const onError = throttledErrors((err) => emit(timelineEvent('error', `drift scheduler: ${err.message}`)));
  const ticks = openQueue<DriftTick>(DRIFT_TICK_QUEUE, deps.connection, deps.prefix);
  const repos = new Map(deps.repos.filter((r) => r.drift.intervalSeconds > 0).map((r) => [r.id, r]));

  async function checkRepo(job: Job<DriftTick>): Promise<number> {
    const repo = repos.get(job.data.repoId);
    if (!repo) return 0; // a tick left by an older config
    // The tick's slot (its scheduled time over the interval) makes a tick run twice (a retry) queue one check.
    const slot = Math.round((job.timestamp + (job.delay ?? 0)) / (repo.drift.intervalSeconds * 1000));
    let queued = 0;
    for (const status of await deps.store.statuses()) {
      const target = parseStackKey(status.stackKey);
      if (target.repo !== repo.id || !status.appliedCommit) continue;
      const r = await deps.queue.enqueue(target, status.appliedCommit, false, { kind: 'drift', driftId: `slot-${slot}` }, { mode: 'drift', suffix: `drift-${slot}` });
      if (r.added) queued += 1;
    }
    return queued;
  }

  const ready = (async () => {
    for (const s of await ticks.getJobSchedulers()) {
      const id = s.key;
      if (id.startsWith(SCHEDULER_PREFIX) && !repos.has(id.slice(SCHEDULER_PREFIX.length))) await ticks.removeJobScheduler(id);
    }
    for (const repo of repos.values()) {
      await ticks.upsertJobScheduler(`${SCHEDULER_PREFIX}${repo.id}`, { every: repo.drift.intervalSeconds * 1000 }, { name: 'drift', data: { repoId: repo.id }, opts: { removeOnComplete: 100, removeOnFail: 100 } });
    }
  })().catch((err: unknown) => emit(timelineEvent('error', `drift scheduler could not be set up: ${err instanceof Error ? err.message : String(err)}`)));

  // Without drift anywhere no tick comes, and no blocking connection is kept open for one.
  const worker = repos.size === 0 ? undefined : new Worker<DriftTick>(DRIFT_TICK_QUEUE, checkRepo, { connection: deps.connection, prefix: deps.prefix, concurrency: 1 });
  worker?.on('error', onError);
  worker?.on('failed', (job, err) => emit(timelineEvent('error', `drift check of ${job?.data.repoId ?? '?'} failed: ${err.message}`)));
  return {
    /** Settles once the schedulers match the config. */
    ready,
    /** No new checks here (the schedulers stay in Redis for the next start); waits for the one being queued. */
    async stop(): Promise<void> {
      // Not waiting for `ready`: with Redis gone its calls would wait for a reconnect, and the stop with them.
      await worker?.close();
      await ticks.close();
    },
  };
}
