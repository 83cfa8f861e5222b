/**
 * A latency quantile sketch of fixed size: durations fall into buckets whose
 * bounds grow by a constant ratio, so any quantile it answers is within
 * about 1.5% of a true sample value, whatever the number of spans. Its size
 * is bounded by the range (at most {@link MAX_BUCKETS} buckets from 10 µs to
 * about 3 hours), not by the traffic. Pure.
 */

/** Ratio between consecutive bucket bounds: a relative error of (GAMMA - 1) / (GAMMA + 1), about 1.5%. */
const GAMMA = 1.03;
const LOG_GAMMA = Math.log(GAMMA);
/** Durations at or below this (ms) share the first bucket. */
const MIN_MS = 0.01;
/** Buckets at most: durations past the last bound share it. */
export const MAX_BUCKETS = 720;

export interface LatencySketch {
  /** Bucket index → count; at most {@link MAX_BUCKETS} keys. */
  readonly buckets: Map<number, number>;
  count: number;
}

export function createSketch(): LatencySketch {
  return { buckets: new Map(), count: 0 };
}

function indexOf(ms: number): number {
  if (!(ms > MIN_MS)) return 0;
  return Math.min(MAX_BUCKETS - 1, Math.ceil(Math.log(ms / MIN_MS) / LOG_GAMMA));
}

/** The value a bucket stands for: the middle of its bounds, so the error is split both ways. */
function valueOf(index: number): number {
  if (index === 0) return MIN_MS;
  return (MIN_MS * Math.pow(GAMMA, index - 1) * (1 + GAMMA)) / 2;
}

export function addToSketch(s: LatencySketch, ms: number): void {
  const i = indexOf(ms);
  s.buckets.set(i, (s.buckets.get(i) ?? 0) + 1);
  s.count++;
}

/** The `q`-quantile (0..1) of what was added, in ms, or undefined when nothing was. */
export function quantileOf(s: LatencySketch, q: number): number | undefined {
  if (s.count === 0) return undefined;
  // The rank of the nearest-rank quantile: the smallest value with at least q of the samples at or below it.
  const rank = Math.max(1, Math.ceil(q * s.count));
  let seen = 0;
  for (const i of [...s.buckets.keys()].sort((a, b) => a - b)) {
    seen += s.buckets.get(i)!;
    if (seen >= rank) return valueOf(i);
  }
  return valueOf(MAX_BUCKETS - 1);
}

/** Adds `count` durations to bucket `index` (from a merged partial); an index outside 0..MAX_BUCKETS-1 is refused. */
export function addToBucket(s: LatencySketch, index: number, count: number): void {
  if (!Number.isInteger(index) || index < 0 || index >= MAX_BUCKETS) throw new RangeError(`sketch bucket ${index} is outside 0..${MAX_BUCKETS - 1}`);
  if (!Number.isInteger(count) || count <= 0) return;
  s.buckets.set(index, (s.buckets.get(index) ?? 0) + count);
  s.count += count;
}

/** Folds `from` into `into`: bucket bounds are fixed, so counts add and the merge is the sketch all the durations would have made. */
export function mergeSketch(into: LatencySketch, from: LatencySketch): void {
  for (const [i, n] of from.buckets) addToBucket(into, i, n);
}
