import assert from 'node:assert/strict';
import type { Redis } from 'ioredis';
import { createRedis } from '../../../orchestrator/queue/redis.ts';
import { createAnomalyStage } from '../../../orchestrator/telemetry/anomaly-stage.ts';
import { createMemoryTelemetryStore } from '../../../orchestrator/telemetry/telemetry-store.ts';
import { coalescedScores, createScoreStore } from '../../../orchestrator/telemetry/score-store.ts';
import type { MetricPoint } from '../../../orchestrator/telemetry/series.ts';
import { deleteKeys } from '../../support/redis-keys.ts';
import { testServices, uniqueId } from '../../support/services.ts';
import { waitFor } from '../../support/wait.ts';

const MIN = 60_000;
const T0 = Date.parse('2026-11-29T00:00:00Z');

describe('anomaly scores kept for the dashboard, in Redis', () => {
  let redis: Redis;
  let prefix: string;
  beforeEach(() => {
    redis = createRedis(testServices().redisUrl);
    prefix = uniqueId('hs-scores');
  });
  afterEach(async () => {
    await deleteKeys(redis, prefix);
    await redis.quit();
  });

  it('keeps the newest scores of each series up to its bound, one per point time, however many are written', async () => {
    const scores = createScoreStore(redis, prefix, 50);
    for (let batch = 0; batch < 4; batch++) {
      await scores.add(Array.from({ length: 30 }, (_, k) => ({ seriesId: 'a', timestamp: T0 + (batch * 30 + k) * MIN, score: ((batch * 30 + k) % 10) / 10 })));
    }
    const kept = await scores.recent('a');
    assert.equal(kept.length, 50);
    assert.equal(await redis.zcard(`${prefix}:scores:a`), 50, 'the set itself is trimmed, not just the answer');
    assert.deepEqual([kept[0]!.t, kept[49]!.t], [T0 + 70 * MIN, T0 + 119 * MIN]);
    // The same point scored again (a batch replayed after a failed save) changes nothing.
    await scores.add([{ seriesId: 'a', timestamp: T0 + 119 * MIN, score: 0.9 }]);
    assert.equal(await redis.zcard(`${prefix}:scores:a`), 50);
    // A point given another score (a detector restarted afresh) is read back once, not twice.
    await scores.add([{ seriesId: 'a', timestamp: T0 + 119 * MIN, score: 0.75 }]);
    assert.equal(await redis.zcard(`${prefix}:scores:a`), 50, 'still bounded');
    const again = await scores.recent('a');
    assert.equal(again.filter((p) => p.t === T0 + 119 * MIN).length, 1);
    assert.equal(again.length, 49, 'the oldest entry made room for it');
    assert.deepEqual(await scores.recent('other'), []);
  });

  it('is fed every point’s score by the anomaly stage, after the batch is scored', async () => {
    const scores = createScoreStore(redis, prefix);
    const stage = createAnomalyStage({ store: createMemoryTelemetryStore(), onAnomalies: () => {}, onScores: (p) => scores.add(p) });
    // 300 minutes: the detector scores nothing while it warms up (its first 150 points), then each point.
    const points: MetricPoint[] = Array.from({ length: 300 }, (_, k) => ({ seriesId: 'cpu', stackKey: 'infra/./sandbox', signalId: 'cpu', timestamp: T0 + k * MIN, value: k === 280 ? 400 : 40 + (k % 3) }));
    await stage.handlePoints(points);
    const kept = await waitFor('the scores', async () => {
      const s = await scores.recent('cpu');
      return s.length === 240 ? s : undefined;
    }, 5_000, 50);
    assert.deepEqual(kept.map((p) => p.t), points.slice(-240).map((p) => p.timestamp), 'the newest 240, the bound');
    assert.ok(kept.every((p) => p.s >= 0 && p.s <= 1));
    const top = kept.reduce((a, b) => (b.s > a.s ? b : a));
    assert.equal(top.t, T0 + 280 * MIN, 'the spike scores highest');
    assert.ok(top.s > 0.9, `spike score ${top.s}`);
  });

  it('coalesces the batches of a second into one write, and bounds what waits to the newest kept per series', async () => {
    const store = createScoreStore(redis, prefix, 10);
    const writes: number[] = [];
    const counted = { add: async (p: Parameters<typeof store.add>[0]) => { writes.push(p.length); await store.add(p); }, recent: store.recent };
    const scores = coalescedScores(counted, { flushMs: 200, maxPending: 25, keep: 10 });
    for (let b = 0; b < 5; b++) await scores.add(Array.from({ length: 10 }, (_, k) => ({ seriesId: 'a', timestamp: T0 + (b * 10 + k) * MIN, score: 0.5 })));
    assert.deepEqual(writes, [], 'nothing written yet');
    await waitFor('the write', () => writes.length === 1 || undefined, 5_000, 20);
    assert.ok(writes[0]! <= 25, `what waited was compacted (${writes[0]} points)`);
    const kept = await store.recent('a');
    assert.deepEqual([kept.length, kept[0]!.t, kept[9]!.t], [10, T0 + 40 * MIN, T0 + 49 * MIN]);
    await scores.add([{ seriesId: 'a', timestamp: T0 + 50 * MIN, score: 0.1 }]);
    await scores.flush();
    assert.deepEqual(writes.length, 2, 'a flush writes what waits at once');
  });
});
