import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createStackLock } from '../../../orchestrator/queue/stack-lock.ts';
import { testServices, uniqueId } from '../../support/services.ts';

describe('stack lock (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('lock');
  });
  afterEach(async () => {
    const keys = await redis.keys(`${prefix}:*`);
    if (keys.length) await redis.del(...keys);
    await redis.quit();
  });

  it('gives a stack to one holder at a time', async () => {
    const lock = createStackLock(redis, { prefix });
    const a = await lock.tryAcquire('infra/./sandbox', 'worker-a');
    assert.ok(a);
    assert.equal(await lock.tryAcquire('infra/./sandbox', 'worker-b'), undefined);
    assert.ok(await lock.tryAcquire('infra/./other', 'worker-b'), 'other stacks are free');
    await a.release();
    assert.ok(await lock.tryAcquire('infra/./sandbox', 'worker-b'));
  });

  it('draws a new fencing token per holder, and failed attempts do not move it', async () => {
    const lock = createStackLock(redis, { prefix });
    const a = await lock.tryAcquire('s', 'a');
    for (let i = 0; i < 5; i++) assert.equal(await lock.tryAcquire('s', 'b'), undefined);
    assert.equal(await redis.get(`${prefix}:fence:s`), String(a!.fence), 'the holder is not fenced out by contenders');
    await a!.release();
    const b = await lock.tryAcquire('s', 'b');
    assert.equal(b!.fence, a!.fence + 1);
  });

  it('keeps its lease while the holder works, and loses it when the holder stops renewing', async () => {
    const lock = createStackLock(redis, { prefix, leaseMs: 600 });
    const a = await lock.tryAcquire('s', 'a');
    await sleep(1500);
    assert.equal(a!.held(), true);
    assert.equal(await lock.tryAcquire('s', 'b'), undefined, 'renewed past its first lease');
    // A crashed holder: nothing renews; another process may take the stack after the lease.
    const crashed = createStackLock(redis, { prefix, leaseMs: 600 });
    await a!.release();
    await redis.set(`${prefix}:lock:t`, 'dead#1', 'PX', 600);
    assert.equal(await crashed.tryAcquire('t', 'b'), undefined);
    await sleep(800);
    assert.ok(await crashed.tryAcquire('t', 'b'));
  });
});
