import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createSignalHealthStore } from '../../../orchestrator/telemetry/signal-health-store.ts';
import type { SignalHealth } from '../../../orchestrator/telemetry/index.ts';
import { deleteKeys } from '../../support/redis-keys.ts';
import { testServices, uniqueId } from '../../support/services.ts';

describe('the reader\'s signal health, shared through Redis', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('hs-health');
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  const cpu: SignalHealth = { seriesId: 's1', stackKey: 'infra/./sandbox', signalId: 'cpu', status: 'stale', since: 1, lastSuccessAt: 0, consecutiveFailures: 3, reason: 'SourceUnavailable', error: 'connect ECONNREFUSED' };

  it('gives every process the list the reader published last, until it expires', async () => {
    const store = createSignalHealthStore(redis, { prefix, ttlMs: 300 });
    assert.equal(await store.read(), undefined);
    await store.publish('host-a:1', [cpu]);
    const seen = await store.read();
    assert.equal(seen?.readBy, 'host-a:1');
    assert.deepEqual(seen?.signals, [cpu]);
    await new Promise((r) => setTimeout(r, 400));
    assert.equal(await store.read(), undefined, 'a reader that stopped publishing leaves nothing standing as if fresh');
  });

  it('names the key and the field when what is stored is not a signal health list', async () => {
    const store = createSignalHealthStore(redis, { prefix, ttlMs: 10_000 });
    await redis.set(`${prefix}:telemetry:signal-health`, '{not json');
    await assert.rejects(store.read(), /signal-health in Redis is not JSON/);
    await redis.set(`${prefix}:telemetry:signal-health`, JSON.stringify({ readBy: 'x', at: 1, signals: [{ ...cpu, status: 'sideways' }] }));
    await assert.rejects(store.read(), /signal-health in Redis is not a signal health list: signals\.0\.status/);
  });
});
