/**
 * The local linear trend: a discounted weighted least-squares line through
 * the recent points, kept as running sums (no window of points).
 *
 * Why this method: a saturating signal's question is "when does the line meet
 * the limit", so the forecast needs a level, a slope and honest uncertainties
 * of both. Weighted least squares on the real time axis gives all three in
 * closed form from eight running sums, handles irregular sampling, gaps and
 * duplicate timestamps exactly (each point sits at its own time; a gap only
 * ages the weights), and costs O(1) per point. Holt's smoothing gives a level
 * and slope too, but no clean variance of the slope; a Theil–Sen slope over a
 * window is more robust but needs the window in the state and O(n^2) or an
 * interval from bootstrap. Robustness comes instead from Huber clipping of each
 * point against the line and a change-point restart (`forecaster.ts`).
 *
 * Time is in minutes relative to the latest observation (x <= 0), so the sums
 * stay well scaled; values are relative to an anchor for the same reason.
 */
import { F } from './forecaster-state.ts';

/** A fitted line with the uncertainty of its estimates (noise variance scaled in). */
export interface TrendFit {
  /** Value of the line at the latest observation's time, in the series' units. */
  readonly level: number;
  /** Slope, units per minute. */
  readonly slopePerMinute: number;
  /** Variance of {@link TrendFit.level}. */
  readonly levelVariance: number;
  /** Variance of {@link TrendFit.slopePerMinute}. */
  readonly slopeVariance: number;
  /** Covariance of level and slope. */
  readonly covariance: number;
}

/**
 * Moves the time origin forward by `dx` minutes (the new latest observation)
 * and ages every weight by `keep` (the squared-weight sums by keep^2).
 */
export function advanceOrigin(state: Float64Array, dx: number, keep: number): void {
  const w = state[F.w]!;
  const wx = state[F.wx]!;
  const ww = state[F.ww]!;
  const wwx = state[F.wwx]!;
  state[F.wxx] = keep * (state[F.wxx]! - 2 * dx * wx + dx * dx * w);
  state[F.wxy] = keep * (state[F.wxy]! - dx * state[F.wy]!);
  state[F.wx] = keep * (wx - dx * w);
  state[F.w] = keep * w;
  state[F.wy] = keep * state[F.wy]!;
  const keep2 = keep * keep;
  state[F.wwxx] = keep2 * (state[F.wwxx]! - 2 * dx * wwx + dx * dx * ww);
  state[F.wwx] = keep2 * (wwx - dx * ww);
  state[F.ww] = keep2 * ww;
}

/** Adds one point at `x` minutes (relative to the origin) with value `y` (relative to the anchor) and weight `weight`. */
export function addPoint(state: Float64Array, x: number, y: number, weight: number): void {
  state[F.w] = state[F.w]! + weight;
  state[F.wx] = state[F.wx]! + weight * x;
  state[F.wxx] = state[F.wxx]! + weight * x * x;
  state[F.wy] = state[F.wy]! + weight * y;
  state[F.wxy] = state[F.wxy]! + weight * x * y;
  const w2 = weight * weight;
  state[F.ww] = state[F.ww]! + w2;
  state[F.wwx] = state[F.wwx]! + w2 * x;
  state[F.wwxx] = state[F.wwxx]! + w2 * x * x;
}

/** Forgets every point (a change point, or the first observation). */
export function clearSums(state: Float64Array, anchor: number): void {
  state.fill(0, F.w, F.wwxx + 1);
  state[F.anchor] = anchor;
}

/** Spread of the points' times (weighted sum of squares about their mean), in minutes^2; 0 while all points share one time. */
export function timeSpread(state: Float64Array): number {
  const w = state[F.w]!;
  if (!(w > 0)) return 0;
  const sxx = state[F.wxx]! - (state[F.wx]! * state[F.wx]!) / w;
  // Relative to the raw sum, anything smaller is rounding.
  return sxx > 1e-9 * state[F.wxx]! ? sxx : 0;
}

/** The line's value at `x` minutes relative to the origin, relative to the anchor; NaN while there is no line. */
export function predictRelative(state: Float64Array, x: number): number {
  const w = state[F.w]!;
  if (!(w > 0)) return Number.NaN;
  const mean = state[F.wy]! / w;
  const sxx = timeSpread(state);
  if (sxx === 0) return mean;
  const xbar = state[F.wx]! / w;
  const slope = (state[F.wxy]! - xbar * state[F.wy]!) / sxx;
  return mean + slope * (x - xbar);
}

/**
 * The line at the origin with its uncertainties, given the per-point noise
 * variance. Variances are the exact sandwich form for weighted least squares
 * with independent noise (the caller inflates the noise for autocorrelation).
 * Undefined while the points have no spread in time.
 */
export function solveTrend(state: Float64Array, noiseVariance: number): TrendFit | undefined {
  const w = state[F.w]!;
  const sxx = timeSpread(state);
  if (!(w > 0) || sxx === 0) return undefined;
  const xbar = state[F.wx]! / w;
  const slope = (state[F.wxy]! - xbar * state[F.wy]!) / sxx;
  const level = state[F.wy]! / w - slope * xbar;
  // Sums of w_i^2 (x_i - xbar)^k, k = 0, 1, 2.
  const ww = state[F.ww]!;
  const wwd = state[F.wwx]! - xbar * ww;
  const wwdd = Math.max(0, state[F.wwxx]! - 2 * xbar * state[F.wwx]! + xbar * xbar * ww);
  // slope = sum w_i (x_i - xbar) y_i / sxx; level = sum w_i y_i (1 / w - xbar (x_i - xbar) / sxx).
  const slopeVariance = (noiseVariance * wwdd) / (sxx * sxx);
  const levelVariance = noiseVariance * Math.max(0, ww / (w * w) - (2 * xbar * wwd) / (w * sxx) + (xbar * xbar * wwdd) / (sxx * sxx));
  const covariance = noiseVariance * (wwd / (w * sxx) - (xbar * wwdd) / (sxx * sxx));
  return { level: level + state[F.anchor]!, slopePerMinute: slope, levelVariance, slopeVariance, covariance };
}
