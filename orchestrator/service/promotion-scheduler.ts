import { Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import type { PromotionRunner } from '../promote/promotion-runner.ts';
import { openQueue } from '../queue/open-queue.ts';
import { throttledErrors } from '../queue/throttled-errors.ts';
import { timelineEvent, type TimelineSink } from '../timeline/timeline-event.ts';

/** The queue whose job scheduler ticks the promotions; one scheduler, `promotions`. */
export const PROMOTION_TICK_QUEUE = 'promotion-ticks';
const SCHEDULER_ID = 'promotions';

/**
 * Moves every running promotion on, on a tick: a soak that ended passes its
 * wave (and the held jobs of the next go at their next look), and one that
 * turned unhealthy halts, even when no job of a later wave is there to ask.
 * A BullMQ job scheduler, as the drift checks have: one tick per interval
 * however many processes run. The tick is a quarter of the shortest soak,
 * between 1 and 15 seconds.
 */
export function startPromotionScheduler(deps: { connection: Redis; prefix: string; soaksMs: readonly number[]; runner: PromotionRunner; emit?: TimelineSink }) {
  const emit = deps.emit ?? (() => {});
  const ticks = openQueue<Record<string, never>>(PROMOTION_TICK_QUEUE, deps.connection, deps.prefix);
  const everyMs = deps.soaksMs.length === 0 ? 0 : Math.min(15_000, Math.max(1000, Math.floor(Math.min(...deps.soaksMs) / 4)));
  const ready = (async () => {
    if (everyMs === 0) await ticks.removeJobScheduler(SCHEDULER_ID);
    else await ticks.upsertJobScheduler(SCHEDULER_ID, { every: everyMs }, { name: 'tick', data: {}, opts: { removeOnComplete: 10, removeOnFail: 50 } });
  })().catch((err: unknown) => emit(timelineEvent('error', `promotion scheduler could not be set up: ${err instanceof Error ? err.message : String(err)}`)));
  // Without waves anywhere no tick comes, and no blocking connection is kept open for one.
  const worker = everyMs === 0 ? undefined : new Worker(PROMOTION_TICK_QUEUE, () => deps.runner.advanceAll(), { connection: deps.connection, prefix: deps.prefix, concurrency: 1 });
  worker?.on('error', throttledErrors((err) => emit(timelineEvent('error', `promotion scheduler: ${err.message}`))));
  worker?.on('failed', (_job, err) => emit(timelineEvent('error', `promotion tick failed: ${err.message}`)));
  return {
    ready,
    everyMs,
    async stop(): Promise<void> {
      await worker?.close();
      await ticks.close();
    },
  };
}
