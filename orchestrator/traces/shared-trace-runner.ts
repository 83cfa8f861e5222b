import type { Redis } from 'ioredis';
import type { ReaderTurn } from '../runtime/reader-turn.ts';
import { createAnomalyStage } from '../telemetry/anomaly-stage.ts';
import type { Anomaly } from '../telemetry/anomaly.ts';
import { createRedisTelemetryStore } from '../telemetry/redis-telemetry-store.ts';
import type { FlatSpan } from './otlp-spans.ts';
import { DEFAULT_SPAN_AGGREGATOR_OPTIONS, type SpanAggregatorOptions } from './span-aggregator.ts';
import { createSpanShareStore, type SpanShareStore } from './span-share-store.ts';
import { decodeOrphan, decodePartial, emptyPartial, sharesOfBatch, tally, type PeriodPartial } from './trace-partial.ts';
import { closeSharedPeriod } from './trace-period-close.ts';
import type { TraceGraph } from './trace-graph.ts';
import { createTraceGraphStore } from './trace-graph-store.ts';
import type { TraceTickSummary } from './trace-runner.ts';
import { tracePoints } from './trace-signals.ts';

/**
 * The trace stage for several receiving processes on one Redis prefix
 * (`traces.shared`): every process folds the spans it receives into the
 * period's shared partial in Redis (trace-partial.ts, span-share-store.ts),
 * with the parent look-up shared too, so a child whose parent landed on
 * another process still finds its caller. One process at a time (the
 * reader turn `traces`, as for metrics and logs) closes each period once it
 * has settled: it resolves the period's orphans against every process's
 * spans, merges, scores the figures and saves the graph. A period is
 * recorded closed by exactly one reader (a compare-and-set); if a reader
 * stops between scoring and recording, the next one closes the period
 * again, and the detector state (which skips points not newer than its
 * last) keeps it from being scored twice.
 */
export interface SharedTraceRunnerDeps {
  readonly redis: Redis;
  /** @defaultValue 'homeostat' */
  readonly prefix?: string;
  readonly turn: ReaderTurn;
  readonly onAnomalies: (anomalies: readonly Anomaly[]) => Promise<void> | void;
  readonly onWarning?: (message: string) => void;
  readonly aggregator?: Partial<SpanAggregatorOptions>;
  /** How long after a period ends its spans may still arrive (the grace window for late parents too). @defaultValue 15000 */
  readonly settleMs?: number;
  readonly now?: () => number;
}

/** Counts this process's receiver kept: what it could not add to the shared periods. */
export interface ShareStats {
  repeated: number;
  /** Spans whose period was already being closed when they came. */
  late: number;
  /** New spans not remembered for parent look-ups (a period's cap reached). */
  unremembered: number;
}

export function createSharedTraceRunner(deps: SharedTraceRunnerDeps) {
  const o = { ...DEFAULT_SPAN_AGGREGATOR_OPTIONS, ...deps.aggregator };
  const prefix = deps.prefix ?? 'homeostat';
  const now = deps.now ?? Date.now;
  const settleMs = deps.settleMs ?? 15_000;
  // Shared spans must outlive the grace window of the period after theirs: a parent is looked up there too.
  const store = createSpanShareStore(deps.redis, { prefix, periodMs: o.periodMs, ttlMs: 3 * o.periodMs + 2 * settleMs + 60_000, maxSpans: o.recentSpans, maxServices: o.maxServices, maxEdges: o.maxEdges });
  const graphs = createTraceGraphStore(deps.redis, prefix);
  const stage = createAnomalyStage({
    store: createRedisTelemetryStore({ redis: deps.redis, prefix }),
    onAnomalies: deps.onAnomalies,
    ...(deps.onWarning ? { onWarning: deps.onWarning } : {}),
  });
  const stats: ShareStats = { repeated: 0, late: 0, unremembered: 0 };
  /** The graph as this process last closed it; undefined when another process may have closed periods since. */
  let graph: TraceGraph | undefined;

  /** The receiver's sink: a rejection (Redis unreachable) is the exporter's 503, and it sends again. */
  const ingest = (batch: readonly FlatSpan[]) => shareBatch(store, batch, o, stats);

  async function tick(): Promise<TraceTickSummary> {
    const summary: TraceTickSummary = { points: 0, anomalies: 0, dropped: 0, unresolved: 0 };
    const turn = await deps.turn.take();
    if (turn === 'elsewhere') return summary;
    if (turn === 'taken') {
      stage.forget();
      graph = undefined;
    }
    graph ??= (await graphs.load()) ?? { periodMs: o.periodMs, services: [], edges: [] };
    const settled = now() - settleMs;
    let period = await store.nextToClose();
    // After a long stop, the periods older than the graph's history are not worth closing one by one.
    const oldest = Math.floor(settled / o.periodMs) * o.periodMs - o.historyPeriods * o.periodMs;
    if (period !== undefined && period < oldest) period = oldest;
    for (; period !== undefined && period + o.periodMs <= settled; period += o.periodMs) {
      await store.beginClose(period + o.periodMs);
      const partial = await mergedPeriod(store, period, deps.onWarning);
      const result = closeSharedPeriod(partial, graph, o);
      const points = tracePoints(result.closed);
      // The graph first: the anomalies go to the correlate worker, whose diagnosis reads it.
      await graphs.save(result.graph);
      graph = result.graph;
      const anomalies = points.length ? await stage.handlePoints(points) : [];
      summary.points += points.length;
      summary.anomalies += anomalies.length;
      summary.dropped += partial.dropped + result.leftOut;
      summary.unresolved += partial.unresolved;
      if (!(await store.commitClose(period))) {
        graph = undefined;
        break;
      }
    }
    return summary;
  }

  return {
    ingest,
    tick,
    /** The graph as this process last closed it (empty when it has not closed any). */
    graph: (): TraceGraph => graph ?? { periodMs: o.periodMs, services: [], edges: [] },
    stats: (): ShareStats => ({ ...stats }),
    /** Hands the reader turn on at once (at shutdown). */
    release: () => deps.turn.release(),
  };
}

export type SharedTraceRunner = ReturnType<typeof createSharedTraceRunner>;

/** Adds a batch to the shared periods: its spans remembered for look-ups (repeats skipped), its partials and orphans folded in. */
async function shareBatch(store: SpanShareStore, batch: readonly FlatSpan[], o: Pick<SpanAggregatorOptions, 'periodMs' | 'stackOf'>, stats: ShareStats): Promise<void> {
  const linked = await store.link(batch);
  stats.unremembered += linked.unremembered;
  const spans: FlatSpan[] = [];
  const parents: (string | undefined)[] = [];
  batch.forEach((s, i) => {
    if (!linked.fresh[i]) return void stats.repeated++;
    spans.push(s);
    parents.push(linked.parents[i]);
  });
  const shares = sharesOfBatch(spans, (i) => parents[i], o.periodMs, o.stackOf);
  const periods = new Set([...shares.partials.keys(), ...shares.orphans.keys()]);
  for (const period of periods) {
    const r = await store.fold(shares.partials.get(period) ?? emptyPartial(period), shares.orphans.get(period) ?? []);
    if (r.late) stats.late += spans.filter((s) => Math.floor(s.startMs / o.periodMs) * o.periodMs === period).length;
  }
}

/** The merged partial of a period, its orphans looked up once more (their parents had the whole grace window to come). */
async function mergedPeriod(store: SpanShareStore, period: number, onWarning?: (message: string) => void): Promise<PeriodPartial> {
  const { hash, orphans } = await store.read(period);
  const { partial, malformed } = decodePartial(period, hash);
  if (malformed.length) onWarning?.(`trace period ${new Date(period).toISOString()}: ${malformed.length} unreadable field(s) left out (${malformed.slice(0, 3).join(', ')})`);
  const decoded = orphans.map(decodeOrphan);
  const readable = decoded.filter((d) => d !== undefined);
  partial.unresolved += decoded.length - readable.length;
  const services = await store.parentsOf(period, readable.map((d) => d[0]));
  readable.forEach(([, service, , durationMs, error], i) => {
    const parent = services[i];
    if (parent === undefined) partial.unresolved++;
    else if (parent !== service) tally(partial, 'e', [parent, service], durationMs, error);
  });
  return partial;
}
