/**
 * Which time range to ask CloudWatch for, per series: from just after the
 * last point emitted (so a restart or an outage is filled), never further
 * back than the lookback cap, up to the last complete, settled period.
 * Every bound is a multiple of the metric period. Pure.
 */

/** How far back and forward the poller reads. */
export interface WindowOptions {
  /** The current time, ms since the epoch. */
  readonly nowMs: number;
  /** Periods ending later than `now - settleMs` are not read yet: CloudWatch may still be aggregating them. */
  readonly settleMs: number;
  /** How far back a series with no stored point starts. */
  readonly initialLookbackMs: number;
  /** How far back a gap is filled at most, however long the poller was away. */
  readonly maxLookbackMs: number;
}

/** A half-open range `[startMs, endMs)` of whole periods. */
export interface TimeWindow {
  readonly startMs: number;
  readonly endMs: number;
}

/** The start of the period holding `ms`. */
export function alignDown(ms: number, periodMs: number): number {
  return Math.floor(ms / periodMs) * periodMs;
}

/** The first period boundary at or after `ms`. */
export function alignUp(ms: number, periodMs: number): number {
  return Math.ceil(ms / periodMs) * periodMs;
}

/**
 * The window to read for one series, or undefined when no complete period
 * is due yet.
 *
 * @param watermarkMs - timestamp of the last point emitted for the series, if any.
 */
export function seriesWindow(periodSeconds: number, watermarkMs: number | undefined, o: WindowOptions): TimeWindow | undefined {
  const periodMs = periodSeconds * 1000;
  const endMs = alignDown(o.nowMs - o.settleMs, periodMs);
  const floor = alignUp(o.nowMs - o.maxLookbackMs, periodMs);
  const wanted = watermarkMs === undefined ? alignUp(o.nowMs - o.initialLookbackMs, periodMs) : alignDown(watermarkMs, periodMs) + periodMs;
  const startMs = Math.max(wanted, floor);
  return startMs < endMs ? { startMs, endMs } : undefined;
}
