import { quantileOf } from './latency-sketch.ts';
import type { ClosedPeriod } from './span-aggregator.ts';
import { entityId, type Entity, type PeriodPartial } from './trace-partial.ts';
import type { TraceEdgeSeries, TraceFigures, TraceGraph, TraceServiceSeries } from './trace-graph.ts';

/**
 * Closing one period of the merged partials (all processes' spans): its
 * figures per service and per edge, zeros for those seen in earlier
 * periods, and the service graph with the period appended. Pure; the
 * graph is the only state carried from period to period, so the process
 * that closes the next period may be another one, reading it from Redis.
 */
export interface CloseOptions {
  periodMs: number;
  /** Closed periods kept per service and edge. */
  historyPeriods: number;
  /** Services and edges the graph holds at most; a new one past the cap is left out (and counted). */
  maxServices: number;
  maxEdges: number;
  stackOf?: (service: string) => string | undefined;
}

export interface ClosedShared {
  readonly closed: ClosedPeriod[];
  readonly graph: TraceGraph;
  /** Services or edges left out of the graph by its caps. */
  readonly leftOut: number;
}

/** A period's figures from a tally (none: zero requests, and no rates or percentiles made up). */
export function figuresOf(e: Pick<Entity, 'requests' | 'errors' | 'sketch'> | undefined, timestamp: number, periodMs: number): TraceFigures {
  const requests = e?.requests ?? 0;
  const out: TraceFigures = { timestamp, requests, rate: requests / (periodMs / 1000) };
  if (e && requests > 0) {
    // A partial read back from Redis is validated field by field, not as a whole: never a share above 1.
    out.errorRate = Math.min(1, e.errors / requests);
    const p50 = quantileOf(e.sketch, 0.5);
    const p95 = quantileOf(e.sketch, 0.95);
    if (p50 !== undefined && p95 !== undefined) Object.assign(out, { p50, p95 });
  }
  return out;
}

function appended(points: readonly TraceFigures[], f: TraceFigures, keep: number): TraceFigures[] {
  // A period closed again (a reader that stopped before recording it had) replaces its own point.
  const out = points.filter((p) => p.timestamp !== f.timestamp);
  out.push(f);
  out.sort((a, b) => a.timestamp - b.timestamp);
  return out.slice(-keep);
}

export function closeSharedPeriod(partial: PeriodPartial, graph: TraceGraph, o: CloseOptions): ClosedShared {
  const at = partial.period;
  const byKind = (kind: Entity['kind']) => [...partial.entities.values()].filter((e) => e.kind === kind);
  let leftOut = 0;
  const services = new Map<string, TraceServiceSeries>(graph.services.map((s) => [s.service, s]));
  for (const e of byKind('s')) {
    if (services.has(e.names[0]!)) continue;
    if (services.size >= o.maxServices) leftOut++;
    else services.set(e.names[0]!, { service: e.names[0]!, points: [] });
  }
  const stackOf = (service: string) => partial.entities.get(entityId('s', [service]))?.stackKey ?? services.get(service)?.stackKey ?? o.stackOf?.(service);
  const closed: ClosedPeriod[] = [];
  const outServices: TraceServiceSeries[] = [];
  for (const s of services.values()) {
    const figures = figuresOf(partial.entities.get(entityId('s', [s.service])), at, o.periodMs);
    const stackKey = stackOf(s.service);
    closed.push({ service: s.service, ...(stackKey ? { stackKey } : {}), figures });
    outServices.push({ service: s.service, ...(stackKey ? { stackKey } : {}), points: appended(s.points, figures, o.historyPeriods) });
  }
  const edgeKey = (names: readonly string[]) => JSON.stringify(names);
  const edges = new Map<string, TraceEdgeSeries>(graph.edges.map((e) => [edgeKey([e.caller, e.callee]), e]));
  for (const e of [...byKind('e'), ...byKind('c')]) {
    const key = edgeKey(e.names);
    if (edges.has(key)) continue;
    if (edges.size >= o.maxEdges) leftOut++;
    else edges.set(key, { caller: e.names[0]!, callee: e.names[1]!, measuredBy: e.kind === 'e' ? 'callee' : 'caller', points: [] });
  }
  const outEdges: TraceEdgeSeries[] = [];
  for (const e of edges.values()) {
    const callee = partial.entities.get(entityId('e', [e.caller, e.callee]));
    // Once a callee answers with spans of its own, its view is the edge's (the caller's view adds the network).
    const measuredBy = callee || e.measuredBy === 'callee' ? 'callee' : 'caller';
    const figures = figuresOf(measuredBy === 'callee' ? callee : partial.entities.get(entityId('c', [e.caller, e.callee])), at, o.periodMs);
    const stackKey = stackOf(e.caller);
    closed.push({ edge: { caller: e.caller, callee: e.callee }, ...(stackKey ? { stackKey } : {}), figures });
    outEdges.push({ caller: e.caller, callee: e.callee, measuredBy, points: appended(e.points, figures, o.historyPeriods) });
  }
  return { closed, graph: { periodMs: o.periodMs, services: outServices, edges: outEdges }, leftOut };
}
