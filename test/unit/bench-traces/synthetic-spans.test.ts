import assert from 'node:assert/strict';
import { assertCounts } from '../../../bench/traces/count-check.ts';
import { batchesOf, stackOf, syntheticSpans, tallyKey } from '../../../bench/traces/synthetic-spans.ts';
import { createSpanAggregator } from '../../../orchestrator/traces/span-aggregator.ts';

const MIN = 60_000;
const T0 = 1_800_000_000_000 - (1_800_000_000_000 % MIN);

describe('bench:traces synthetic spans', function () {
  const data = syntheticSpans({ requests: 2_500, t0: T0, periodMs: MIN, perPeriod: 1_000 });

  it('makes three spans a request, frontend → checkout → payments linked by parent ids, children first', function () {
    assert.equal(data.spans.length, 7_500);
    const [pay, chk, fe] = data.spans as [(typeof data.spans)[0], (typeof data.spans)[0], (typeof data.spans)[0]];
    assert.deepEqual([pay.service, chk.service, fe.service], ['payments', 'checkout', 'frontend']);
    assert.equal(pay.parentSpanId, chk.spanId);
    assert.equal(chk.parentSpanId, fe.spanId);
    assert.equal(fe.parentSpanId, undefined);
    assert.ok(new Set(data.spans.map((s) => s.traceId)).size === 2_500 && new Set(data.spans.map((s) => s.spanId)).size === 7_500, 'ids are unique');
  });

  it('counts every request once per service and per edge, in the period its span started, with a share of errors', function () {
    assert.deepEqual(data.periods, [T0, T0 + MIN, T0 + 2 * MIN]);
    const sum = (key: (p: number) => string) => data.periods.reduce((n, p) => n + (data.expected.get(key(p))?.requests ?? 0), 0);
    for (const s of ['frontend', 'checkout', 'payments']) assert.equal(sum((p) => tallyKey(p, s)), 2_500, s);
    assert.equal(sum((p) => tallyKey(p, 'frontend', 'checkout')), 2_500);
    assert.equal(sum((p) => tallyKey(p, 'checkout', 'payments')), 2_500);
    const payErrors = data.periods.reduce((n, p) => n + data.expected.get(tallyKey(p, 'payments'))!.errors, 0);
    assert.ok(payErrors > 75 && payErrors < 175, `about 5% of payments fail (${payErrors})`);
    // The last period holds the 500 requests past 2,000.
    assert.equal(data.expected.get(tallyKey(T0 + 2 * MIN, 'frontend'))!.requests, 500);
  });

  it('is the same for the same seed, and differs for another', function () {
    const again = syntheticSpans({ requests: 10, t0: T0, periodMs: MIN, perPeriod: 1_000 });
    assert.deepEqual(again.spans, syntheticSpans({ requests: 10, t0: T0, periodMs: MIN, perPeriod: 1_000 }).spans);
    assert.notDeepEqual(again.spans, syntheticSpans({ requests: 10, t0: T0, periodMs: MIN, perPeriod: 1_000, seed: 2 }).spans);
  });

  it('passes the count check through the aggregator, and fails it when spans are lost', function () {
    const full = createSpanAggregator({ periodMs: MIN, stackOf });
    for (const b of batchesOf(data.spans, 512)) full.ingest(b);
    full.flush(T0 + 3 * MIN);
    assertCounts('aggregator', full.graph(), data.expected, data.periods);
    const lossy = createSpanAggregator({ periodMs: MIN, stackOf });
    lossy.ingest(data.spans.filter((s) => s.service !== 'payments' || s.spanId !== data.spans[0]!.spanId));
    lossy.flush(T0 + 3 * MIN);
    assert.throws(() => assertCounts('lossy', lossy.graph(), data.expected, data.periods), /lossy: \d+ payments counted 999 requests/);
  });

  it('cuts batches of the given size, the last one shorter', function () {
    assert.deepEqual(batchesOf([1, 2, 3, 4, 5], 2), [[1, 2], [3, 4], [5]]);
  });
});
