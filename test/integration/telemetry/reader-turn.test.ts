import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createReaderTurn } from '../../../orchestrator/runtime/reader-turn.ts';
import { deleteKeys } from '../../support/redis-keys.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';

describe('the reader\'s turn: one process at a time reads CloudWatch (real Redis)', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('hs-turn');
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('is one process\'s until it hands it on; each source has its own', async () => {
    const a = createReaderTurn(redis, { prefix, name: 'metrics', owner: 'host-a' });
    const b = createReaderTurn(redis, { prefix, name: 'metrics', owner: 'host-b' });
    const bLogs = createReaderTurn(redis, { prefix, name: 'logs', owner: 'host-b' });
    assert.equal(await a.take(), 'taken');
    assert.equal(await b.take(), 'elsewhere');
    assert.equal(await a.take(), 'kept');
    assert.equal(await bLogs.take(), 'taken', 'the logs are a turn of their own');
    await a.release();
    assert.equal(await b.take(), 'taken', 'handed on at once, not a lease later');
    assert.equal(await a.take(), 'elsewhere');
    await b.release();
    await bLogs.release();
  });

  it('passes from a reader cut off from Redis to another within a lease, and the first knows it lost it', async () => {
    const cut = createRedis(testServices().redisUrl);
    const a = createReaderTurn(cut, { prefix, name: 'metrics', owner: 'host-a', leaseMs: 1_500 });
    const b = createReaderTurn(redis, { prefix, name: 'metrics', owner: 'host-b', leaseMs: 1_500 });
    assert.equal(await a.take(), 'taken');
    cut.disconnect();
    const started = Date.now();
    await waitFor('host-b to take the turn', async () => (await b.take()) === 'taken', 10_000, 100);
    assert.ok(Date.now() - started <= 3_000, `taken after ${Date.now() - started} ms, lease 1500`);
    // Host a is back: its old lease is gone, and the turn is b's now.
    await cut.connect();
    assert.equal(await a.take(), 'elsewhere');
    await b.release();
    assert.equal(await a.take(), 'taken', 'and it reads again, afresh, once b hands the turn on');
    await a.release();
    await cut.quit();
  });
});
