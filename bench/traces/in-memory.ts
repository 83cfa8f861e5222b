import type { FlatSpan } from '../../orchestrator/traces/otlp-spans.ts';
import { createSpanAggregator } from '../../orchestrator/traces/span-aggregator.ts';
import { assertCounts } from './count-check.ts';
import { heapUsed, measured, rates, type Cost } from './cost.ts';
import { stackOf, type SyntheticSpans } from './synthetic-spans.ts';

/** What one in-memory pass measured. */
export interface InMemoryResult {
  ingest: Cost;
  flush: Cost;
  heapBytes: number;
}

/** Passes over the same batches, each on a fresh aggregator; the median pass is the headline (the first one includes V8 warming up). */
export const IN_MEMORY_PASSES = 3;

/**
 * The default ingest path (`traces.shared: false`): the in-memory span
 * aggregator at its default options, fed the batches one after another as
 * the receiver hands them over, then the periods flushed. Heap growth is
 * the aggregator's state after the ingest (spans remembered for parent
 * look-ups, sketches), after a full collection.
 */
export async function inMemoryPass(data: SyntheticSpans, batches: readonly FlatSpan[][], periodMs: number): Promise<InMemoryResult> {
  const before = heapUsed();
  const aggregator = createSpanAggregator({ periodMs, stackOf });
  const { cost: ingest } = await measured(() => {
    for (const b of batches) aggregator.ingest(b);
  });
  const heapBytes = heapUsed() - before;
  const upTo = data.periods[data.periods.length - 1]! + periodMs;
  const { cost: flush } = await measured(() => aggregator.flush(upTo));
  assertCounts('in-memory aggregator', aggregator.graph(), data.expected, data.periods);
  const s = aggregator.stats();
  if (s.dropped || s.unresolved || s.repeated) throw new Error(`in-memory aggregator: dropped=${s.dropped} unresolved=${s.unresolved} repeated=${s.repeated}, expected none`);
  return { ingest, flush, heapBytes };
}

/** The passes' lines, and the median pass (by wall clock). */
export function inMemoryReport(spans: number, passes: readonly InMemoryResult[]): { lines: string[]; median: InMemoryResult } {
  const lines = passes.map((p, i) => `in_memory pass=${i + 1} ${rates(spans, p.ingest)} flush_ms=${p.flush.wallMs.toFixed(1)} heap_growth_bytes=${p.heapBytes} (${(p.heapBytes / spans).toFixed(0)} per span; bounded, it remembers at most 50,000 spans)`);
  const sorted = [...passes].sort((a, b) => a.ingest.wallMs - b.ingest.wallMs);
  const median = sorted[Math.floor(sorted.length / 2)]!;
  return { lines, median };
}
