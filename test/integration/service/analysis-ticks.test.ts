import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { ANALYSIS_TICK_QUEUE, startAnalysisTicks } from '../../../orchestrator/correlate/analysis-tick-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import type { TimelineEvent } from '../../../orchestrator/timeline/timeline-event.ts';
import { testServices, uniqueId } from '../../support/services.ts';

describe('analysis ticks (a BullMQ job scheduler, real Redis)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;

  beforeEach(() => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('ticks');
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('ticks once per interval for the whole deployment, however many processes run the analysis', async () => {
    const ticks: string[] = [];
    // Two service processes, each with its own analysis.
    const a = startAnalysisTicks({ connection: redis, prefix, everyMs: 1000, tick: async () => void ticks.push('a') });
    const b = startAnalysisTicks({ connection: redis, prefix, everyMs: 1000, tick: async () => void ticks.push('b') });
    await Promise.all([a.ready, b.ready]);
    await sleep(3_500);
    await Promise.all([a.stop(), b.stop()]);
    // With a timer in each process this would be about seven.
    assert.ok(ticks.length >= 2 && ticks.length <= 5, `ticks in 3.5 s at 1 s: ${ticks.join(', ')}`);
  });

  it('keeps its scheduler in Redis across a stop, and takes the interval of the last start', async () => {
    const first = startAnalysisTicks({ connection: redis, prefix, everyMs: 30_000, tick: async () => undefined });
    await first.ready;
    await first.stop();
    const queue = new Queue(ANALYSIS_TICK_QUEUE, { connection: redis, prefix });
    try {
      assert.deepEqual((await queue.getJobSchedulers()).map((s) => [s.key, s.every]), [['analysis', 30_000]]);
      const second = startAnalysisTicks({ connection: redis, prefix, everyMs: 5_000, tick: async () => undefined });
      await second.ready;
      await second.stop();
      assert.deepEqual((await queue.getJobSchedulers()).map((s) => [s.key, s.every]), [['analysis', 5_000]]);
    } finally {
      await queue.close();
    }
  });

  it('a failed tick is told on the timeline, and the next one comes all the same', async () => {
    const events: TimelineEvent[] = [];
    let calls = 0;
    const ticking = startAnalysisTicks({
      connection: redis,
      prefix,
      everyMs: 1000,
      emit: (e) => events.push(e),
      tick: async () => {
        calls += 1;
        if (calls === 1) throw new Error('tracker state unreadable');
      },
    });
    await ticking.ready;
    await sleep(2_500);
    await ticking.stop();
    assert.ok(calls >= 2, `${calls} ticks`);
    assert.deepEqual(events.map((e) => e.message), ['analysis tick: tracker state unreadable']);
  });
});
