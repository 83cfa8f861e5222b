/**
 * Robust level, trend and scale of the deseasonalised series (Holt's linear
 * method with Huber-clipped updates).
 *
 * Clipping keeps a spike from dragging the level or inflating the scale; the
 * trend keeps a steadily growing metric from looking like a level shift. The
 * weight is an effective count that decays with elapsed steps, so early on (or
 * after a long gap) the estimates are plain averages of what little there is.
 */
import { S } from './detector-state.ts';

/** E|X| = sigma * sqrt(2/pi) for a Gaussian: scales the mean absolute residual to a standard deviation. */
const MEAN_ABS_TO_SIGMA = Math.sqrt(Math.PI / 2);
/** The slope learns this many times more slowly than the level, so noise does not read as trend. */
const SLOPE_SLOWDOWN = 4;
/** Longest extrapolation of the trend, in steps (a day at 5-minute sampling). */
export const MAX_TREND_STEPS = 288;
/** Below this many effective points the scale is too young to clip with. */
const MIN_WEIGHT_TO_CLIP = 3;
/** Share of the horizon the level weight must reach before the slope learns. */
const MATURE_SHARE = 0.5;

/** Smallest scale used to standardise, relative to the level, so a perfectly flat series does not divide by zero. */
export function scaleFloor(state: Float64Array): number {
  return 1e-9 * Math.abs(state[S.level]!) + 1e-300;
}

/**
 * The level expected after `steps` steps: level plus trend. Across a long gap
 * the trend is extrapolated for at most {@link MAX_TREND_STEPS} steps: a slope
 * learnt from noise should not turn a restart after downtime into an alarm.
 */
export function predictLevel(state: Float64Array, steps: number): number {
  return state[S.level]! + state[S.slope]! * Math.min(steps, MAX_TREND_STEPS);
}

/** Starts level and scale at the first observation. */
export function initLevel(state: Float64Array, y: number): void {
  state[S.level] = y;
  state[S.fastMean] = y;
  state[S.levelWeight] = 1;
}

/**
 * Folds a deseasonalised observation `y`, `steps` after the previous one, into
 * level, slope and scale. `keep` is the share of the old weight that survives
 * those steps (exp(-steps / horizon)).
 */
export function updateLevel(state: Float64Array, y: number, steps: number, keep: number, horizon: number, clip: number): void {
  const weight = state[S.levelWeight]! * keep + 1;
  state[S.levelWeight] = weight;
  const rate = 1 / weight;
  const scale = Math.max(state[S.scale]!, scaleFloor(state));
  const limit = weight > MIN_WEIGHT_TO_CLIP ? clip * scale : Infinity;
  const before = state[S.level]!;
  const predicted = predictLevel(state, steps);
  const residual = y - predicted;
  const clipped = Math.max(-limit, Math.min(limit, residual));
  const after = predicted + rate * clipped;
  state[S.level] = after;
  state[S.scale] = state[S.scale]! + rate * (Math.min(Math.abs(residual), limit) * MEAN_ABS_TO_SIGMA - state[S.scale]!);
  // The slope only learns once the level is mature: early level moves are the
  // average settling, not a trend.
  if (weight > MATURE_SHARE * horizon) {
    const slope = state[S.slope]!;
    state[S.slope] = slope + (rate / SLOPE_SLOWDOWN) * ((after - before) / Math.min(steps, MAX_TREND_STEPS) - slope);
  }
}
