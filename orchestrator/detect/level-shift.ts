/**
 * Level-shift evidence: a short-term mean of the standardised residual, judged
 * against that same statistic's own long-run spread.
 *
 * Measuring the spread empirically (rather than assuming independent noise)
 * absorbs autocorrelation and heavy tails, which is what keeps a slow wander on
 * a real metric from reading as a shift. The independent-noise spread is kept
 * as a floor, since correlation can only widen it.
 */
import { S } from './detector-state.ts';
import { twoSidedNormalNats } from './normal-tail.ts';

/**
 * Folds the standardised residual `z` into the short-term mean and returns the
 * surprise (nats) of that mean. `keepShort` and `keepLong` are the decay
 * factors of the short and long horizons over the elapsed steps. Returns 0
 * until the spread has `minWeight` effective observations behind it.
 */
export function shiftSurprise(state: Float64Array, z: number, keepShort: number, keepLong: number, clip: number, minWeight: number): number {
  const rate = 1 - keepShort;
  const mean = state[S.shift]! + rate * (Math.max(-clip, Math.min(clip, z)) - state[S.shift]!);
  state[S.shift] = mean;
  // Variance of the exponential average of independent unit-variance values, tracked through the actual
  // steps: after a long gap the old values have decayed away and the "mean" is the latest point alone, so
  // its spread is that of one point, not of an average (a single spike must not count as a shift as well).
  const variance = keepShort * keepShort * state[S.shiftVariance]! + rate * rate;
  state[S.shiftVariance] = variance;
  // The empirical spread is measured in units of the regular-step variance, so irregular steps neither
  // inflate it nor hide in it; it is scaled back to this point's variance.
  const regular = rate / (2 - rate);
  const inflation = Math.sqrt(variance / Math.max(regular, 1e-300));
  const spread = Math.max(Math.sqrt(state[S.shiftSpread]!) * inflation, Math.sqrt(variance));
  const surprise = state[S.shiftWeight]! > minWeight ? twoSidedNormalNats(mean / spread) : 0;
  // Clipped so that the shift being measured does not widen the yardstick it is measured with.
  const clipped = Math.max(-clip * spread, Math.min(clip * spread, mean)) / inflation;
  const weight = state[S.shiftWeight]! * keepLong + 1;
  state[S.shiftWeight] = weight;
  state[S.shiftSpread] = state[S.shiftSpread]! + (clipped * clipped - state[S.shiftSpread]!) / weight;
  return surprise;
}

/** Moves the short-term mean of the deseasonalised value towards `y`; `keepShort` as in {@link shiftSurprise}. */
export function updateFastMean(state: Float64Array, y: number, keepShort: number): void {
  state[S.fastMean] = state[S.fastMean]! + (1 - keepShort) * (y - state[S.fastMean]!);
}

/**
 * Accepts a shift: the level jumps to the short-term mean and the shift
 * statistic restarts, so one step change is reported once instead of until the
 * slow level has caught up.
 */
export function rebaseLevel(state: Float64Array): void {
  state[S.level] = state[S.fastMean]!;
  state[S.shift] = 0;
}
