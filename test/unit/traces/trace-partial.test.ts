import assert from 'node:assert/strict';
import { quantileOf } from '../../../orchestrator/traces/latency-sketch.ts';
import { SPAN_KIND, type FlatSpan } from '../../../orchestrator/traces/otlp-spans.ts';
import { decodeOrphan, decodePartial, encodePartial, entityId, mergePartials, sharesOfBatch, type PeriodPartial } from '../../../orchestrator/traces/trace-partial.ts';
import { closeSharedPeriod } from '../../../orchestrator/traces/trace-period-close.ts';
import { prng } from '../../support/seeded-random.ts';

const MIN = 60_000;
const T0 = Date.UTC(2026, 0, 1);
const CLOSE = { periodMs: MIN, historyPeriods: 5, maxServices: 10, maxEdges: 10 };

/** `n` requests frontend → checkout → payments with random latencies and errors, over two minutes. */
function traffic(n: number, seed: number): FlatSpan[] {
  const rnd = prng(seed);
  const out: FlatSpan[] = [];
  for (let i = 0; i < n; i++) {
    const at = T0 + Math.floor(rnd() * 2 * MIN);
    const span = (service: string, parentSpanId?: string): FlatSpan => ({
      traceId: `t${i}`, spanId: `${service}-${i}`, service, name: service, kind: SPAN_KIND.server, startMs: at, durationMs: 1 + rnd() * rnd() * 500, error: rnd() < 0.1, ...(parentSpanId ? { parentSpanId } : {}),
    });
    out.push(span('frontend'), span('checkout', `frontend-${i}`), span('payments', `checkout-${i}`));
  }
  return out;
}

/** The shares of some spans, with every span's parent looked up among `all` (as the shared look-up in Redis answers). */
function sharesOf(spans: readonly FlatSpan[], all: readonly FlatSpan[]) {
  const serviceOf = new Map(all.map((s) => [s.spanId, s.service]));
  return sharesOfBatch(spans, (i) => (spans[i]!.parentSpanId ? serviceOf.get(spans[i]!.parentSpanId!) : undefined), MIN);
}

/** A partial as plain data, for deep comparison. */
const plain = (p: PeriodPartial) => Object.fromEntries([...p.entities].sort(([a], [b]) => a.localeCompare(b)).map(([id, e]) => [id, { requests: e.requests, errors: e.errors, buckets: [...e.sketch.buckets].sort((a, b) => a[0] - b[0]) }]));

describe('trace partials shared by several receivers', () => {
  it('two processes\' partials, merged, equal the aggregate of all the spans, period by period', () => {
    const all = traffic(2000, 7);
    const rnd = prng(11);
    const a: FlatSpan[] = [];
    const b: FlatSpan[] = [];
    for (const s of all) (rnd() < 0.5 ? a : b).push(s);
    const whole = sharesOf(all, all).partials;
    const [pa, pb] = [sharesOf(a, all).partials, sharesOf(b, all).partials];
    assert.deepEqual([...whole.keys()].sort(), [T0, T0 + MIN]);
    for (const [period, p] of whole) assert.deepEqual(plain(mergePartials(pa.get(period)!, pb.get(period)!)), plain(p));
    const edge = whole.get(T0)!.entities.get(entityId('e', ['checkout', 'payments']))!;
    assert.equal(edge.requests, all.filter((s) => s.service === 'payments' && s.startMs < T0 + MIN).length);
  });

  it('answers percentiles of the merged sketch within the bucket bound (1.5%) of the exact values', () => {
    const all = traffic(3000, 5);
    const half = Math.floor(all.length / 2);
    const merged = mergePartials(sharesOf(all.slice(0, half), all).partials.get(T0)!, sharesOf(all.slice(half), all).partials.get(T0)!);
    const exact = all.filter((s) => s.service === 'payments' && s.startMs < T0 + MIN).map((s) => s.durationMs).sort((x, y) => x - y);
    for (const q of [0.5, 0.95, 0.99]) {
      const want = exact[Math.ceil(q * exact.length) - 1]!;
      const got = quantileOf(merged.entities.get(entityId('e', ['checkout', 'payments']))!.sketch, q)!;
      assert.ok(Math.abs(got - want) <= 0.015 * want, `q${q}: ${got} vs ${want}`);
    }
  });

  it('keeps a child whose parent is not known yet as an orphan, counted for its own service meanwhile', () => {
    const [, child] = traffic(1, 3);
    const { partials, orphans } = sharesOfBatch([child!], () => undefined, MIN);
    const p = [...partials.values()][0]!;
    assert.equal(p.entities.get(entityId('s', ['checkout']))!.requests, 1);
    assert.equal(p.entities.get(entityId('e', ['frontend', 'checkout'])), undefined);
    assert.deepEqual([...orphans.values()][0], [['frontend-0', 'checkout', child!.startMs, child!.durationMs, child!.error]]);
  });

  it('reads a partial back from its Redis fields, naming the fields it cannot read instead of failing', () => {
    const p = sharesOf(traffic(50, 2), traffic(50, 2)).partials.get(T0)!;
    const hash: Record<string, string> = { '!dropped': '3', '#s': '3' };
    for (const [id, , stack, , fields] of encodePartial(p)) {
      for (const [f, n] of Object.entries(fields)) hash[`${f} ${id}`] = String(n);
      if (stack) hash[`k ${id}`] = stack;
    }
    Object.assign(hash, { 'n ["s"': '4', 'n ["s","x"]': 'many', 'b9999 ["s","x"]': '1', 'q ["s","x"]': '1', '!unresolved': '-2' });
    const { partial, malformed } = decodePartial(T0, hash);
    assert.deepEqual(malformed.sort(), ['!unresolved', 'b9999 ["s","x"]', 'n ["s"', 'n ["s","x"]', 'q ["s","x"]']);
    assert.equal(partial.entities.get(entityId('s', ['x'])), undefined, 'an unreadable field makes no service');
    assert.equal(partial.dropped, 3);
    for (const [id, e] of p.entities) assert.deepEqual(plain({ ...partial, entities: new Map([[id, partial.entities.get(id)!]]) }), plain({ ...p, entities: new Map([[id, e]]) }));
    assert.equal(decodeOrphan('{"not":"an orphan"}'), undefined);
    assert.equal(decodeOrphan('[oops'), undefined);
  });

  it('closes a period: zeros for services seen before, the callee\'s view of an edge over the caller\'s, and caps', () => {
    const client: FlatSpan = { traceId: 't', spanId: 'c1', parentSpanId: 'f1', service: 'checkout', name: 'call', kind: SPAN_KIND.client, peerService: 'ledger', startMs: T0, durationMs: 30, error: false };
    const first = sharesOfBatch([...traffic(10, 4).filter((s) => s.startMs < T0 + MIN), client], () => 'checkout', MIN).partials.get(T0)!;
    const one = closeSharedPeriod(first, { periodMs: MIN, services: [], edges: [] }, { ...CLOSE, stackOf: (s) => `shop/./${s}` });
    const ledger = one.graph.edges.find((e) => e.callee === 'ledger')!;
    assert.equal(ledger.measuredBy, 'caller', 'ledger sends no spans: the caller\'s client span measures the edge');
    assert.equal(ledger.points[0]!.requests, 1);
    assert.ok(one.closed.every((c) => c.stackKey?.startsWith('shop/./')));
    const quiet = closeSharedPeriod({ period: T0 + MIN, entities: new Map(), dropped: 0, unresolved: 0 }, one.graph, CLOSE);
    assert.deepEqual(quiet.closed.map((c) => c.figures.requests), one.closed.map(() => 0), 'every service and edge seen before gets a zero');
    assert.ok(quiet.graph.services.every((s) => s.points.length === 2));
    const again = closeSharedPeriod(first, quiet.graph, CLOSE);
    assert.ok(again.graph.services.every((s) => s.points.length === 2), 'a period closed again replaces its point');
    const capped = closeSharedPeriod(first, { periodMs: MIN, services: [], edges: [] }, { ...CLOSE, maxServices: 1, maxEdges: 1 });
    assert.equal(capped.graph.services.length + capped.graph.edges.length, 2);
    assert.ok(capped.leftOut > 0);
  });
});
