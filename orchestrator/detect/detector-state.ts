/**
 * The per-series state of the detector: one fixed-size Float64Array.
 *
 * A flat numeric array keeps the state small and its size honest (the byte
 * length is the state), makes updates cheap, and serialises to a plain JSON
 * array that a poller can persist between runs.
 */

/** Hours in the daily profile. */
export const DAILY_BUCKETS = 24;
/** Hours in the weekly profile. */
export const WEEKLY_BUCKETS = 168;

/** Offsets of the scalar fields in the state array. */
export const S = {
  /** Observations folded into the state. */
  count: 0,
  /** Timestamp (ms) of the latest observation; NaN before the first. */
  lastTime: 1,
  /** Typical sampling interval (ms), learnt online; 0 until known. */
  step: 2,
  /** Previous observed value (for flat-line runs). */
  previous: 3,
  /** Robust level of the deseasonalised series. */
  level: 4,
  /** Slope of the level per step (Holt's trend). */
  slope: 5,
  /** Robust scale (about one standard deviation) of the residual around the level. */
  scale: 6,
  /** Effective number of observations behind level and scale. */
  levelWeight: 7,
  /** Short-term mean of the deseasonalised value (the level a shift moves to). */
  fastMean: 8,
  /** Short-term mean of the clipped standardised residual (level-shift statistic). */
  shift: 9,
  /** Long-run mean square of the shift statistic: its own spread, autocorrelation included. */
  shiftSpread: 10,
  /** Effective number of observations behind shiftSpread. */
  shiftWeight: 11,
  /** Upper tail envelope: decayed largest excursion above the level. */
  envelopeUp: 12,
  /** Lower tail envelope: decayed largest excursion below the level. */
  envelopeDown: 13,
  /** Effective number of observations behind the envelopes. */
  envelopeWeight: 14,
  /** Suppression bar (nats): a new alert must beat it; raised by each alert, decays with time. */
  peak: 15,
  /** Length of the current run of repeated values; negative once the run has been reported. */
  flatRun: 16,
  /** Long-run rate at which a value repeats a different previous value (a run starts). */
  startRate: 17,
  /** Effective number of observations behind startRate. */
  startWeight: 18,
  /** Long-run rate at which a repeat is repeated again (a run goes on). */
  continueRate: 19,
  /** Effective number of observations behind continueRate. */
  continueWeight: 20,
  /** Long-run mean absolute error of the level alone. */
  errorBase: 21,
  /** Long-run mean absolute error of level plus daily profile. */
  errorDaily: 22,
  /** Long-run mean absolute error of level plus daily and weekly profiles. */
  errorWeekly: 23,
  /** Hour (since the epoch) of the visit being accumulated; NaN before the first. */
  visitHour: 24,
  /** Sum of clipped residuals from the level during the current hour (teaches the daily profile). */
  visitDailySum: 25,
  /** Sum of clipped residuals from level plus daily profile during the current hour (teaches the weekly profile). */
  visitWeeklySum: 26,
  /** Observations in the current hour. */
  visitCount: 27,
  /**
   * Variance the short-term shift mean would have if the standardised residuals were independent with unit variance:
   * rate / (2 - rate) when points come at the usual step, up to 1 right after a long gap (the mean is then one point).
   */
  shiftVariance: 28,
  /** Effective number of residuals more than the tail base above the forecast (peaks over threshold, upper side). */
  excessUpCount: 29,
  /** Effective sum of their (capped) excesses over the base, in the series' units. */
  excessUpSum: 30,
  /** As {@link S.excessUpCount}, lower side. */
  excessDownCount: 31,
  /** As {@link S.excessUpSum}, lower side. */
  excessDownSum: 32,
  /** Effective number of the series' own raw surprises seen (the calibration's denominator). */
  calibrationWeight: 33,
  /** Effective number of those that reached the calibration base. */
  calibrationCount: 34,
  /** Effective number of observations behind the variance statistic's long-run mean and spread. */
  varianceWeight: 35,
  /** Long-run mean of ln|z|, the log size of the standardised residual (`variance-shift.ts`). */
  varianceLongMean: 36,
  /** Short-term mean of ln|z| (variance-change statistic). */
  varianceShortMean: 37,
  /** Variance the short-term mean of ln|z| would have for independent unit-variance values, through the actual steps (as {@link S.shiftVariance}). */
  varianceTrack: 38,
  /** Long-run mean square of the short-term mean's deviation from the long-run one: its own spread. */
  varianceSpread: 39,
} as const;

const SCALARS = 40;
/** Offset of the daily profile (per-hour mean offset from the level). */
export const DAILY_OFFSET = SCALARS;
/** Offset of the daily profile's per-hour weights (days seen, capped at its memory). */
export const DAILY_WEIGHT_OFFSET = DAILY_OFFSET + DAILY_BUCKETS;
/** Offset of the weekly profile (per hour-of-week offset after the daily one). */
export const WEEKLY_OFFSET = DAILY_WEIGHT_OFFSET + DAILY_BUCKETS;
/** Offset of the weekly profile's per-hour weights (weeks seen, capped at its memory). */
export const WEEKLY_WEIGHT_OFFSET = WEEKLY_OFFSET + WEEKLY_BUCKETS;
/** Number of doubles in a state. */
export const STATE_LENGTH = WEEKLY_WEIGHT_OFFSET + WEEKLY_BUCKETS;

/** Format version of {@link DetectorSnapshot}; bump when the layout changes. */
export const STATE_VERSION = 5;

/** A fresh state: nothing observed yet. */
export function createDetectorState(): Float64Array {
  const state = new Float64Array(STATE_LENGTH);
  state[S.lastTime] = Number.NaN;
  state[S.previous] = Number.NaN;
  state[S.visitHour] = Number.NaN;
  return state;
}

/** The persisted form of a detector's state: JSON-safe (NaN and infinities become null). */
export interface DetectorSnapshot {
  readonly version: number;
  readonly values: readonly (number | null)[];
}

/** Copies a state into a JSON-safe snapshot. */
export function snapshotState(state: Float64Array): DetectorSnapshot {
  return { version: STATE_VERSION, values: Array.from(state, (v) => (Number.isFinite(v) ? v : null)) };
}

/** Rebuilds a state from a snapshot; throws a RangeError naming the problem when it does not fit this version. */
export function restoreState(snapshot: DetectorSnapshot): Float64Array {
  if (snapshot === null || typeof snapshot !== 'object') throw new RangeError('detector snapshot must be an object');
  if (snapshot.version !== STATE_VERSION) {
    throw new RangeError(`detector snapshot.version is ${String(snapshot.version)}, this build reads ${STATE_VERSION}`);
  }
  if (!Array.isArray(snapshot.values) || snapshot.values.length !== STATE_LENGTH) {
    throw new RangeError(`detector snapshot.values must hold ${STATE_LENGTH} numbers`);
  }
  const state = new Float64Array(STATE_LENGTH);
  snapshot.values.forEach((v, i) => {
    if (v !== null && typeof v !== 'number') throw new RangeError(`detector snapshot.values[${i}] is not a number or null`);
    state[i] = v === null ? Number.NaN : v;
  });
  return state;
}
