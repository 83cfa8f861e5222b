import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { createDeployQueue, type DeployQueue } from '../../../orchestrator/queue/deploy-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createRunStore } from '../../../orchestrator/records/run-store.ts';
import { initialStatus } from '../../../orchestrator/records/stack-status.ts';
import { DRIFT_TICK_QUEUE, startDriftScheduler } from '../../../orchestrator/service/drift-scheduler.ts';
import { testServices, uniqueId } from '../../support/services.ts';

const COMMIT = 'a'.repeat(40);

describe('drift schedule (BullMQ job schedulers, real Redis)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;
  let deployQueue: DeployQueue;

  beforeEach(async () => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('drift');
    deployQueue = createDeployQueue(redis, prefix);
    const runs = createRunStore(redis, prefix);
    const at = new Date().toISOString();
    // Two applied stacks of `infra`, one of `other`, and one never applied.
    for (const [key, applied] of [['infra/./a', true], ['infra/./b', true], ['other/./c', true], ['infra/./new', false]] as const) {
      await runs.saveStatus({ ...initialStatus(key, at), ...(applied ? { appliedCommit: COMMIT } : {}) });
    }
  });
  afterEach(async () => {
    await deployQueue.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  async function driftJobs(): Promise<{ stack: string; driftId: string }[]> {
    const jobs = await deployQueue.queue.getJobs(['waiting', 'delayed', 'prioritized']);
    return jobs
      .filter((j) => j.data.trigger.kind === 'drift')
      .map((j) => ({ stack: j.data.target.stack, driftId: (j.data.trigger as { driftId: string }).driftId }));
  }

  it('queues one drift check per applied stack and interval, however many processes run the scheduler', async () => {
    const runs = createRunStore(redis, prefix);
    const repos = [{ id: 'infra', drift: { intervalSeconds: 1 } }, { id: 'other', drift: { intervalSeconds: 0 } }];
    // Two service processes with the same config.
    const a = startDriftScheduler({ connection: redis, prefix, repos, store: runs, queue: deployQueue });
    const b = startDriftScheduler({ connection: redis, prefix, repos, store: runs, queue: deployQueue });
    await Promise.all([a.ready, b.ready]);
    await sleep(3_500);
    await Promise.all([a.stop(), b.stop()]);

    const jobs = await driftJobs();
    const slots = new Set(jobs.map((j) => j.driftId));
    assert.ok(slots.size >= 2 && slots.size <= 5, `ticks in 3.5 s at 1 s: ${[...slots].join(', ')}`);
    for (const slot of slots) {
      assert.deepEqual(jobs.filter((j) => j.driftId === slot).map((j) => j.stack).sort(), ['a', 'b'], `slot ${slot}: each applied stack of infra once, nothing of other or of a stack never applied`);
    }
  });

  it('drops the scheduler of a repository whose drift was turned off, at the next start', async () => {
    const runs = createRunStore(redis, prefix);
    const on = startDriftScheduler({ connection: redis, prefix, repos: [{ id: 'infra', drift: { intervalSeconds: 60 } }], store: runs, queue: deployQueue });
    await on.ready;
    await on.stop();
    const ticks = new Queue(DRIFT_TICK_QUEUE, { connection: redis, prefix });
    try {
      assert.deepEqual((await ticks.getJobSchedulers()).map((s) => s.key), ['drift:infra'], 'kept in Redis across a stop');
      const off = startDriftScheduler({ connection: redis, prefix, repos: [{ id: 'infra', drift: { intervalSeconds: 0 } }], store: runs, queue: deployQueue });
      await off.ready;
      await off.stop();
      assert.deepEqual(await ticks.getJobSchedulers(), []);
    } finally {
      await ticks.close();
    }
  });
});
