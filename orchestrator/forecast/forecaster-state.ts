/**
 * The per-series state of the forecaster: one small fixed-size Float64Array
 * (the byte length is the state), persisted as a plain JSON array.
 */
import { MAX_BEND_RUN, MAX_CHANGE_RUN } from './forecast-options.ts';

/** Offsets of the scalar fields in the state array. */
export const F = {
  /** Observations folded into the state. */
  count: 0,
  /** Timestamp (ms) of the latest observation, the origin of the trend's time axis; NaN before the first. */
  lastTime: 1,
  /** Typical sampling interval (ms), learnt online; 0 until known. */
  step: 2,
  /** Value the trend's sums are taken relative to (so large counters keep their precision). */
  anchor: 3,
  /** Sum of weights. */
  w: 4,
  /** Sum of weight * x, x = minutes before lastTime (x <= 0). */
  wx: 5,
  /** Sum of weight * x^2. */
  wxx: 6,
  /** Sum of weight * y, y = value - anchor. */
  wy: 7,
  /** Sum of weight * x * y. */
  wxy: 8,
  /** Sum of weight^2 (for the estimates' variances under discounting). */
  ww: 9,
  /** Sum of weight^2 * x. */
  wwx: 10,
  /** Sum of weight^2 * x^2. */
  wwxx: 11,
  /** Mean of the clipped squared one-step residual (the noise variance). */
  residual2: 12,
  /** Mean of the product of consecutive clipped residuals (their lag-1 autocovariance). */
  lag1: 13,
  /** Previous clipped residual; NaN when there is none. */
  previousResidual: 14,
  /** Signed length of the current run of residuals beyond the clip (positive above the trend). */
  run: 15,
  /** Where the next point goes in the ring of recent points. */
  ringNext: 16,
  /** Signed length of the current run of residuals of any size on one side of the trend. */
  signRun: 17,
  /** Lag-1 autocorrelation of the residuals when the current one-sided run began. */
  runRho: 18,
} as const;

const SCALARS = 19;
/** Slots in the ring of recent points (the longest change or bend run). */
export const MAX_RING = Math.max(MAX_CHANGE_RUN, MAX_BEND_RUN);
/** Offset of the ring of recent timestamps (ms). */
export const RING_TIME_OFFSET = SCALARS;
/** Offset of the ring of recent values. */
export const RING_VALUE_OFFSET = RING_TIME_OFFSET + MAX_RING;
/** Number of doubles in a state. */
export const FORECAST_STATE_LENGTH = RING_VALUE_OFFSET + MAX_RING;

/** Format version of {@link ForecasterSnapshot}; bump when the layout changes (2: the bend run and a 16-point ring). */
export const FORECAST_STATE_VERSION = 2;

/** A fresh state: nothing observed yet. */
export function createForecasterState(): Float64Array {
  const state = new Float64Array(FORECAST_STATE_LENGTH);
  state[F.lastTime] = Number.NaN;
  state[F.previousResidual] = Number.NaN;
  state.fill(Number.NaN, RING_TIME_OFFSET, RING_VALUE_OFFSET);
  return state;
}

/** The persisted form of a forecaster's state: JSON-safe (NaN becomes null). */
export interface ForecasterSnapshot {
  readonly version: number;
  readonly values: readonly (number | null)[];
}

/** Copies a state into a JSON-safe snapshot. */
export function snapshotForecasterState(state: Float64Array): ForecasterSnapshot {
  return { version: FORECAST_STATE_VERSION, values: Array.from(state, (v) => (Number.isFinite(v) ? v : null)) };
}

/** Rebuilds a state from a snapshot; throws a RangeError naming the problem when it does not fit this version. */
export function restoreForecasterState(snapshot: ForecasterSnapshot): Float64Array {
  if (snapshot === null || typeof snapshot !== 'object') throw new RangeError('forecaster snapshot must be an object');
  if (snapshot.version !== FORECAST_STATE_VERSION) {
    throw new RangeError(`forecaster snapshot.version is ${String(snapshot.version)}, this build reads ${FORECAST_STATE_VERSION}`);
  }
  if (!Array.isArray(snapshot.values) || snapshot.values.length !== FORECAST_STATE_LENGTH) {
    throw new RangeError(`forecaster snapshot.values must hold ${FORECAST_STATE_LENGTH} numbers`);
  }
  const state = new Float64Array(FORECAST_STATE_LENGTH);
  snapshot.values.forEach((v, i) => {
    if (v !== null && typeof v !== 'number') throw new RangeError(`forecaster snapshot.values[${i}] is not a number or null`);
    state[i] = v === null ? Number.NaN : v;
  });
  return state;
}
