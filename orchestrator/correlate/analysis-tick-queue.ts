import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { openQueue } from '../queue/open-queue.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

/** The queue whose job scheduler ticks the analysis; its one scheduler is `analysis`. */
export const ANALYSIS_TICK_QUEUE = 'analysis-ticks';
const SCHEDULER_ID = 'analysis';

/**
 * Runs `tick` every `everyMs`, for the whole deployment rather than for each
 * process: the interval is a BullMQ job scheduler kept in Redis, so however
 * many processes run, each interval produces one tick, taken by whichever
 * process is free, and a restart neither skips nor repeats one. The analysis
 * needs it because incidents resolve when their quiet period has passed,
 * even when no new signal arrives to say so.
 */
export function startAnalysisTicks(deps: { connection: Redis; prefix: string; everyMs: number; tick: () => Promise<unknown>; emit?: TimelineSink }) {
  const emit = deps.emit ?? (() => {});
  const ticks = openQueue<Record<string, never>>(ANALYSIS_TICK_QUEUE, deps.connection, deps.prefix);
  // Upserted by every process that starts: the last one's interval is the one kept.
  const ready = ticks
    .upsertJobScheduler(SCHEDULER_ID, { every: deps.everyMs }, { name: 'tick', data: {}, opts: { removeOnComplete: 10, removeOnFail: 100 } })
    .then(() => undefined)
    .catch((err: unknown) => emit(timelineEvent('error', `analysis ticks could not be scheduled: ${err instanceof Error ? err.message : String(err)}`)));
  const worker = new Worker(
    ANALYSIS_TICK_QUEUE,
    async () => {
      await deps.tick();
    },
    { connection: deps.connection, prefix: deps.prefix, concurrency: 1 },
  );
  worker.on('error', throttledErrors((err) => emit(timelineEvent('error', `analysis ticks: ${err.message}`))));
  worker.on('failed', (_job, err) => emit(timelineEvent('error', `analysis tick: ${err.message}`)));
  return {
    /** Settles once the scheduler is in Redis. */
    ready,
    /** No new ticks here (the scheduler stays in Redis for the next start); waits for the one running. */
    async stop(): Promise<void> {
      await worker.close();
      await ticks.close();
    },
  };
}
