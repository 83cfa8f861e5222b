import assert from 'node:assert/strict';
import { newestPerSeries, parseScoreMember, scoreMember, SCORES_KEPT } from '../../../orchestrator/telemetry/score-window.ts';

describe('the anomaly scores kept for the dashboard (bounded per series)', () => {
  it('keeps the newest `keep` scores of each series, in time order, whatever order they came in', () => {
    const points = [5, 1, 4, 2, 3].flatMap((t) => [
      { seriesId: 'a', timestamp: t, score: t / 10 },
      { seriesId: 'b', timestamp: t, score: 0.5 },
    ]);
    const kept = newestPerSeries(points, 3);
    assert.deepEqual(kept.get('a')?.map((p) => p.timestamp), [3, 4, 5]);
    assert.deepEqual(kept.get('b')?.map((p) => p.timestamp), [3, 4, 5]);
  });

  it('bounds a backfill of thousands of points to what the store keeps', () => {
    const points = Array.from({ length: 5000 }, (_, k) => ({ seriesId: 's', timestamp: k, score: 0 }));
    const kept = newestPerSeries(points).get('s')!;
    assert.equal(kept.length, SCORES_KEPT);
    assert.equal(kept[0]!.timestamp, 5000 - SCORES_KEPT);
  });

  it('drops points whose time or score is not a number, and refuses a keep below one', () => {
    const kept = newestPerSeries([{ seriesId: 's', timestamp: NaN, score: 1 }, { seriesId: 's', timestamp: 1, score: Infinity }, { seriesId: 's', timestamp: 2, score: 0.2 }]);
    assert.deepEqual(kept.get('s'), [{ seriesId: 's', timestamp: 2, score: 0.2 }]);
    assert.throws(() => newestPerSeries([], 0), /keep: expected a whole number of at least 1/);
  });

  it('stores an entry as <time>:<score> (four decimals) and reads it back, refusing anything else', () => {
    assert.equal(scoreMember({ seriesId: 's', timestamp: 1700000000000, score: 0.123456 }), '1700000000000:0.1235');
    assert.deepEqual(parseScoreMember('1700000000000:0.1235'), { t: 1700000000000, s: 0.1235 });
    for (const bad of ['', '1', '1:', ':1', 'a:1', '1:2:3']) assert.equal(parseScoreMember(bad), undefined, bad);
  });
});
