import type { QueryResultPage } from './metrics-reader.ts';

/**
 * Folds the pages of a GetMetricData call into one result per query, and
 * picks the points to emit: after the series' watermark, once per
 * timestamp, in time order. Pure.
 */

/** All pages of one query, merged. */
export interface MergedResult {
  readonly id: string;
  readonly timestamps: number[];
  readonly values: number[];
  /** The status of the last page that mentioned the query. */
  status: string;
  readonly messages: string[];
}

/** Statuses that mean the query itself failed (the others are `Complete` and `PartialData`). */
export function isFailedStatus(status: string): boolean {
  return status === 'InternalError' || status === 'Forbidden';
}

/** Merges the pages of one call: a query's points may be spread over several pages. */
export function mergePages(pages: readonly (readonly QueryResultPage[])[]): Map<string, MergedResult> {
  const out = new Map<string, MergedResult>();
  for (const page of pages) {
    for (const r of page) {
      let m = out.get(r.id);
      if (!m) {
        m = { id: r.id, timestamps: [], values: [], status: r.status, messages: [] };
        out.set(r.id, m);
      }
      const n = Math.min(r.timestamps.length, r.values.length);
      for (let i = 0; i < n; i++) {
        m.timestamps.push(r.timestamps[i]!);
        m.values.push(r.values[i]!);
      }
      m.status = r.status;
      for (const msg of r.messages) if (!m.messages.includes(msg)) m.messages.push(msg);
    }
  }
  return out;
}

/** A point of one series, before it is labelled. */
export interface Datapoint {
  readonly timestamp: number;
  readonly value: number;
}

/**
 * The points to emit from a merged result: finite, strictly after the
 * watermark, one per timestamp (the first seen wins: pages never disagree,
 * and this keeps the choice deterministic), sorted ascending.
 */
export function newPoints(result: Pick<MergedResult, 'timestamps' | 'values'>, watermarkMs: number | undefined): Datapoint[] {
  const seen = new Set<number>();
  const out: Datapoint[] = [];
  const n = Math.min(result.timestamps.length, result.values.length);
  for (let i = 0; i < n; i++) {
    const timestamp = result.timestamps[i]!;
    const value = result.values[i]!;
    if (!Number.isFinite(timestamp) || !Number.isFinite(value)) continue;
    if (watermarkMs !== undefined && timestamp <= watermarkMs) continue;
    if (seen.has(timestamp)) continue;
    seen.add(timestamp);
    out.push({ timestamp, value });
  }
  return out.sort((a, b) => a.timestamp - b.timestamp);
}
