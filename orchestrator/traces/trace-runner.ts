import type { Redis } from 'ioredis';
import { createAnomalyStage } from '../telemetry/anomaly-stage.ts';
import type { Anomaly } from '../telemetry/anomaly.ts';
import { createRedisTelemetryStore } from '../telemetry/redis-telemetry-store.ts';
import type { FlatSpan } from './otlp-spans.ts';
import { createSpanAggregator, type SpanAggregatorOptions } from './span-aggregator.ts';
import { tracePoints } from './trace-signals.ts';
import type { TraceGraph } from './trace-graph.ts';
import { createTraceGraphStore } from './trace-graph-store.ts';

/**
 * The trace half of the detect stage, wired to its I/O: the receiver hands
 * spans to the aggregator; each tick closes the periods that ended at least
 * `settleMs` ago (spans of a request arrive in separate exports, a little
 * late) and scores their figures through the same anomaly stage, with the
 * same Redis telemetry store, as metrics and logs. The graph it keeps is
 * what the topology and diagnosis read, saved in Redis at each tick that
 * closed a period (see trace-graph-store.ts).
 */
export interface TraceRunnerDeps {
  readonly redis: Redis;
  /** @defaultValue 'homeostat' */
  readonly prefix?: string;
  readonly onAnomalies: (anomalies: readonly Anomaly[]) => Promise<void> | void;
  readonly onWarning?: (message: string) => void;
  readonly aggregator?: Partial<SpanAggregatorOptions>;
  /** How long after a period ends its spans may still arrive. @defaultValue 15000 */
  readonly settleMs?: number;
  readonly now?: () => number;
}

/** What one tick did. */
export interface TraceTickSummary {
  points: number;
  anomalies: number;
  dropped: number;
  unresolved: number;
}

export function createTraceRunner(deps: TraceRunnerDeps) {
  const now = deps.now ?? Date.now;
  const settleMs = deps.settleMs ?? 15_000;
  const aggregator = createSpanAggregator(deps.aggregator);
  const graphs = createTraceGraphStore(deps.redis, deps.prefix ?? 'homeostat');
  const stage = createAnomalyStage({
    store: createRedisTelemetryStore({ redis: deps.redis, prefix: deps.prefix ?? 'homeostat' }),
    onAnomalies: deps.onAnomalies,
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
  });

  async function tick(): Promise<TraceTickSummary> {
    const points = tracePoints(aggregator.flush(now() - settleMs));
    // The graph first: the anomalies go to the correlate worker, whose diagnosis reads it.
    if (points.length) await graphs.save(aggregator.graph());
    const anomalies = points.length ? await stage.handlePoints(points) : [];
    const { dropped, unresolved } = aggregator.stats();
    return { points: points.length, anomalies: anomalies.length, dropped, unresolved };
  }

  return {
    /** The receiver's sink (`TraceIngest.ingest`): folding in is in memory and cannot fail. */
    ingest: (spans: readonly FlatSpan[]) => aggregator.ingest(spans),
    tick,
    graph: (): TraceGraph => aggregator.graph(),
  };
}

export type TraceRunner = ReturnType<typeof createTraceRunner>;
