import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { Queue, Worker } from 'bullmq';
import type { Redis } from 'ioredis';
import { watchDeployFinishes, type DeployFinishes } from '../../../orchestrator/queue/deploy-finishes.ts';
import { DEPLOY_QUEUE } from '../../../orchestrator/queue/deploy-queue.ts';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import type { StepContext } from '../../../orchestrator/remediate/steps/step-context.ts';
import { waitFor } from '../../../orchestrator/remediate/steps/step-context.ts';
import { testServices, uniqueId } from '../../support/services.ts';

/** Fails the test instead of hanging when `p` does not settle within `ms`. */
async function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const limit = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: not within ${ms} ms`)), ms);
  });
  try {
    return await Promise.race([p, limit]);
  } finally {
    clearTimeout(timer);
  }
}

describe('deploy finishes (BullMQ QueueEvents, real Redis)', function () {
  this.timeout(60_000);
  let redis: Redis;
  let prefix: string;
  let queue: Queue;
  let worker: Worker | undefined;
  let workerRedis: Redis | undefined;
  let finishes: DeployFinishes;

  beforeEach(async () => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('finishes');
    queue = new Queue(DEPLOY_QUEUE, { connection: redis, prefix });
    finishes = watchDeployFinishes(redis, prefix);
    await finishes.ready;
  });
  afterEach(async () => {
    await finishes.close();
    await worker?.close();
    workerRedis?.disconnect();
    worker = undefined;
    workerRedis = undefined;
    await queue.close();
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  /** A deploy worker on its own connection, as in another process. */
  function startDeployWorker(run: (name: string) => Promise<void>) {
    workerRedis = redis.duplicate();
    worker = new Worker(DEPLOY_QUEUE, async (job) => run(job.name), { connection: workerRedis, prefix });
    worker.on('error', () => {});
  }

  it('wakes a waiter when a deploy job completes, and when an attempt fails', async () => {
    startDeployWorker(async (name) => {
      if (name === 'broken') throw new Error('engine failed');
    });
    const completed = finishes.next();
    await queue.add('apply', {});
    await within(20_000, 'a completed job', completed);

    const failed = finishes.next();
    await queue.add('broken', {}, { attempts: 1 });
    await within(20_000, 'a failed job', failed);
  });

  it('wakes a waiter for a job that ends right after a fresh watch was opened', async () => {
    // The watch reads from the stream's newest entry when it was opened, not
    // from whenever its blocking read gets going.
    await finishes.close();
    finishes = watchDeployFinishes(redis, prefix);
    startDeployWorker(async () => {});
    const waiter = finishes.next();
    await queue.add('preview', {});
    await within(20_000, 'the finish', waiter);
    await finishes.ready;
  });

  it('ends a wait when its signal aborts, and wakes every waiter at close', async () => {
    const stop = new AbortController();
    const aborted = finishes.next(stop.signal);
    stop.abort();
    await within(1_000, 'the aborted wait', aborted);
    const pending = finishes.next();
    await finishes.close();
    await within(1_000, 'the wait at close', pending);
  });

  it("makes a remediation's wait resume at the deploy's finish, not at its next recheck", async () => {
    let applied = false;
    startDeployWorker(async () => {
      await sleep(300);
      applied = true;
    });
    const closing = new AbortController();
    // Rechecks every 10 minutes: only the finish can end this wait in time.
    const ctx = { deps: { deployFinishes: finishes }, recheckMs: 600_000, closing: closing.signal } as unknown as StepContext;
    const looks: number[] = [];
    const waiting = waitFor(ctx, 'the deploy', 900_000, async () => {
      looks.push(Date.now());
      return applied ? 'applied' : undefined;
    });
    await queue.add('apply', {});
    assert.equal(await within(20_000, 'the resumed wait', waiting), 'applied');
    assert.ok(looks.length <= 3, `looked ${looks.length} times: once before and once after the finish (a third if a finish raced)`);
  });
});
