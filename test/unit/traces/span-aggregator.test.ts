import assert from 'node:assert/strict';
import { addToSketch, createSketch, MAX_BUCKETS, quantileOf } from '../../../orchestrator/traces/latency-sketch.ts';
import { SPAN_KIND, type FlatSpan } from '../../../orchestrator/traces/otlp-spans.ts';
import { createSpanAggregator } from '../../../orchestrator/traces/span-aggregator.ts';
import { tracePoints, traceSignalRole, TRACE_NAMESPACE } from '../../../orchestrator/traces/trace-signals.ts';
import { prng } from '../../support/seeded-random.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
let ids = 0;
const id = () => (++ids).toString(16).padStart(16, '0');

/** One request frontend → checkout → payments: a server span per service, children across services. */
function request(at: number, ms: { frontend: number; checkout: number; payments: number }, failed = false): FlatSpan[] {
  const traceId = id().padStart(32, '0');
  const f = id();
  const c = id();
  const p = id();
  const span = (spanId: string, service: string, durationMs: number, parentSpanId?: string, error = false): FlatSpan => ({
    traceId, spanId, service, stackKey: `shop/./${service}`, name: `${service} handler`, kind: SPAN_KIND.server, startMs: at, durationMs, error, ...(parentSpanId ? { parentSpanId } : {}),
  });
  // Children end first and a service exports its own spans: the callee's span comes before its parent's.
  return [span(p, 'payments', ms.payments, c, failed), span(c, 'checkout', ms.checkout, f, failed), span(f, 'frontend', ms.frontend)];
}

describe('latency sketch', () => {
  it('answers p50 and p95 within 2% of the exact values, for any count', () => {
    const rnd = prng(3);
    const values = Array.from({ length: 20_000 }, () => 5 + rnd() * rnd() * 400);
    const s = createSketch();
    for (const v of values) addToSketch(s, v);
    const sorted = [...values].sort((a, b) => a - b);
    for (const q of [0.5, 0.95]) {
      const exact = sorted[Math.ceil(q * sorted.length) - 1]!;
      const got = quantileOf(s, q)!;
      assert.ok(Math.abs(got - exact) / exact < 0.02, `q${q}: ${got} vs ${exact}`);
    }
    assert.ok(s.buckets.size <= MAX_BUCKETS);
  });

  it('has no quantile when empty, and keeps its size bounded by the range, not the traffic', () => {
    const s = createSketch();
    assert.equal(quantileOf(s, 0.5), undefined);
    for (let i = 0; i < 100_000; i++) addToSketch(s, i === 0 ? 0 : 1e9 * (i % 7));
    assert.ok(s.buckets.size <= 8);
    assert.ok(quantileOf(s, 0.99)! > 1e6);
  });
});

describe('span aggregator', () => {
  it('gives each service and each caller → callee edge its rate, error rate and percentiles per period', () => {
    const agg = createSpanAggregator({ periodMs: MIN });
    const spans: FlatSpan[] = [];
    for (let i = 0; i < 60; i++) spans.push(...request(T0 + i * 1000, { frontend: 120, checkout: 100, payments: 40 + (i % 10) }, i % 20 === 0));
    agg.ingest(spans);
    const closed = agg.flush(T0 + MIN);
    const byName = new Map(closed.map((c) => [c.service ?? `${c.edge!.caller}>${c.edge!.callee}`, c.figures]));
    assert.deepEqual([...byName.keys()].sort(), ['checkout', 'checkout>payments', 'frontend', 'frontend>checkout', 'payments']);
    const pay = byName.get('checkout>payments')!;
    assert.equal(pay.requests, 60);
    assert.equal(pay.rate, 1);
    assert.equal(pay.errorRate, 3 / 60);
    assert.ok(Math.abs(pay.p50! - 44) < 1.5, `p50 ${pay.p50}`);
    assert.ok(Math.abs(pay.p95! - 49) < 1.5, `p95 ${pay.p95}`);
    assert.equal(byName.get('frontend')!.errorRate, 0);
    assert.equal(agg.graph().edges.find((e) => e.callee === 'payments')!.measuredBy, 'callee');
  });

  it('counts a request sent again by its exporter once: its spans are known by their ids', () => {
    const agg = createSpanAggregator({ periodMs: MIN });
    const first = request(T0, { frontend: 120, checkout: 100, payments: 40 });
    const second = request(T0 + 1000, { frontend: 130, checkout: 110, payments: 50 });
    agg.ingest(first);
    // The answer to the first export was lost: the exporter sends it again, with the next one behind it.
    agg.ingest([...first, ...second]);
    agg.ingest(first);
    const closed = agg.flush(T0 + MIN);
    for (const c of closed) assert.equal(c.figures.requests, 2, `${c.service ?? `${c.edge!.caller} → ${c.edge!.callee}`}: ${c.figures.requests}`);
    assert.equal(agg.stats().repeated, 6);
  });

  it('finds a parent that arrives in a later export, before the period closes', () => {
    const agg = createSpanAggregator({ periodMs: MIN });
    const [payments, checkout, frontend] = request(T0 + 5000, { frontend: 30, checkout: 20, payments: 10 });
    agg.ingest([payments!]);
    agg.ingest([checkout!, frontend!]);
    const edges = agg.flush(T0 + MIN).filter((c) => c.edge);
    assert.deepEqual(edges.map((c) => [c.edge!.caller, c.edge!.callee, c.figures.requests]).sort(), [['checkout', 'payments', 1], ['frontend', 'checkout', 1]]);
    assert.equal(agg.stats().unresolved, 0);
    // A child whose parent never comes is counted for its service, and given up on when its period closes.
    const [lost] = request(T0 + MIN + 5000, { frontend: 30, checkout: 20, payments: 10 });
    agg.ingest([lost!]);
    const next = agg.flush(T0 + 2 * MIN);
    assert.equal(next.find((c) => c.service === 'payments')!.figures.requests, 1);
    assert.equal(next.find((c) => c.edge?.callee === 'payments')!.figures.requests, 0);
    assert.equal(agg.stats().unresolved, 1);
  });

  it('counts a client span for an uninstrumented callee only when no span of the callee answers it', () => {
    const agg = createSpanAggregator({ periodMs: MIN });
    const client = (spanId: string, peer: string): FlatSpan => ({ traceId: 'a'.repeat(32), spanId, parentSpanId: 'f'.repeat(16), service: 'checkout', name: 'call', kind: SPAN_KIND.client, startMs: T0, durationMs: 12, error: false, peerService: peer });
    agg.ingest([{ traceId: 'a'.repeat(32), spanId: 'f'.repeat(16), service: 'checkout', name: 'h', kind: SPAN_KIND.server, startMs: T0, durationMs: 50, error: false }]);
    agg.ingest([client('1'.repeat(16), 'postgres'), client('2'.repeat(16), 'payments')]);
    agg.ingest([{ traceId: 'a'.repeat(32), spanId: '3'.repeat(16), parentSpanId: '2'.repeat(16), service: 'payments', name: 'h', kind: SPAN_KIND.server, startMs: T0, durationMs: 9, error: false }]);
    assert.deepEqual(agg.graph().edges.map((e) => e.callee), ['payments'], 'before the flush, only the answered call is an edge');
    agg.flush(T0 + MIN);
    const after = new Map(agg.graph().edges.map((e) => [e.callee, e]));
    assert.deepEqual([...after.keys()].sort(), ['payments', 'postgres']);
    const [pay, pg] = [after.get('payments')!, after.get('postgres')!];
    assert.equal(pay.measuredBy, 'callee');
    assert.equal(pay.points.at(-1)!.requests, 1, 'the answered client span is not counted a second time');
    assert.ok(Math.abs(pay.points.at(-1)!.p50! - 9) < 0.2);
    assert.equal(pg.measuredBy, 'caller');
    assert.ok(Math.abs(pg.points.at(-1)!.p50! - 12) < 0.3);
  });

  it('stays within its caps: spans of services past the cap are dropped and counted', () => {
    const agg = createSpanAggregator({ periodMs: MIN, maxServices: 2, maxEdges: 1 });
    agg.ingest(request(T0, { frontend: 3, checkout: 2, payments: 1 }));
    const s = agg.stats();
    assert.equal(s.services, 2);
    assert.equal(s.edges, 1);
    assert.ok(s.dropped >= 1);
  });

  it('drops a span late for a period already flushed, and gives zero requests (no made-up latency) to a quiet period', () => {
    const agg = createSpanAggregator({ periodMs: MIN });
    agg.ingest(request(T0, { frontend: 3, checkout: 2, payments: 1 }));
    agg.flush(T0 + MIN);
    agg.ingest(request(T0 + 1000, { frontend: 3, checkout: 2, payments: 1 }));
    const quiet = agg.flush(T0 + 2 * MIN).find((c) => c.service === 'payments')!.figures;
    assert.deepEqual(quiet, { timestamp: T0 + MIN, requests: 0, rate: 0 });
    assert.equal(agg.stats().dropped, 3);
  });

  it('turns closed periods into detector points for services with a stack, one series per figure', () => {
    const agg = createSpanAggregator({ periodMs: MIN });
    agg.ingest([...request(T0, { frontend: 3, checkout: 2, payments: 1 }), { traceId: 'b'.repeat(32), spanId: 'e'.repeat(16), service: 'legacy', name: 'x', kind: SPAN_KIND.server, startMs: T0, durationMs: 5, error: false }]);
    const points = tracePoints(agg.flush(T0 + MIN));
    assert.ok(points.every((p) => p.stackKey.startsWith('shop/./')));
    const p95 = points.find((p) => p.signalId === 'traces-checkout>payments-p95')!;
    assert.equal(p95.stackKey, 'shop/./checkout');
    assert.equal(p95.seriesId, `shop/./checkout|${TRACE_NAMESPACE}|LatencyP95|Callee=payments,Caller=checkout|p95`);
    assert.equal(points.filter((p) => p.signalId.startsWith('traces-payments-')).length, 4);
    assert.deepEqual(['traces-checkout>payments-p95', 'traces-payments-errors', 'traces-frontend-requests', 'cpu'].map(traceSignalRole), ['latency', 'errors', 'demand', undefined]);
  });
});
