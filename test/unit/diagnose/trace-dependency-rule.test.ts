import assert from 'node:assert/strict';
import type { Incident } from '../../../orchestrator/correlate/incident.ts';
import type { CorrelationInput } from '../../../orchestrator/correlate/correlation-input.ts';
import type { Topology } from '../../../orchestrator/correlate/topology.ts';
import { dependenciesOf } from '../../../orchestrator/correlate/topology.ts';
import { withTraceLinks } from '../../../orchestrator/correlate/trace-topology.ts';
import { initialTrackerState } from '../../../orchestrator/correlate/tracker-state.ts';
import { step } from '../../../orchestrator/correlate/tracker.ts';
import { diagnose } from '../../../orchestrator/diagnose/diagnose.ts';
import { p95Rise } from '../../../orchestrator/diagnose/trace-dependency-rule.ts';
import type { TraceEdgeSeries, TraceFigures, TraceGraph } from '../../../orchestrator/traces/trace-graph.ts';
import { SPAN_KIND, type FlatSpan } from '../../../orchestrator/traces/otlp-spans.ts';
import { createSpanAggregator } from '../../../orchestrator/traces/span-aggregator.ts';
import { a, contract, MIN, T0 } from '../correlate/fixtures.ts';

const FRONTEND = 'shop/./frontend';
const CHECKOUT = 'shop/./checkout';
const PAYMENTS = 'shop/./payments';
const onset = T0 + 60 * MIN;

function shop(): Topology {
  return { stacks: { [FRONTEND]: { contract: contract(), dependsOn: [] }, [CHECKOUT]: { contract: contract(), dependsOn: [] }, [PAYMENTS]: { contract: contract(), dependsOn: [] } } };
}

function incidentsOf(inputs: CorrelationInput[], topology: Topology): Incident[] {
  return step(initialTrackerState(), inputs, onset, { topology }).state.open;
}

/** One period a minute from T0 to 10 min past the onset: p95 `before` ms, then `after` ms from `risesAt`. */
function p95s(before: number, after: number, risesAt: number): TraceFigures[] {
  const out: TraceFigures[] = [];
  for (let t = T0; t <= onset + 10 * MIN; t += MIN) out.push({ timestamp: t, requests: 600, rate: 10, errorRate: 0, p50: before / 2, p95: t >= risesAt ? after : before });
  return out;
}

const edge = (caller: string, callee: string, points: TraceFigures[]): TraceEdgeSeries => ({ caller, callee, measuredBy: 'callee', points });

/** frontend → checkout → payments; payments slows 4 min before the onset, its callers 3 min before. */
function slowPayments(paymentsAt = onset - 4 * MIN, checkoutAt = onset - 3 * MIN): TraceGraph {
  return {
    periodMs: MIN,
    services: [
      { service: 'frontend', stackKey: FRONTEND, points: p95s(130, 490, checkoutAt) },
      { service: 'checkout', stackKey: CHECKOUT, points: p95s(100, 460, checkoutAt) },
      { service: 'payments', stackKey: PAYMENTS, points: p95s(40, 400, paymentsAt) },
    ],
    edges: [edge('frontend', 'checkout', p95s(100, 460, checkoutAt)), edge('checkout', 'payments', p95s(40, 400, paymentsAt))],
  };
}

const checkoutSlow = (topology: Topology) => incidentsOf([a(CHECKOUT, 'latency', onset, 460, 0.9, 'latency')], topology)[0]!;

describe('trace dependency rule', () => {
  it('says checkout is slow because payments\' p95 rose first, with the edge as evidence', () => {
    const d = diagnose(checkoutSlow(shop()), { topology: shop(), traces: slowPayments() });
    const top = d.causes[0]!;
    assert.equal(top.kind, 'dependency');
    assert.equal(top.service, 'payments');
    assert.equal(top.stackKey, PAYMENTS, 'the cause sits on payments, not on checkout');
    assert.equal(top.confidence, 0.9, 'payments accounts for all of checkout\'s rise');
    assert.match(top.evidence[0]!, /^edge checkout → payments \(traces\): p95 rose from 40 ms to 400 ms, first at 2026-11-29T00:56:00/);
    assert.match(top.evidence[1]!, /checkout's own p95 rose from 100 ms to 460 ms at 2026-11-29T00:57:00.000Z, 60 s later; payments accounts for 100% of that rise/);
    assert.match(top.explanation, /^checkout is slow because payments' p95 rose first/);
    assert.ok(!d.causes.some((c) => c.kind === 'saturation' && c.stackKey === CHECKOUT));
    assert.match(d.summary, /Most likely \(0\.90\): dependency payments \(traces, on shop\/\.\/payments\)/);
  });

  it('names nothing when the callee slowed after its caller', () => {
    const d = diagnose(checkoutSlow(shop()), { topology: shop(), traces: slowPayments(onset - 1 * MIN, onset - 5 * MIN) });
    assert.deepEqual(d.causes.map((c) => c.kind), ['unknown']);
  });

  it('follows the calls down to the deepest service that slowed first', () => {
    const traces = slowPayments();
    traces.services.push({ service: 'bank', points: p95s(30, 380, onset - 6 * MIN) });
    traces.edges.push(edge('payments', 'bank', p95s(30, 380, onset - 6 * MIN)));
    const top = diagnose(checkoutSlow(shop()), { topology: shop(), traces }).causes[0]!;
    assert.equal(top.service, 'bank');
    assert.equal(top.stackKey, CHECKOUT, 'bank runs in no known stack: the cause stays on the incident\'s');
    assert.match(top.evidence[0]!, /^edge payments → bank/);
    assert.match(top.evidence.at(-1)!, /checkout reaches bank through 2 calls/);
    assert.ok(top.confidence < 0.9);
  });

  it('judges no rise without a baseline of three periods before the window', () => {
    const points = p95s(40, 400, onset - 4 * MIN).filter((p) => p.timestamp >= onset - 32 * MIN);
    assert.equal(p95Rise(points, onset - 30 * MIN, onset + MIN), undefined);
    assert.equal(p95Rise(p95s(40, 400, onset - 4 * MIN), onset - 30 * MIN, onset + MIN)!.at, onset - 4 * MIN);
    assert.equal(p95Rise(p95s(2, 6, onset - 4 * MIN), onset - 30 * MIN, onset + MIN), undefined, 'three times slower, but only 4 ms: noise');
  });
});

describe('trace dependency rule on the aggregator\'s own graph', () => {
  it('names payments from spans: 40 quiet minutes, then payments slows and checkout with it', () => {
    const agg = createSpanAggregator({ periodMs: MIN, stackOf: (s) => `shop/./${s}` });
    let n = 0;
    const id = () => (++n).toString(16).padStart(16, '0');
    for (let m = 0; m <= 64; m++) {
      const slow = T0 + m * MIN >= onset - 4 * MIN;
      const spans: FlatSpan[] = [];
      for (let i = 0; i < 30; i++) {
        const at = T0 + m * MIN + i * 2000;
        const [f, c, p, t] = [id(), id(), id(), id().padStart(32, '0')];
        const pay = (slow ? 400 : 40) + (i % 7);
        const base = { traceId: t, name: 'h', kind: SPAN_KIND.server, startMs: at, error: false };
        spans.push({ ...base, spanId: p, parentSpanId: c, service: 'payments', durationMs: pay }, { ...base, spanId: c, parentSpanId: f, service: 'checkout', durationMs: 30 + pay }, { ...base, spanId: f, service: 'frontend', durationMs: 50 + pay });
      }
      agg.ingest(spans);
    }
    agg.flush(onset + 5 * MIN);
    const topology = withTraceLinks(shop(), agg.graph());
    const top = diagnose(checkoutSlow(topology), { topology, traces: agg.graph() }).causes[0]!;
    assert.equal(top.service, 'payments');
    assert.equal(top.stackKey, PAYMENTS);
    assert.ok(top.confidence >= 0.85, `confidence ${top.confidence}`);
  });
});

describe('topology from traces', () => {
  it('makes a caller\'s stack depend on its callee\'s, keeping the declared links', () => {
    const declared = shop();
    declared.stacks[FRONTEND]!.dependsOn.push(PAYMENTS);
    const joined = withTraceLinks(declared, slowPayments());
    assert.deepEqual(joined.stacks[FRONTEND]!.dependsOn, [PAYMENTS, CHECKOUT]);
    assert.deepEqual(joined.stacks[CHECKOUT]!.dependsOn, [PAYMENTS]);
    assert.deepEqual(dependenciesOf(joined, FRONTEND).map((d) => d.stackKey), [PAYMENTS, CHECKOUT]);
    assert.deepEqual(declared.stacks[CHECKOUT]!.dependsOn, [], 'the given topology is not changed');
  });

  it('adds no link to a stack it has no contract for, nor within one stack', () => {
    const traces = slowPayments();
    traces.services.push({ service: 'bank', stackKey: 'elsewhere/./bank', points: [] }, { service: 'ledger', stackKey: PAYMENTS, points: [] });
    traces.edges.push(edge('payments', 'bank', []), edge('payments', 'ledger', []));
    assert.deepEqual(withTraceLinks(shop(), traces).stacks[PAYMENTS]!.dependsOn, []);
  });

  it('lets the incident rule see a dependency\'s own incident through a link only traces show', () => {
    const payments = incidentsOf([a(PAYMENTS, 'latency', onset - 4 * MIN, 400, 0.9, 'latency')], shop());
    const without = diagnose(checkoutSlow(shop()), { topology: shop(), incidents: payments });
    assert.deepEqual(without.causes.map((c) => c.kind), ['unknown']);
    const joined = withTraceLinks(shop(), slowPayments());
    const withLinks = diagnose(checkoutSlow(joined), { topology: joined, incidents: payments });
    assert.equal(withLinks.causes[0]!.kind, 'dependency');
    assert.equal(withLinks.causes[0]!.dependencyIncident, payments[0]!.id);
  });
});
