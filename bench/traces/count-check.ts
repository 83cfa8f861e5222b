import type { TraceGraph } from '../../orchestrator/traces/trace-graph.ts';
import { tallyKey, type Tally } from './synthetic-spans.ts';

/**
 * Checks that a trace path counted what was generated: for every period,
 * each service's and each caller → callee edge's requests and errors in the
 * graph it produced equal the generated ones, and it found no edge that was
 * not there. Throws naming the first difference, so a broken path (spans
 * dropped, parents missed, a Lua script refusing writes) cannot print a
 * fast figure. Pure.
 */
export function assertCounts(path: string, graph: TraceGraph, expected: ReadonlyMap<string, Tally>, periods: readonly number[]): void {
  const found = new Map<string, Tally>();
  const keep = (key: string, requests: number, errorRate: number | undefined) => {
    // The graph keeps an error rate, not a count: the count is that rate times the requests, a whole number.
    if (requests > 0) found.set(key, { requests, errors: Math.round((errorRate ?? 0) * requests) });
  };
  for (const s of graph.services) for (const p of s.points) keep(tallyKey(p.timestamp, s.service), p.requests, p.errorRate);
  for (const e of graph.edges) for (const p of e.points) keep(tallyKey(p.timestamp, e.caller, e.callee), p.requests, p.errorRate);
  const wanted = new Set(periods);
  for (const key of new Set([...expected.keys(), ...found.keys()])) {
    if (!wanted.has(Number(key.split(' ')[0]))) continue;
    const want = expected.get(key) ?? { requests: 0, errors: 0 };
    const got = found.get(key) ?? { requests: 0, errors: 0 };
    if (want.requests !== got.requests || want.errors !== got.errors) {
      throw new Error(`${path}: ${key} counted ${got.requests} requests, ${got.errors} errors; generated ${want.requests}, ${want.errors}`);
    }
  }
}
