import type { TimeWindow } from './period-window.ts';
import type { Dimension, SeriesSpec } from './series.ts';

/**
 * Packs the due series into `GetMetricData` calls: at most 500 queries a
 * call (the API's limit), one metric period per call so StartTime and
 * EndTime are aligned to it, and short query ids that map back to series.
 * Pure.
 */

/** The most `MetricDataQueries` one GetMetricData call accepts. */
export const MAX_QUERIES_PER_CALL = 500;

/** One `MetricStat` query. */
export interface MetricQuery {
  /** Unique within its call; matches `^[a-z][a-zA-Z0-9_]*$` as the API requires. */
  readonly id: string;
  readonly seriesId: string;
  readonly namespace: string;
  readonly metricName: string;
  readonly dimensions: readonly Dimension[];
  readonly stat: string;
  readonly periodSeconds: number;
}

/** One planned GetMetricData call (before pagination). */
export interface QueryBatch {
  readonly periodSeconds: number;
  readonly startMs: number;
  readonly endMs: number;
  readonly queries: readonly MetricQuery[];
}

/** A series that is due, with the window it needs. */
export interface DueSeries {
  readonly series: SeriesSpec;
  readonly window: TimeWindow;
}

/** Query id of the n-th query of a call. */
export function queryId(index: number): string {
  return `q${index}`;
}

function toQuery(s: SeriesSpec, index: number): MetricQuery {
  return {
    id: queryId(index),
    seriesId: s.seriesId,
    namespace: s.namespace,
    metricName: s.metricName,
    dimensions: s.dimensions,
    stat: s.stat,
    periodSeconds: s.periodSeconds,
  };
}

function batchOf(items: readonly DueSeries[]): QueryBatch {
  const first = items[0];
  if (!first) throw new RangeError('a batch needs at least one series');
  let startMs = first.window.startMs;
  let endMs = first.window.endMs;
  for (const it of items) {
    startMs = Math.min(startMs, it.window.startMs);
    endMs = Math.max(endMs, it.window.endMs);
  }
  return { periodSeconds: first.series.periodSeconds, startMs, endMs, queries: items.map((it, i) => toQuery(it.series, i)) };
}

/**
 * Groups due series by period, orders each group by window start (so series
 * that resume from the same point share a call and a call reads little that
 * it throws away), and cuts groups into calls of at most `maxPerCall`.
 * A call's window is the union of its series' windows.
 */
export function planBatches(due: readonly DueSeries[], maxPerCall = MAX_QUERIES_PER_CALL): QueryBatch[] {
  if (!Number.isInteger(maxPerCall) || maxPerCall < 1 || maxPerCall > MAX_QUERIES_PER_CALL) {
    throw new RangeError(`maxPerCall must be an integer in 1..${MAX_QUERIES_PER_CALL}, got ${maxPerCall}`);
  }
  const byPeriod = new Map<number, DueSeries[]>();
  for (const d of due) {
    const group = byPeriod.get(d.series.periodSeconds) ?? [];
    group.push(d);
    byPeriod.set(d.series.periodSeconds, group);
  }
  const batches: QueryBatch[] = [];
  for (const period of [...byPeriod.keys()].sort((a, b) => a - b)) {
    const group = byPeriod.get(period)!;
    group.sort((a, b) => a.window.startMs - b.window.startMs || (a.series.seriesId < b.series.seriesId ? -1 : 1));
    for (let i = 0; i < group.length; i += maxPerCall) batches.push(batchOf(group.slice(i, i + maxPerCall)));
  }
  return batches;
}

/** Halves a call (ids renumbered), to find the query that makes the API reject the whole call. */
export function splitBatch(batch: QueryBatch): [QueryBatch, QueryBatch] {
  const mid = Math.ceil(batch.queries.length / 2);
  const renumber = (qs: readonly MetricQuery[]) => qs.map((q, i) => ({ ...q, id: queryId(i) }));
  return [
    { ...batch, queries: renumber(batch.queries.slice(0, mid)) },
    { ...batch, queries: renumber(batch.queries.slice(mid)) },
  ];
}
