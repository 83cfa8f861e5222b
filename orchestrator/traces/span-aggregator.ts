import { addToSketch, createSketch, quantileOf, type LatencySketch } from './latency-sketch.ts';
import { SPAN_KIND, type FlatSpan } from './otlp-spans.ts';
import type { TraceEdgeSeries, TraceFigures, TraceGraph, TraceServiceSeries } from './trace-graph.ts';

/**
 * Spans folded into per-period figures, per service and per caller → callee
 * edge: request count and rate, error rate, p50 and p95 latency. Memory is
 * bounded whatever the traffic: services, edges, periods kept and spans
 * remembered for parent look-ups are all capped, and latencies go into
 * fixed-size sketches. Pure.
 *
 * - A service's requests are its server and consumer spans, and its root
 *   spans (an entry point with no caller).
 * - An edge is a span whose parent belongs to another service: measured by
 *   that child span (the callee's view). A client span naming its
 *   `peer.service` counts for the edge only if no span of the callee
 *   answers it by the period's flush (an uninstrumented callee).
 * - A span is counted in the period it started in. A child whose parent has
 *   not arrived waits until its period is flushed (spans of one trace come
 *   in separate exports), then is counted for its service only.
 */
export interface SpanAggregatorOptions {
  /** Length of one period. @defaultValue 60000 */
  periodMs: number;
  /** Services tracked at most; spans of later ones are dropped. @defaultValue 200 */
  maxServices: number;
  /** Edges tracked at most. @defaultValue 1000 */
  maxEdges: number;
  /** Spans remembered for finding a child's parent. @defaultValue 50000 */
  recentSpans: number;
  /** Closed periods kept per service and edge, for diagnosis. @defaultValue 60 */
  historyPeriods: number;
  /** The stack a service runs in, when its spans do not say (`homeostat.stack`). */
  stackOf?: (service: string) => string | undefined;
}

export const DEFAULT_SPAN_AGGREGATOR_OPTIONS: Readonly<Omit<SpanAggregatorOptions, 'stackOf'>> = Object.freeze({
  periodMs: 60_000,
  maxServices: 200,
  maxEdges: 1000,
  recentSpans: 50_000,
  historyPeriods: 60,
});

interface Tally {
  requests: number;
  errors: number;
  sketch: LatencySketch;
}

interface Track {
  /** Period start → its tally, for the periods not yet flushed. */
  readonly open: Map<number, Tally>;
  readonly history: TraceFigures[];
}

interface Remembered {
  readonly service: string;
  readonly kind: number;
  readonly peerService?: string;
  readonly startMs: number;
  readonly durationMs: number;
  readonly error: boolean;
}

/** What one ingest or flush did with spans that could not all be counted. */
export interface AggregatorStats {
  services: number;
  edges: number;
  /** Spans dropped: their service or edge was past the cap, or their period already flushed. */
  dropped: number;
  /** Children whose parent never arrived before their period was flushed. */
  unresolved: number;
  /** Spans seen again (an exporter retrying a request whose answer it missed), not counted twice. */
  repeated: number;
}

const edgeKey = (caller: string, callee: string) => `${caller}\u0000${callee}`;

// eslint-disable-next-line max-lines-per-function -- a factory on the hot path: the sketches, the edges and the parent look-up are locals its methods share; read through an object they would cost throughput, as they did for the detector
export function createSpanAggregator(options: Partial<SpanAggregatorOptions> = {}) {
  const o: SpanAggregatorOptions = { ...DEFAULT_SPAN_AGGREGATOR_OPTIONS, ...options };
  const services = new Map<string, Track & { stackKey?: string }>();
  const edges = new Map<string, Track & { caller: string; callee: string; measuredBy: 'callee' | 'caller' }>();
  const recent = new Map<string, Remembered>();
  // The ids in `recent`, oldest overwritten first. A ring, not the Map's own order: taking a Map's first
  // key after many deletes walks over their holes, which made ingest quadratic (measured: 15k spans/s).
  const ring: (string | undefined)[] = new Array<string | undefined>(o.recentSpans);
  let next = 0;
  /** Children waiting for their parent: the parent's span id → the children. */
  const orphans = new Map<string, FlatSpan[]>();
  let orphanCount = 0;
  /** Client spans with a peer, waiting to see whether the callee answers them: span id → the span. */
  const unanswered = new Map<string, Remembered>();
  let openFrom: number | undefined;
  const stats: AggregatorStats = { services: 0, edges: 0, dropped: 0, unresolved: 0, repeated: 0 };

  const periodOf = (ms: number) => Math.floor(ms / o.periodMs) * o.periodMs;

  function tally(track: Track, at: number, durationMs: number, error: boolean): void {
    const p = periodOf(at);
    let t = track.open.get(p);
    if (!t) track.open.set(p, (t = { requests: 0, errors: 0, sketch: createSketch() }));
    t.requests++;
    if (error) t.errors++;
    addToSketch(t.sketch, durationMs);
  }

  function serviceTrack(name: string, stackKey: string | undefined) {
    let s = services.get(name);
    if (!s) {
      if (services.size >= o.maxServices) return undefined;
      services.set(name, (s = { open: new Map(), history: [] }));
    }
    const stack = stackKey ?? o.stackOf?.(name);
    if (stack) s.stackKey = stack;
    return s;
  }

  function countEdge(caller: string, callee: string, measuredBy: 'callee' | 'caller', span: Remembered): void {
    const key = edgeKey(caller, callee);
    let e = edges.get(key);
    if (!e) {
      if (edges.size >= o.maxEdges) return void stats.dropped++;
      edges.set(key, (e = { caller, callee, measuredBy, open: new Map(), history: [] }));
    }
    // Once a callee answers with spans of its own, its view is the edge's (the caller's view adds the network).
    if (measuredBy === 'callee') e.measuredBy = 'callee';
    else if (e.measuredBy === 'callee') return;
    tally(e, span.startMs, span.durationMs, span.error);
  }

  function remember(s: FlatSpan): void {
    const old = ring[next];
    if (old !== undefined && old !== s.spanId) recent.delete(old);
    ring[next] = s.spanId;
    next = (next + 1) % o.recentSpans;
    recent.set(s.spanId, { service: s.service, kind: s.kind, startMs: s.startMs, durationMs: s.durationMs, error: s.error, ...(s.peerService ? { peerService: s.peerService } : {}) });
  }

  /** The edge of a child whose parent is known; false when the parent has not arrived. */
  function linkToParent(s: FlatSpan): boolean {
    const parent = recent.get(s.parentSpanId!);
    if (!parent) return false;
    if (parent.service !== s.service) {
      unanswered.delete(s.parentSpanId!);
      countEdge(parent.service, s.service, 'callee', s);
    }
    return true;
  }

  /**
   * The spans of a batch not seen before. An exporter sends a request again when it missed the
   * answer (a timeout, a 503), so a span already remembered was counted then. Spans are told apart
   * by span id (64 random bits); a repeat older than the last `recentSpans` spans is not caught,
   * nor a span twice in one request (exporters send each span once per request).
   */
  function unseen(spans: readonly FlatSpan[]): readonly FlatSpan[] {
    let fresh: FlatSpan[] | undefined;
    for (let i = 0; i < spans.length; i++) {
      const s = spans[i]!;
      if (!recent.has(s.spanId)) {
        fresh?.push(s);
        continue;
      }
      // Copied only once a repeat shows up: the usual batch has none, and the hot path allocates nothing.
      fresh ??= spans.slice(0, i) as FlatSpan[];
      stats.repeated++;
    }
    return fresh ?? spans;
  }

  /** Folds in a batch of spans (from one export request). */
  function ingest(batch: readonly FlatSpan[]): void {
    const spans = unseen(batch);
    for (const s of spans) remember(s);
    for (const s of spans) {
      if (openFrom !== undefined && s.startMs < openFrom) {
        stats.dropped++;
        continue;
      }
      const track = serviceTrack(s.service, s.stackKey);
      if (!track) {
        stats.dropped++;
        continue;
      }
      const entry = s.parentSpanId === undefined;
      if (entry || s.kind === SPAN_KIND.server || s.kind === SPAN_KIND.consumer) tally(track, s.startMs, s.durationMs, s.error);
      if (s.kind === SPAN_KIND.client && s.peerService && s.peerService !== s.service && unanswered.size < o.recentSpans) unanswered.set(s.spanId, recent.get(s.spanId)!);
      if (!entry && !linkToParent(s) && orphanCount < o.recentSpans) {
        orphans.set(s.parentSpanId!, [...(orphans.get(s.parentSpanId!) ?? []), s]);
        orphanCount++;
      }
    }
    // Orphans are looked up by the parents that came in this batch, never scanned: O(batch) per export.
    for (const s of spans) {
      const waiting = orphans.get(s.spanId);
      if (!waiting) continue;
      orphans.delete(s.spanId);
      orphanCount -= waiting.length;
      for (const child of waiting) linkToParent(child);
    }
  }

  function figures(t: Tally | undefined, timestamp: number): TraceFigures {
    const requests = t?.requests ?? 0;
    const out: TraceFigures = { timestamp, requests, rate: requests / (o.periodMs / 1000) };
    if (t && requests > 0) {
      out.errorRate = t.errors / requests;
      out.p50 = quantileOf(t.sketch, 0.5)!;
      out.p95 = quantileOf(t.sketch, 0.95)!;
    }
    return out;
  }

  function close(track: Track, period: number): TraceFigures {
    const f = figures(track.open.get(period), period);
    track.open.delete(period);
    track.history.push(f);
    if (track.history.length > o.historyPeriods) track.history.shift();
    return f;
  }

  /** A closed period's figures, ready to become signals. */
  interface Closed {
    readonly service?: TraceServiceSeries['service'];
    readonly edge?: { caller: string; callee: string };
    readonly stackKey?: string;
    readonly figures: TraceFigures;
  }

  /**
   * Closes every period that ended by `upTo` (nothing earlier is still to
   * come) and returns their figures, zeros included for services and edges
   * seen before, in time order.
   */
  function flush(upTo: number): Closed[] {
    const starts = [...services.values(), ...edges.values()].flatMap((t) => [...t.open.keys()]);
    const first = openFrom ?? (starts.length ? Math.min(...starts) : undefined);
    if (first === undefined) return [];
    let period = first;
    const out: Closed[] = [];
    for (; period + o.periodMs <= upTo; period += o.periodMs) {
      const end = period + o.periodMs;
      for (const [id, c] of unanswered) {
        if (c.startMs >= end) continue;
        unanswered.delete(id);
        countEdge(c.service, c.peerService!, 'caller', c);
      }
      for (const [parent, waiting] of orphans) {
        const later = waiting.filter((c) => c.startMs >= end);
        stats.unresolved += waiting.length - later.length;
        orphanCount -= waiting.length - later.length;
        if (later.length) orphans.set(parent, later);
        else orphans.delete(parent);
      }
      for (const [name, s] of services) out.push({ service: name, ...(s.stackKey ? { stackKey: s.stackKey } : {}), figures: close(s, period) });
      for (const e of edges.values()) {
        const stackKey = services.get(e.caller)?.stackKey;
        out.push({ edge: { caller: e.caller, callee: e.callee }, ...(stackKey ? { stackKey } : {}), figures: close(e, period) });
      }
    }
    openFrom = period;
    return out;
  }

  /** The recent service graph, for the topology and diagnosis. */
  function graph(): TraceGraph {
    const svc: TraceServiceSeries[] = [...services].map(([service, s]) => ({ service, ...(s.stackKey ? { stackKey: s.stackKey } : {}), points: [...s.history] }));
    const edg: TraceEdgeSeries[] = [...edges.values()].map((e) => ({ caller: e.caller, callee: e.callee, measuredBy: e.measuredBy, points: [...e.history] }));
    return { periodMs: o.periodMs, services: svc, edges: edg };
  }

  return { ingest, flush, graph, stats: (): AggregatorStats => ({ ...stats, services: services.size, edges: edges.size }) };
}

export type SpanAggregator = ReturnType<typeof createSpanAggregator>;
export type ClosedPeriod = ReturnType<SpanAggregator['flush']>[number];
