import assert from 'node:assert/strict';
import { MAX_QUERIES_PER_CALL, planBatches, splitBatch, type DueSeries } from '../../../orchestrator/telemetry/query-batch.ts';
import type { SeriesSpec } from '../../../orchestrator/telemetry/series.ts';

function due(i: number, periodSeconds = 60, startMs = 0, endMs = 600_000): DueSeries {
  const series: SeriesSpec = {
    seriesId: `s${String(i).padStart(5, '0')}`, stackKey: 's', signalId: `x${i}`, namespace: 'N', metricName: `m${i}`, dimensions: [], stat: 'Average', periodSeconds,
  };
  return { series, window: { startMs, endMs } };
}

describe('query batching', () => {
  const cases: { name: string; due: DueSeries[]; max?: number; sizes: number[] }[] = [
    { name: 'none', due: [], sizes: [] },
    { name: 'one', due: [due(1)], sizes: [1] },
    { name: 'exactly the limit in one call', due: Array.from({ length: 500 }, (_, i) => due(i)), sizes: [500] },
    { name: 'one over the limit: two calls', due: Array.from({ length: 501 }, (_, i) => due(i)), sizes: [500, 1] },
    { name: '10,000 series: 20 calls', due: Array.from({ length: 10_000 }, (_, i) => due(i)), sizes: Array(20).fill(500) },
    { name: 'a smaller limit', due: Array.from({ length: 7 }, (_, i) => due(i)), max: 3, sizes: [3, 3, 1] },
    { name: 'periods never share a call', due: [due(1, 60), due(2, 300, 0, 900_000), due(3, 60)], sizes: [2, 1] },
  ];
  for (const c of cases) {
    it(c.name, () => {
      const batches = planBatches(c.due, c.max);
      assert.deepEqual(batches.map((b) => b.queries.length), c.sizes);
      for (const b of batches) {
        assert.ok(b.queries.length <= MAX_QUERIES_PER_CALL);
        const ids = b.queries.map((q) => q.id);
        assert.equal(new Set(ids).size, ids.length, 'ids unique within a call');
        for (const id of ids) assert.match(id, /^[a-z][a-zA-Z0-9_]*$/);
        assert.ok(b.queries.every((q) => q.periodSeconds === b.periodSeconds));
      }
      const all = batches.flatMap((b) => b.queries.map((q) => q.seriesId)).sort();
      assert.deepEqual(all, c.due.map((d) => d.series.seriesId).sort(), 'every series exactly once');
    });
  }

  it('orders by window start so series that resume together share a call, and a call covers its series', () => {
    const items = [due(1, 60, 300_000), due(2, 60, 0), due(3, 60, 300_000), due(4, 60, 60_000)];
    const batches = planBatches(items, 2);
    assert.deepEqual(batches.map((b) => b.queries.map((q) => q.seriesId)), [['s00002', 's00004'], ['s00001', 's00003']]);
    assert.deepEqual(batches.map((b) => [b.startMs, b.endMs]), [[0, 600_000], [300_000, 600_000]]);
  });

  it('rejects a limit above the API maximum', () => {
    assert.throws(() => planBatches([due(1)], 501), /maxPerCall must be an integer in 1\.\.500/);
  });

  it('splits a call in halves with ids renumbered from q0', () => {
    const [b] = planBatches(Array.from({ length: 5 }, (_, i) => due(i)));
    const [x, y] = splitBatch(b!);
    assert.deepEqual(x.queries.map((q) => [q.id, q.seriesId]), [['q0', 's00000'], ['q1', 's00001'], ['q2', 's00002']]);
    assert.deepEqual(y.queries.map((q) => [q.id, q.seriesId]), [['q0', 's00003'], ['q1', 's00004']]);
    assert.equal(x.startMs, b!.startMs);
  });
});
