import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Redis } from 'ioredis';
import { assertDurableRedis, createRedis, RedisConfigError } from '../../../orchestrator/queue/redis.ts';
import { createStackLock, LeaseLostError } from '../../../orchestrator/queue/stack-lock.ts';
import { aliveWorkers, startWorkerHeartbeat } from '../../../orchestrator/queue/worker-heartbeat.ts';
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

  it('tells its holder at once when another worker has taken the stack', async () => {
    const lock = createStackLock(redis, { prefix, leaseMs: 600 });
    const a = await lock.tryAcquire('s', 'a');
    await redis.set(`${prefix}:lock:s`, 'b#99', 'PX', 5000);
    const reason = await new Promise<unknown>((resolve) => a!.signal.addEventListener('abort', () => resolve(a!.signal.reason), { once: true }));
    assert.ok(reason instanceof LeaseLostError);
    assert.match(reason.message, /another worker holds it/);
    assert.equal(a!.held(), false);
    await a!.release();
    assert.equal(await redis.get(`${prefix}:lock:s`), 'b#99', 'releasing a lost lease leaves the new holder alone');
  });

  it('gives up its lease before it can expire when Redis stops answering', async () => {
    const lock = createStackLock(redis, { prefix, leaseMs: 900 });
    const a = await lock.tryAcquire('s', 'a');
    const started = Date.now();
    // Renewals (writes) hang from now on, as with a Redis that went away.
    await redis.client('PAUSE', 3000, 'WRITE');
    try {
      const lostAfter = await new Promise<number>((resolve) => a!.signal.addEventListener('abort', () => resolve(Date.now() - started), { once: true }));
      assert.ok(lostAfter < 900, `lost after ${lostAfter} ms, before the 900 ms lease could run out`);
      assert.match((a!.signal.reason as Error).message, /no renewal reached Redis/);
    } finally {
      await redis.client('UNPAUSE');
    }
  });

  it('names a Redis that may evict queued jobs, and accepts one that will not', async () => {
    await assertDurableRedis(redis);
    const before = (await redis.config('GET', 'maxmemory-policy'))[1] as string;
    try {
      await redis.config('SET', 'maxmemory-policy', 'allkeys-lru');
      await assert.rejects(assertDurableRedis(redis), (err: Error) => err instanceof RedisConfigError && /maxmemory-policy allkeys-lru.*noeviction/.test(err.message));
    } finally {
      await redis.config('SET', 'maxmemory-policy', before);
    }
  });

  it('knows which workers still beat', async () => {
    const beat = startWorkerHeartbeat(redis, { prefix, worker: 'w-alive', host: 'h1', ttlMs: 1000 });
    await sleep(50);
    assert.deepEqual([...(await aliveWorkers(redis, prefix, ['w-alive', 'w-gone', 'w-alive']))], ['w-alive']);
    await beat.stop();
    assert.deepEqual([...(await aliveWorkers(redis, prefix, ['w-alive']))], []);
  });
});
